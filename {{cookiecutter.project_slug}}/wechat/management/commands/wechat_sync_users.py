# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""``manage.py wechat_sync_users``: every follower of the official account into ``WeChatUser``.

Run it again after it stopped (WeChat refusing, the process killed): it goes on
where it stopped. ``--restart`` starts from the first page instead. See
``wechat.followers``.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from wechatpy.exceptions import WeChatClientException

from wechat.conf import app_settings
from wechat.exceptions import ServiceUnavailable
from wechat.followers import SyncRunning, sync_followers


class Command(BaseCommand):
    help = "Sync every follower of the official account (同步全部关注者): resumable, safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--restart", action="store_true", help="start from the first page, not where an interrupted sync stopped"
        )

    def handle(self, *args, restart=False, **options):
        if not (app_settings.APP_ID and app_settings.APP_SECRET):
            raise CommandError(
                "Set WECHAT_APP_ID and WECHAT_APP_SECRET first (in .env). 请先配置公众号的 AppID 和 AppSecret。"
            )
        started = time.monotonic()
        try:
            sync = sync_followers(restart=restart, progress=self._progress)
        except WeChatClientException as exc:
            raise CommandError(
                f"WeChat refused: errcode {exc.errcode} {exc.errmsg}. Run the command again to continue. "
                "微信拒绝了请求；再次运行本命令会从中断处继续。"
            ) from exc
        except SyncRunning as exc:
            raise CommandError(f"{exc}. Try again when it is over. 请等它结束后再试。") from exc
        except ServiceUnavailable as exc:
            raise CommandError(f"{exc}. Run the command again to continue. 再次运行本命令会从中断处继续。") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Synced {sync.synced} followers in {time.monotonic() - started:.1f} s. 已同步 {sync.synced} 个关注者。"
            )
        )

    def _progress(self, sync):
        self.stdout.write(f"{sync.synced}/{sync.total}")
