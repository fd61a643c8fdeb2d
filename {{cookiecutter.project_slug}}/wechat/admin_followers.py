# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Followers in the admin: 微信用户 (official-account followers and mini-program users) and 用户标签.

- The list: search by OpenID, UnionID, remark or nickname; filter by app, subscribed, tag.
- A changed remark or tag is sent to WeChat before it is saved; when WeChat refuses,
  the form comes back with the reason and the edit still in it (nothing saved).
- Actions: tag or untag the selected followers (the tag picked next to the action),
  and "同步全部关注者", which queues the full sync (``wechat.followers``) for the task worker.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import HttpResponseRedirect
from wechatpy.exceptions import WeChatClientException

from .conf import app_settings
from .exceptions import ServiceUnavailable
from .models import FollowerSync, WeChatTag, WeChatUser

# An official-account project (official_account or both): tags and the follower sync. False in a
# mini_program project (set when the project is generated).
OFFICIAL_ACCOUNT = True
TAGGING_BATCH = 50  # tags/members/batchtagging's limit

# What WeChat's refusals mean, for the people who edit followers.
REFUSALS = {
    40003: "这个用户已不再关注公众号（或 OpenID 无效）",
    45059: "一个用户最多只能有 20 个标签",
    45157: "已经有同名的标签",
    45158: "标签名最多 30 个字",
    45056: "标签数量已达上限（100 个）",
    45159: "这个标签在微信上已不存在，请先同步全部关注者",
    48001: "公众号没有这个接口的权限（需要已认证的公众号）",
    40013: "WECHAT_APP_ID 不对或没有配置",
    40125: "WECHAT_APP_SECRET 不对",
    40164: "服务器的出口 IP 不在公众号后台的 IP 白名单里",
    -1: "微信系统繁忙，请稍后再试",
}


def refusal(exc):
    """A sentence for staff about why WeChat refused (or could not be reached)."""
    if isinstance(exc, ServiceUnavailable):
        return "暂时连不上微信，请稍后再试"
    reason = REFUSALS.get(exc.errcode, exc.errmsg or "未知原因")
    return f"微信拒绝了这次修改：{reason}（错误码 {exc.errcode}）"


def client():
    from .client import get_client

    return get_client()


def is_follower(user):
    """A row of the official account (remark and tags live on WeChat), not of the mini program."""
    return bool(app_settings.APP_ID) and user.app_id == app_settings.APP_ID


class AppFilter(admin.SimpleListFilter):
    title = "应用"
    parameter_name = "app"

    def lookups(self, request, model_admin):
        apps = [("official", "公众号", app_settings.APP_ID), ("miniprogram", "小程序", app_settings.MINIPROGRAM_APP_ID)]
        return [(value, label) for value, label, app_id in apps if app_id]

    def queryset(self, request, queryset):
        app_id = {"official": app_settings.APP_ID, "miniprogram": app_settings.MINIPROGRAM_APP_ID}.get(self.value())
        return queryset.filter(app_id=app_id) if self.value() else queryset


class FollowerForm(forms.ModelForm):
    """Remark and tags: sent to WeChat in ``clean()``, so that a refusal is a form error and nothing is lost."""

    class Meta:
        model = WeChatUser
        fields = ["remark", "tags"]
        widgets = {"tags": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "tags" in self.fields:
            self.fields["tags"].queryset = WeChatTag.objects.filter(app_id=self.instance.app_id)

    def clean(self):
        cleaned = super().clean()
        if self.errors or not is_follower(self.instance):
            return cleaned
        openid = self.instance.openid
        try:
            if "remark" in self.changed_data:
                client().user.update_remark(openid, cleaned.get("remark", ""))
            if "tags" in self.changed_data:
                before, after = set(self.instance.tags.all()), set(cleaned.get("tags", ()))
                for tag in sorted(after - before, key=lambda tag: tag.tag_id):
                    client().tag.tag_user(tag.tag_id, openid)
                for tag in sorted(before - after, key=lambda tag: tag.tag_id):
                    client().tag.untag_user(tag.tag_id, openid)
        except (WeChatClientException, ServiceUnavailable) as exc:
            raise ValidationError(f"{refusal(exc)}。没有保存，你的修改还在下面，可以改后再保存。") from exc
        return cleaned


class TagActionForm(ActionForm):
    tag = forms.ModelChoiceField(WeChatTag.objects.all(), required=False, label="标签", empty_label="（选择标签）")


@admin.register(WeChatUser)
class WeChatUserAdmin(admin.ModelAdmin):
    form = FollowerForm
    if OFFICIAL_ACCOUNT:
        list_display = ["openid", "app", "remark", "nickname", "subscribed", "subscribed_at", "tag_names", "unionid"]
        list_filter = [AppFilter, "subscribed", "tags"]
    else:  # a mini-program project: its users log in, nobody follows
        list_display = ["openid", "app", "nickname", "unionid", "created_at"]
        list_filter = [AppFilter]
    list_display_links = ["openid"]
    search_fields = ["openid", "unionid", "remark", "nickname"]
    ordering = [F("subscribed_at").desc(nulls_last=True), "-id"]  # the newest followers, then everyone else
    list_per_page = 50
    action_form = TagActionForm if OFFICIAL_ACCOUNT else ActionForm
    actions = ["add_tag", "remove_tag", "sync_all_followers"] if OFFICIAL_ACCOUNT else []
    readonly_fields = [
        "app",
        "app_id",
        "openid",
        "unionid",
        "nickname",
        "avatar",
        "subscribed",
        "subscribed_at",
        "unsubscribed_at",
        "language",
        "subscribe_scene",
        "synced_at",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["app", "openid", "unionid", "nickname", "avatar"]}),
        ("关注", {"fields": ["subscribed", "subscribed_at", "unsubscribed_at", "subscribe_scene", "language"]}),
        ("运营", {"fields": ["remark", "tags"], "description": "备注名和标签保存时同步到微信。"}),
        ("记录", {"fields": ["app_id", "synced_at", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not is_follower(obj):  # a mini-program user: no following, remark or tags
            return [self.fieldsets[0], self.fieldsets[-1]]
        return self.fieldsets

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not is_follower(obj):  # a mini-program user: no remark or tags on WeChat
            return [*self.readonly_fields, "remark", "tags"]
        return self.readonly_fields

    def has_add_permission(self, request):
        return False  # rows come from WeChat: the sync, the pushes, logins

    @admin.display(description="应用")
    def app(self, user):
        if user.app_id and user.app_id == app_settings.APP_ID:
            return "公众号"
        if user.app_id and user.app_id == app_settings.MINIPROGRAM_APP_ID:
            return "小程序"
        return user.app_id or "-"

    @admin.display(description="标签")
    def tag_names(self, user):
        return "、".join(tag.name for tag in user.tags.all()) or "-"

    def changelist_view(self, request, extra_context=None):
        # "同步全部关注者" (the action or the button above the list) needs no selection: it syncs everyone.
        can_sync = "sync_all_followers" in self.get_actions(request)
        if request.method == "POST" and request.POST.get("action") == "sync_all_followers" and can_sync:
            self.sync_all_followers(request, None)
            return HttpResponseRedirect(request.get_full_path())
        return super().changelist_view(request, {**(extra_context or {}), "can_sync_followers": can_sync})

    @admin.action(description="同步全部关注者（从微信拉取，不用勾选）", permissions=["change"])
    def sync_all_followers(self, request, queryset):
        from .followers import sync_followers_task, sync_running

        if not (app_settings.APP_ID and app_settings.APP_SECRET):
            self.message_user(request, "请先配置公众号的 WECHAT_APP_ID 和 WECHAT_APP_SECRET。", messages.ERROR)
            return
        try:
            if sync_running():
                self.message_user(request, "同步已经在进行中，完成后刷新本页即可看到结果。", messages.WARNING)
                return
            sync_followers_task.enqueue()
        except ServiceUnavailable as exc:
            self.message_user(request, f"现在无法开始同步（{exc}），请稍后再试。", messages.ERROR)
            return
        self.message_user(
            request,
            "已开始同步全部关注者：任务 worker 在后台进行，可能需要几分钟；刷新本页查看，进度见「关注者同步进度」。",
        )

    @admin.action(description="给所选关注者加上标签（同步到微信）", permissions=["change"])
    def add_tag(self, request, queryset):
        self._tagging(request, queryset, add=True)

    @admin.action(description="去掉所选关注者的标签（同步到微信）", permissions=["change"])
    def remove_tag(self, request, queryset):
        self._tagging(request, queryset, add=False)

    def _tagging(self, request, queryset, add):
        try:  # the tag picked next to the action (the admin checks the action form's other fields)
            tag = TagActionForm.base_fields["tag"].clean(request.POST.get("tag"))
        except ValidationError:
            tag = None
        if tag is None:
            self.message_user(request, "请先在动作旁边的「标签」里选一个标签。", messages.ERROR)
            return
        followers = queryset.filter(app_id=tag.app_id, subscribed=True)
        skipped = queryset.count() - followers.count()
        rows = list(followers.values_list("pk", "openid"))
        links = WeChatUser.tags.through
        done = 0
        try:
            for start in range(0, len(rows), TAGGING_BATCH):
                batch = rows[start : start + TAGGING_BATCH]
                openids = [openid for _, openid in batch]
                if add:
                    client().tag.tag_user(tag.tag_id, openids)
                    links.objects.bulk_create(
                        [links(wechatuser_id=pk, wechattag_id=tag.pk) for pk, _ in batch], ignore_conflicts=True
                    )
                else:
                    client().tag.untag_user(tag.tag_id, openids)
                    links.objects.filter(wechattag_id=tag.pk, wechatuser_id__in=[pk for pk, _ in batch]).delete()
                done += len(batch)
        except (WeChatClientException, ServiceUnavailable) as exc:
            left = len(rows) - done
            self.message_user(request, f"{refusal(exc)}。已处理 {done} 人，其余 {left} 人未改。", messages.ERROR)
            return
        verb = "加上" if add else "去掉"
        note = f"（{skipped} 人不是这个公众号的关注者，已跳过）" if skipped else ""
        self.message_user(request, f"已给 {done} 位关注者{verb}标签「{tag.name}」{note}。")


class WeChatTagAdmin(admin.ModelAdmin):
    """Tags: listed from the sync; a tag added here is created on WeChat first."""

    list_display = ["name", "tag_id", "count"]
    search_fields = ["name"]
    fields = ["name", "tag_id", "count"]
    readonly_fields = ["tag_id", "count"]

    def has_delete_permission(self, request, obj=None):
        return False  # a tag deleted here would still be on WeChat

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "name"] if obj is not None else self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            form = type("NewTagForm", (NewTagForm, form), {})
        return form

    def save_model(self, request, obj, form, change):
        if not change:
            obj.app_id, obj.tag_id = app_settings.APP_ID, form.created_tag_id
        super().save_model(request, obj, form, change)


class NewTagForm(forms.ModelForm):
    """Creates the tag on WeChat (``tags/create``) when valid; its id is then WeChat's."""

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.created_tag_id = client().tag.create(cleaned["name"])["id"]
        except (WeChatClientException, ServiceUnavailable) as exc:
            raise ValidationError(f"{refusal(exc)}。标签没有创建。") from exc
        return cleaned


class FollowerSyncAdmin(admin.ModelAdmin):
    """Read-only: how far the follower sync got."""

    list_display = ["app_id", "synced", "total", "started_at", "finished_at", "last_error"]
    readonly_fields = ["app_id", "synced", "total", "started_at", "finished_at", "cursor", "last_error"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


if OFFICIAL_ACCOUNT:  # tags and the sync are the official account's
    admin.site.register(WeChatTag, WeChatTagAdmin)
    admin.site.register(FollowerSync, FollowerSyncAdmin)
