# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""The message log in the admin (消息记录): read-only, searchable, filterable."""

from django.contrib import admin

from .models import MessageLog


@admin.register(MessageLog)
class MessageLogAdmin(admin.ModelAdmin):
    list_display = ("received_at", "openid", "msg_type", "event", "summary", "outcome", "handler", "latency_ms")
    list_filter = ("outcome", "msg_type", "event", "encrypted", "received_at")
    search_fields = ("openid", "content", "event_key", "msg_id", "handler")
    date_hierarchy = "received_at"
    list_select_related = False
    show_full_result_count = False  # no COUNT(*) over a large log on every page

    @admin.display(description="摘要")
    def summary(self, log):
        text = log.content or log.event_key
        return text if len(text) <= 40 else text[:39] + "…"

    # Read-only: the log is what happened.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
