# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""The custom menu in the admin: edit, check, preview, publish; see and pull or delete WeChat's menu.

Pages (besides the usual list and form): ``<id>/preview/`` shows the menu as a
phone shows it and publishes it (POST); ``remote/`` shows the menu WeChat has
now and pulls it into a new row or deletes it (POST).
"""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from wechatpy.exceptions import WeChatClientException

from . import menus
from .exceptions import ServiceUnavailable
from .models import Menu


class MenuJSONField(forms.JSONField):
    """The menu's JSON, indented and with Chinese as it is: readable in a textarea."""

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2)


class MenuForm(forms.ModelForm):
    menu = MenuJSONField(
        label="菜单内容",
        widget=forms.Textarea(attrs={"rows": 24, "cols": 90, "style": "font-family: monospace"}),
        help_text=Menu._meta.get_field("menu").help_text,
    )

    class Meta:
        model = Menu
        fields = ["name", "menu"]

    def clean_menu(self):
        menu = self.cleaned_data["menu"]
        errors = menus.menu_errors(menu)
        if errors:
            raise forms.ValidationError(errors)
        return menu


def describe(button):
    """What a tap on the button does, in words."""
    kind = button.get("type")
    if kind == "view":
        return f"打开网页 {button.get('url', '')}"
    if kind == "miniprogram":
        return f"打开小程序 {button.get('appid', '')} {button.get('pagepath', '')}"
    if kind in ("media_id", "view_limited"):
        return f"发送素材 {button.get('media_id', '')}"
    if kind in ("article_id", "article_view_limited"):
        return f"打开图文 {button.get('article_id', '')}"
    if kind in menus.KEY_TYPES:
        return f"{menus.KEY_TYPES[kind]}，key {button.get('key', '')}"
    return ""


def phone(menu):
    """The menu as a phone shows it: a bottom bar, each sub-menu opened above its button."""
    from django.template.loader import render_to_string

    buttons = []
    for button in (menu or {}).get("button", []) if isinstance(menu, dict) else []:
        if not isinstance(button, dict):
            continue
        subs = [
            {"name": sub.get("name", ""), "does": describe(sub)}
            for sub in button.get("sub_button") or []
            if isinstance(sub, dict)
        ]
        buttons.append({"name": button.get("name", ""), "does": "" if subs else describe(button), "subs": subs})
    return render_to_string("wechat/menu_phone.html", {"buttons": buttons})


def wechat_refusal(request, exc):
    if isinstance(exc, WeChatClientException):
        messages.error(request, f"微信拒绝了这个操作 / WeChat refused: errcode {exc.errcode} {exc.errmsg}")
    else:
        messages.error(request, f"无法连接微信，请稍后再试 / WeChat is unreachable: {exc}")


@admin.register(Menu)
class MenuAdmin(admin.ModelAdmin):
    form = MenuForm
    list_display = ["name", "is_current", "summary", "published_at", "updated_at"]
    search_fields = ["name"]
    readonly_fields = ["preview", "is_current", "published_at"]
    fields = ["name", "menu", "preview", "is_current", "published_at"]

    @admin.display(description="菜单")
    def summary(self, obj):
        buttons = obj.menu.get("button", []) if isinstance(obj.menu, dict) else []
        return " | ".join(str(button.get("name", "?")) for button in buttons if isinstance(button, dict))

    @admin.display(description="预览（保存后更新）")
    def preview(self, obj):
        return mark_safe(phone(obj.menu)) if obj and obj.pk else "-"

    def get_urls(self):
        own = [
            path("remote/", self.admin_site.admin_view(self.remote_view), name="wechat_menu_remote"),
            path(
                "<path:object_id>/preview/", self.admin_site.admin_view(self.preview_view), name="wechat_menu_preview"
            ),
        ]
        return own + super().get_urls()

    def preview_view(self, request, object_id):
        menu = get_object_or_404(Menu, pk=object_id)
        if not self.has_view_permission(request, menu):
            raise PermissionDenied
        errors = menus.menu_errors(menu.menu)
        if request.method == "POST":
            if not self.has_change_permission(request, menu):
                raise PermissionDenied
            if errors:
                messages.error(
                    request, "菜单不符合微信的规则，没有发布 / The menu breaks WeChat's rules: not published"
                )
            else:
                try:
                    menus.publish(menu)
                except (WeChatClientException, ServiceUnavailable) as exc:
                    wechat_refusal(request, exc)
                else:
                    messages.success(request, f"已发布到微信：{menu.name} / Published to WeChat")
                    return redirect(reverse("admin:wechat_menu_change", args=[menu.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": menu,
            "title": f"预览：{menu.name}",
            "phone": mark_safe(phone(menu.menu)),
            "errors": errors,
            "can_publish": self.has_change_permission(request, menu),
        }
        return TemplateResponse(request, "admin/wechat/menu/preview.html", context)

    def remote_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            if not (self.has_add_permission(request) and self.has_change_permission(request)):
                raise PermissionDenied
            try:
                if request.POST.get("action") == "delete":
                    menus.delete()
                    messages.success(request, "已删除微信上的菜单 / The menu on WeChat is deleted")
                else:
                    pulled = menus.pull()
                    if pulled is None:
                        messages.warning(request, "微信上没有菜单 / WeChat has no menu")
                    else:
                        messages.success(request, f"已保存为新菜单：{pulled.name} / Saved as a new menu")
                        return redirect(reverse("admin:wechat_menu_change", args=[pulled.pk]))
            except (WeChatClientException, ServiceUnavailable) as exc:
                wechat_refusal(request, exc)
            return redirect(reverse("admin:wechat_menu_remote"))
        current, problem = None, None
        try:
            answer = menus_from_wechat()
            current = menus.clean_menu(answer["menu"]) if answer else None
        except (WeChatClientException, ServiceUnavailable) as exc:
            problem = format_html("{}", exc)
            wechat_refusal(request, exc)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "微信上的当前菜单",
            "current": current,
            "current_json": json.dumps(current, ensure_ascii=False, indent=2) if current else "",
            "phone": mark_safe(phone(current)) if current else "",
            "problem": problem,
        }
        return TemplateResponse(request, "admin/wechat/menu/remote.html", context)


def menus_from_wechat():
    from .client import get_client

    return get_client().menu.get()
