# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Auto-reply rules in the admin: the list, the editor with its articles, a preview, and the import from WeChat."""

import time

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from .materials import MediaIdWidget
from .models import WECHAT_MAX_ARTICLES, AutoReplyArticle, AutoReplyRule
from .rules import article_count_error, rule_cache, rules_changed


class ArticleFormSet(forms.BaseInlineFormSet):
    """A news reply needs 1 to 8 articles; other replies ignore them."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        count = sum(1 for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE"))
        error = article_count_error(self.instance, count)
        if error:
            raise ValidationError(error)


class ArticleInline(admin.StackedInline):
    model = AutoReplyArticle
    formset = ArticleFormSet
    extra = 0
    max_num = WECHAT_MAX_ARTICLES
    fields = ("position", "title", "description", "image", "url")
    classes = ("collapse",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    verbose_name = "图文文章（回复类型为“图文”时填写）"


class RuleForm(forms.ModelForm):
    class Meta:
        model = AutoReplyRule
        fields = [
            "name", "enabled", "priority", "match_kind", "pattern",
            "reply_kind", "text", "media_id", "media_title", "media_description",
        ]  # fmt: skip
        # media_id: typed, or picked from the synced materials (wechat.materials) as suggestions.
        widgets = {
            "media_id": MediaIdWidget(
                ("image", "voice", "video"), attrs={"placeholder": "例如 jCx3o…（永久素材的 media_id）"}
            )
        }


@admin.register(AutoReplyRule)
class AutoReplyRuleAdmin(admin.ModelAdmin):
    form = RuleForm
    inlines = [ArticleInline]
    list_display = ("name", "match_kind", "pattern", "reply_kind", "enabled", "priority", "updated_at")
    list_display_links = ("name",)
    list_editable = ("enabled", "priority")
    list_filter = ("enabled", "match_kind", "reply_kind")
    search_fields = ("name", "pattern", "text")
    actions = ["enable_rules", "disable_rules"]
    change_list_template = "admin/wechat/autoreplyrule/change_list.html"
    change_form_template = "admin/wechat/autoreplyrule/change_form.html"
    fieldsets = (
        (None, {"fields": ("name", "enabled", "priority")}),
        ("收到什么时回复", {"fields": ("match_kind", "pattern")}),
        ("回复什么", {"fields": ("reply_kind", "text", "media_id", "media_title", "media_description")}),
    )

    def get_urls(self):
        own = [
            path("preview/", self.admin_site.admin_view(self.preview_view), name="wechat_autoreplyrule_preview"),
            path("import/", self.admin_site.admin_view(self.import_view), name="wechat_autoreplyrule_import"),
        ]
        return own + super().get_urls()

    @admin.action(description="启用所选规则")
    def enable_rules(self, request, queryset):
        self._set_enabled(request, queryset, True)

    @admin.action(description="停用所选规则")
    def disable_rules(self, request, queryset):
        self._set_enabled(request, queryset, False)

    def _set_enabled(self, request, queryset, enabled):
        count = queryset.update(enabled=enabled)
        rules_changed()  # update() sends no signal
        self.message_user(request, f"已{'启用' if enabled else '停用'} {count} 条规则。")

    # -- Preview: which rule (or code handler) answers a message, and its reply --------------------
    def preview_view(self, request):
        # A rule's page links here with its keyword (or event) filled in: ?kind=text&content=...
        form = PreviewForm(request.POST or None, initial=request.GET.dict())
        result = None
        if request.method == "POST" and form.is_valid():
            result = preview(form.push_fields())
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "测试自动回复",
            "form": form,
            "result": result,
        }
        return TemplateResponse(request, "admin/wechat/autoreplyrule/preview.html", context)

    # -- Import from WeChat ----------------------------------------------------------------------------
    def import_view(self, request):
        return require_POST(self._import)(request)

    def _import(self, request):
        from wechatpy.exceptions import WeChatClientException

        from .autoreply_import import import_autoreply
        from .exceptions import ServiceUnavailable

        if not self.has_add_permission(request):
            messages.error(request, "你没有添加自动回复规则的权限。")
        else:
            try:
                created, updated = import_autoreply()
            except WeChatClientException as exc:
                messages.error(request, f"微信拒绝了请求：errcode {exc.errcode} {exc.errmsg}")
            except ServiceUnavailable as exc:
                messages.error(request, f"无法连接微信：{exc}")
            else:
                messages.success(request, f"已从微信导入：新增 {created} 条，更新 {updated} 条。")
        return redirect(reverse("admin:wechat_autoreplyrule_changelist"))


class PreviewForm(forms.Form):
    KINDS = (
        ("text", "用户发来文字"),
        ("subscribe", "用户关注"),
        ("click", "用户点击菜单（CLICK）"),
        ("image", "用户发来图片"),
    )
    kind = forms.ChoiceField(label="消息", choices=KINDS, initial="text")
    content = forms.CharField(label="文字内容", required=False, max_length=2000)
    key = forms.CharField(label="菜单 key", required=False, max_length=128)

    def clean(self):
        data = super().clean()
        if data.get("kind") == "text" and not data.get("content"):
            self.add_error("content", "请输入用户发来的文字。")
        if data.get("kind") == "click" and not data.get("key"):
            self.add_error("key", "请输入菜单按钮的 key。")
        return data

    def push_fields(self):
        data = self.cleaned_data
        fields = {"ToUserName": "gh_preview", "FromUserName": "o_admin_preview", "CreateTime": int(time.time())}
        if data["kind"] == "text":
            return {**fields, "MsgType": "text", "Content": data["content"], "MsgId": 1}
        if data["kind"] == "image":
            return {**fields, "MsgType": "image", "PicUrl": "https://example.com/a.png", "MediaId": "m", "MsgId": 1}
        if data["kind"] == "subscribe":
            return {**fields, "MsgType": "event", "Event": "subscribe"}
        return {**fields, "MsgType": "event", "Event": "CLICK", "EventKey": data["key"]}


def preview(fields):
    """What answers the push of ``fields``: a dict for the preview page (the rules read afresh)."""
    from .replies import make_reply, render
    from .router import handler_name
    from .webhook import attach_context, make_message, resolve

    rule_cache.forget()  # the rules as saved now, not as this process last loaded them
    message = make_message(dict(fields))
    attach_context(message)
    handler = resolve(message)
    if handler is None:
        return {"answer": "没有规则或代码处理函数回复这条消息，微信收到 success（用户看不到回复）。", "reply": None}
    if getattr(handler, "rule_id", None) is None:
        return {
            "answer": f"代码处理函数 {handler_name(handler)} 回复（预览不运行代码，回复内容由代码决定）。",
            "reply": None,
        }
    rule = AutoReplyRule.objects.filter(pk=handler.rule_id).first()
    reply = make_reply(handler(message), message)
    return {
        "answer": f"自动回复规则“{rule.name if rule else handler.rule_id}”回复。",
        "rule_url": reverse("admin:wechat_autoreplyrule_change", args=[handler.rule_id]),
        "reply": render(reply).decode("utf-8") if reply is not None else "success",
    }
