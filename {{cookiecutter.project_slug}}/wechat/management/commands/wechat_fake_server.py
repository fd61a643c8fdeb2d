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

``--pay`` (projects made with use_pay) also fakes WeChat Pay API v3 for the merchant
``--pay-mch-id`` (default WECHAT_PAY_MCH_ID): it signs with a WeChat Pay key kept in
``--pay-keys-dir`` (default ``.wechat_fake_pay/``, git-ignored; merchant keys and an APIv3
key are made there too when the settings have none) and prints the WECHAT_PAY_* lines for
.env. Its notifications go to ``--pay-notify-base`` (default http://127.0.0.1:8000/) with
the path of the order's notify_url. ``--pay-mode platform_cert`` for the older
platform-certificate mode.
"""

import secrets
import time
from pathlib import Path

from django.conf import settings
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
            "(e.g. cgi-bin/message/custom/send:45015; for WeChat Pay an HTTP status: v3/pay/transactions/jsapi:500)",
        )
        parser.add_argument("--pay", action="store_true", help="also fake WeChat Pay API v3 (projects with use_pay)")
        parser.add_argument(
            "--pay-mch-id", default="", help="the merchant id (default WECHAT_PAY_MCH_ID); implies --pay"
        )
        parser.add_argument("--pay-mode", choices=["public_key", "platform_cert"], default="public_key")
        parser.add_argument(
            "--pay-keys-dir", default="", help="where the fake keeps its keys (default .wechat_fake_pay/)"
        )
        parser.add_argument(
            "--pay-notify-base",
            default="http://127.0.0.1:8000/",
            help="notifications go here, with the path of the order's notify_url",
        )

    def handle(self, *args, port, openid, nickname, delay, fail, followers=0, materials=0, **options):
        failures = [self._failure(spec) for spec in fail]
        app_id = app_settings.APP_ID or "wx_fake_app"
        secret = app_settings.APP_SECRET or "fake-secret"
        mini_program = {app_settings.MINIPROGRAM_APP_ID: app_settings.MINIPROGRAM_APP_SECRET}
        pay = None
        if options.get("pay") or options.get("pay_mch_id"):
            keys_dir = Path(options.get("pay_keys_dir") or Path(settings.BASE_DIR) / ".wechat_fake_pay")
            pay, pay_env = pay_merchant(keys_dir, options.get("pay_mch_id"))
        fake = FakeWeChat(
            app_id,
            secret,
            apps=mini_program if app_settings.MINIPROGRAM_APP_ID else None,
            port=port,
            pay=pay,
            pay_mode=options.get("pay_mode") or "public_key",
        )
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
            if pay is not None:
                fake.pay.notify_base = options.get("pay_notify_base") or None
                self.stdout.write("WeChat Pay v3 is on. 微信支付已开启，把这些写进 .env / put these in .env:")
                for name, value in {**pay_env, **pay_key_env(fake, keys_dir)}.items():
                    self.stdout.write(f"{name}={value}")
                self.stdout.write(f"Notifications go to 支付通知发往 {fake.pay.notify_base} (--pay-notify-base)")
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


def pay_merchant(directory, mch_id=""):
    """The merchant the fake WeChat Pay serves, from the settings or made in ``directory``; its .env lines."""
    try:
        from wechat.fake_pay import FakePayMerchant, merchant_keys, public_pem_of
    except ImportError:
        raise CommandError("--pay: this project has no WeChat Pay (generated with use_pay=no)") from None
    from cryptography.hazmat.primitives import serialization

    env = {"WECHAT_PAY_MCH_ID": mch_id or getattr(settings, "WECHAT_PAY_MCH_ID", "") or "1900000001"}
    private_key_path = getattr(settings, "WECHAT_PAY_PRIVATE_KEY_PATH", "")
    serial_no = getattr(settings, "WECHAT_PAY_CERT_SERIAL_NO", "")
    if private_key_path and serial_no:
        try:
            key = serialization.load_pem_private_key(Path(private_key_path).read_bytes(), None)
        except (OSError, ValueError, TypeError) as error:
            raise CommandError(f"WECHAT_PAY_PRIVATE_KEY_PATH={private_key_path}: {error}") from None
        public_key_pem = public_pem_of(key)
    else:
        keys = merchant_keys(directory, reuse=True)
        public_key_pem, serial_no, private_key_path = keys.public_key_pem, keys.serial_no, keys.private_key_path
        env.update(WECHAT_PAY_PRIVATE_KEY_PATH=private_key_path, WECHAT_PAY_CERT_SERIAL_NO=serial_no)
    api_v3_key = getattr(settings, "WECHAT_PAY_API_V3_KEY", "")
    if len(api_v3_key.encode()) != 32:
        key_file = Path(directory) / "apiv3_key.txt"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(16) + "\n", encoding="ascii")
            key_file.chmod(0o600)
        api_v3_key = key_file.read_text(encoding="ascii").strip()
        env["WECHAT_PAY_API_V3_KEY"] = api_v3_key
    if not getattr(settings, "WECHAT_PAY_NOTIFY_URL", ""):  # https, as WeChat Pay asks; the fake rewrites the host
        env["WECHAT_PAY_NOTIFY_URL"] = "https://localhost/wechat/pay/notify/"
    appids = tuple(app_id for app_id in (app_settings.APP_ID, app_settings.MINIPROGRAM_APP_ID) if app_id)
    merchant = FakePayMerchant(env["WECHAT_PAY_MCH_ID"], api_v3_key, public_key_pem, serial_no, appids=appids)
    return merchant, env


def pay_key_env(fake, directory):
    """The .env lines naming the fake's WeChat Pay key (or platform certificate) and its address."""
    paths = fake.pay.use_key_files(directory)
    env = {"WECHAT_PAY_API_BASE_URL": fake.url}
    if fake.pay.mode == "platform_cert":
        env["WECHAT_PAY_PLATFORM_CERT_PATH"] = paths["platform_cert"]
    else:
        env.update(WECHAT_PAY_PUBLIC_KEY_ID=fake.pay.public_key_id, WECHAT_PAY_PUBLIC_KEY_PATH=paths["public_key"])
    return env


def seed_materials(fake, images):
    """``images`` permanent images, a voice, a video and a news material on the fake."""
    for number in range(1, images + 1):
        fake.add_material("image", name=f"示例图片{number}.jpg")
    fake.add_material("voice", name="欢迎语音.mp3")
    fake.add_material("video", name="介绍视频.mp4")
    article = {"title": "示例图文", "digest": "假微信服务器上的图文素材", "url": "https://example.com/article"}
    fake.add_material("news", articles=[article])
