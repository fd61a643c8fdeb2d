# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Permanent materials in the admin: the list synced from WeChat, image upload, delete on WeChat.

The list mirrors WeChat (``wechat.materials.sync``, the "从微信同步素材" button);
"增加素材" uploads an image; the rows are otherwise read-only.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from wechatpy.exceptions import WeChatClientException

from . import materials
from .exceptions import ServiceUnavailable
from .models import Material


class ImageUploadForm(forms.ModelForm):
    """Upload an image to WeChat (add_material): the row gets WeChat's media_id and URL."""

    image = forms.FileField(label="图片", help_text="JPG、PNG、GIF 或 BMP，最大 10 MB。上传后即成为微信的永久素材。")

    class Meta:
        model = Material
        fields = ["name"]
        help_texts = {"name": "可不填，默认用文件名；微信上的素材名就是它。"}

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("image")
        if upload is None:
            return cleaned
        problem = materials.image_problem(upload)
        if problem:
            raise forms.ValidationError({"image": problem})
        try:
            answer = materials.add_image(upload, cleaned.get("name", ""))
        except WeChatClientException as exc:
            raise forms.ValidationError(
                f"微信拒绝了这张图片 / WeChat refused: errcode {exc.errcode} {exc.errmsg}"
            ) from exc
        except ServiceUnavailable as exc:
            raise forms.ValidationError(f"无法连接微信，请稍后再试 / WeChat is unreachable: {exc}") from exc
        now = timezone.now()
        self.instance.media_id = answer["media_id"]
        self.instance.url = answer.get("url", "")[:1000]
        self.instance.kind = Material.Kind.IMAGE
        self.instance.update_time = self.instance.synced_at = now
        cleaned["name"] = answer["name"][:200]  # the name WeChat keeps: a later sync finds the same
        return cleaned


@admin.register(Material)
class MaterialAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "name", "kind", "media_id", "update_time", "synced_at"]
    list_display_links = ["thumbnail", "name"]
    list_filter = ["kind"]
    search_fields = ["name", "media_id"]
    actions = ["delete_on_wechat"]
    readonly_fields = ["thumbnail", "media_id", "kind", "name", "url", "articles", "update_time", "synced_at"]

    @admin.display(description="预览")
    def thumbnail(self, obj):
        if obj.kind == Material.Kind.IMAGE and obj.url:
            # WeChat's image host refuses other sites' Referer: send none.
            return format_html('<img src="{}" referrerpolicy="no-referrer" alt="" style="max-height:60px">', obj.url)
        return obj.get_kind_display()

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ImageUploadForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ["name", "image"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False  # a row is a mirror of WeChat: delete on WeChat (the action), or sync

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.has_change_permission(request) and request.user.has_perm("wechat.delete_material"):
            return actions
        actions.pop("delete_on_wechat", None)
        return actions

    @admin.action(description="在微信上删除所选素材")
    def delete_on_wechat(self, request, queryset):
        deleted = 0
        for material in queryset:
            try:
                materials.delete(material)
                deleted += 1
            except (WeChatClientException, ServiceUnavailable) as exc:
                detail = f"errcode {exc.errcode} {exc.errmsg}" if isinstance(exc, WeChatClientException) else exc
                messages.error(request, f"删除「{material}」失败 / WeChat refused: {detail}")
        if deleted:
            messages.success(request, f"已在微信上删除 {deleted} 个素材 / {deleted} deleted on WeChat")

    def get_urls(self):
        own = [path("sync/", self.admin_site.admin_view(self.sync_view), name="wechat_material_sync")]
        return own + super().get_urls()

    def sync_view(self, request):
        if request.method != "POST" or not self.has_change_permission(request):
            raise PermissionDenied
        try:
            counts = materials.sync()
        except (WeChatClientException, ServiceUnavailable) as exc:
            detail = f"errcode {exc.errcode} {exc.errmsg}" if isinstance(exc, WeChatClientException) else exc
            messages.error(request, f"同步失败 / Sync failed: {detail}")
        else:
            labels = dict(Material.Kind.choices)
            summary = "，".join(f"{labels[kind]} {count}" for kind, count in counts.items())
            messages.success(request, f"已从微信同步素材：{summary} / Materials synced")
        return redirect(reverse("admin:wechat_material_changelist"))
