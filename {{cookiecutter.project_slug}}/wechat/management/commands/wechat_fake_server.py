# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""``manage.py wechat_fake_server``: a fake WeChat API on 127.0.0.1 for local development.

Start it, then point the project at it (in another shell or in .env)::

    WECHAT_API_BASE_URL=http://127.0.0.1:8600/ WECHAT_OPEN_BASE_URL=http://127.0.0.1:8600/

It accepts this project's WECHAT_APP_ID / WECHAT_APP_SECRET, and its OAuth page
signs the browser in as ``--openid``. ``--fail cgi-bin/ticket/getticket:40001:100``
makes an endpoint answer an errcode for its next 100 calls (repeatable), to see
how the project behaves when WeChat refuses: ``--fail cgi-bin/message/custom/send:45015``
refuses the next customer-service message (reply window passed), ``...:-1:3`` answers
"system busy" three times.

``--followers 500`` gives the official account 500 followers (and a tag, VIP, on the
first ten) for the admin's 同步全部关注者 and ``wechat_sync_users`` to fetch.
``--materials 30`` seeds 30 permanent images (and a voice, a video and a news
material) for the admin's "从微信同步素材" to find.

The customer-service messages it receives (late replies) are listed at
``/__fake__/custom_messages`` (``?touser=...&since=...``), and the dev console
(``/wechat/dev/``) shows them in its chat.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from wechat.conf import app_settings
from wechat.fake_server import FakeWeChat


class Command(BaseCommand):
    help = "Run a fake WeChat API server on 127.0.0.1 (Ctrl-C to stop)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8600)
        parser.add_argument("--openid", default="o_fake_browser_user", help="the user the OAuth page signs in")
        parser.add_argument("--nickname", default="测试用户")
        parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait before every answer")
        parser.add_argument("--followers", type=int, default=0, help="how many followers the official account has")
        parser.add_argument("--materials", type=int, default=0, help="seed this many permanent images (and 3 more)")
        parser.add_argument(
            "--fail",
            action="append",
            default=[],
            metavar="PATH:ERRCODE[:TIMES]",
            help="answer the next TIMES (default 1) calls to PATH with ERRCODE; repeatable "
            "(e.g. cgi-bin/message/custom/send:45015)",
        )

    def handle(self, *args, port, openid, nickname, delay, fail, followers=0, materials=0, **options):
        failures = [self._failure(spec) for spec in fail]
        app_id = app_settings.APP_ID or "wx_fake_app"
        secret = app_settings.APP_SECRET or "fake-secret"
        mini_program = {app_settings.MINIPROGRAM_APP_ID: app_settings.MINIPROGRAM_APP_SECRET}
        fake = FakeWeChat(app_id, secret, apps=mini_program if app_settings.MINIPROGRAM_APP_ID else None, port=port)
        fake.browser_user = fake.add_user(openid, nickname=nickname)
        fake.delay = delay
        if followers > 0:
            vip = fake.add_tag("VIP")
            fake.add_followers(min(followers, 10), tags=[vip])
            fake.add_followers(followers - min(followers, 10))
        for path, errcode, times in failures:
            fake.fail(path, errcode, times)
        if materials:
            seed_materials(fake, materials)
        with fake:
            self.stdout.write(f"Fake WeChat API for {app_id} at {fake.url}")
            variables = f"WECHAT_API_BASE_URL={fake.url} WECHAT_OPEN_BASE_URL={fake.url}"
            if not app_settings.APP_ID:  # the project must send the app id the fake knows
                variables += f" WECHAT_APP_ID={app_id} WECHAT_APP_SECRET={secret}"
            self.stdout.write(f"Set {variables}")
            self.stdout.write(f"Customer-service messages received: {fake.url}__fake__/custom_messages")
            self.stdout.flush()
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                self.stdout.write("Stopped.")

    @staticmethod
    def _failure(spec):
        path, _, rest = spec.partition(":")
        errcode, _, times = rest.partition(":")
        try:
            return path.strip("/"), int(errcode), int(times or 1)
        except ValueError:
            raise CommandError(f"--fail {spec}: expected PATH:ERRCODE[:TIMES]") from None


def seed_materials(fake, images):
    """``images`` permanent images, a voice, a video and a news material on the fake."""
    for number in range(1, images + 1):
        fake.add_material("image", name=f"示例图片{number}.jpg")
    fake.add_material("voice", name="欢迎语音.mp3")
    fake.add_material("video", name="介绍视频.mp4")
    article = {"title": "示例图文", "digest": "假微信服务器上的图文素材", "url": "https://example.com/article"}
    fake.add_material("news", articles=[article])
