# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""``manage.py wechat_import_autoreply``: the account's own auto-reply settings become database rules."""

from django.core.management.base import BaseCommand, CommandError
from wechatpy.exceptions import WeChatClientException

from wechat.autoreply_import import import_autoreply
from wechat.exceptions import ServiceUnavailable


class Command(BaseCommand):
    help = "Import the auto-replies set on WeChat's admin page (自动回复) as rules; importing again updates them."

    def handle(self, *args, **options):
        try:
            created, updated = import_autoreply()
        except WeChatClientException as exc:
            raise CommandError(f"WeChat refused: errcode {exc.errcode} {exc.errmsg}") from exc
        except ServiceUnavailable as exc:
            raise CommandError(str(exc)) from exc
        summary = f"Imported: {created} new rules, {updated} updated. 已导入：新增 {created} 条，更新 {updated} 条。"
        self.stdout.write(self.style.SUCCESS(summary))
