# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""``manage.py wechat_token``: show the shared access_token; ``--refresh`` forces a new one."""

import time

from django.core.management.base import BaseCommand, CommandError
from wechatpy.exceptions import WeChatClientException

from wechat.exceptions import ServiceUnavailable
from wechat.tokens import access_token, jsapi_ticket, miniprogram_access_token


class Command(BaseCommand):
    help = "Show the shared access_token (and jsapi_ticket); --refresh fetches a new access_token."

    def add_arguments(self, parser):
        parser.add_argument("--refresh", action="store_true", help="force WeChat to issue a new access_token")
        parser.add_argument("--reveal", action="store_true", help="print the full values, not just their start")
        parser.add_argument("--miniprogram", action="store_true", help="the mini program's token, not the account's")

    def handle(self, *args, refresh=False, reveal=False, miniprogram=False, **options):
        token = miniprogram_access_token if miniprogram else access_token
        try:
            if refresh:
                entry = token.peek()
                token.refresh(stale=entry["value"] if entry else None, rejected=True)
            else:
                token.get()
        except (ServiceUnavailable, WeChatClientException) as exc:
            raise CommandError(f"Could not get an access_token: {exc}") from exc
        for credential in (token,) if miniprogram else (token, jsapi_ticket):
            entry = credential.peek()
            if entry is None:
                self.stdout.write(f"{credential.name}: (none cached)")
                continue
            value = entry["value"] if reveal else entry["value"][:12] + "…"
            left = int(entry["expires_at"] - time.time())
            self.stdout.write(f"{credential.name}: {value} (expires in {left} s)")
