# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""``manage.py wechat_simulate "你好"``: push a message to the webhook exactly as WeChat would.

    python manage.py wechat_simulate "你好"
    python manage.py wechat_simulate --event subscribe
    python manage.py wechat_simulate --event CLICK --key TODAY_PICK
    python manage.py wechat_simulate --image
    python manage.py wechat_simulate --location 23.13,113.26
    python manage.py wechat_simulate --echostr          # the URL check WeChat makes when you save the server URL
    python manage.py wechat_simulate "你好" --encrypt --url https://example.com/wechat/

The push is signed with WECHAT_TOKEN (and sealed with WECHAT_ENCODING_AES_KEY when
``--encrypt`` is given or WECHAT_ENCRYPT_MODE is safe), sent to ``--url`` or
handled in this process with ``--in-process``, and the (decrypted) reply is
printed; in DEBUG, a handler that failed is named with its exception. Without
``--url`` it goes to ``runserver`` on this machine: port 8000 (``runserver``'s
default) or, when nothing listens there, port 80 (``runserver 0.0.0.0:80``, as
the quick start runs it).
"""

import secrets
import urllib.error
import urllib.request
from urllib.parse import unquote

from django.core.management.base import BaseCommand, CommandError
from django.test import RequestFactory

from wechat.conf import app_settings
from wechat.testing import PushBuilder
from wechat.webhook import ERROR_HEADER

# Tried in this order when --url is not given: runserver's default port, then the quick start's.
DEFAULT_URLS = ("http://127.0.0.1:8000/wechat/", "http://127.0.0.1/wechat/")


class Command(BaseCommand):
    help = "Send a signed (and encrypted) push to the webhook, as WeChat does, and print the reply."

    def add_arguments(self, parser):
        parser.add_argument("text", nargs="?", help="a text message")
        kinds = parser.add_mutually_exclusive_group()
        kinds.add_argument("--event", help="an event: subscribe, unsubscribe, CLICK, VIEW, SCAN, LOCATION, ...")
        kinds.add_argument("--image", nargs="?", const="https://example.com/photo.jpg", metavar="URL")
        kinds.add_argument("--location", metavar="LAT,LNG", help="a location message, e.g. 23.13,113.26")
        kinds.add_argument("--echostr", nargs="?", const="echo-" + "0" * 8, metavar="VALUE", help="the URL check")
        parser.add_argument("--key", default=None, help="EventKey for --event (menu key, scene, URL)")
        parser.add_argument("--openid", default="o_simulated_user", help="the sender")
        parser.add_argument("--encrypt", action="store_true", help="seal the push with AES (safe mode)")
        parser.add_argument(
            "--url",
            help=f"the webhook (default {DEFAULT_URLS[0]}, or {DEFAULT_URLS[1]} when nothing listens on port 8000)",
        )
        parser.add_argument("--in-process", action="store_true", help="handle it in this process, no server needed")

    def handle(self, *args, **options):
        if not app_settings.TOKEN:
            raise CommandError("WECHAT_TOKEN is empty: set it (the same value as the server) first.")
        encrypted = options["encrypt"] or app_settings.ENCRYPT_MODE == "safe"
        try:
            push = PushBuilder(
                app_settings.TOKEN,
                mode="safe" if encrypted else "plain",
                aes_key=app_settings.ENCODING_AES_KEY,
                app_id=app_settings.APP_ID,
                openid=options["openid"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if options["echostr"] is not None:
            return self._url_check(push, options)
        fields = self._fields(push, options)
        target = "this process" if options["in_process"] else options["url"] or " or ".join(DEFAULT_URLS)
        self.stdout.write(
            f"→ {fields['MsgType']} {fields.get('Event', '')} to {target} ({push.mode})".replace("  ", " ")
        )
        status, body, failure = self._send(options, *push.sign(fields))
        self._show(push, status, body)
        if failure:  # DEBUG on the server: the handler raised, or returned what cannot be a reply
            self.stderr.write(f"! handler error: {unquote(failure)} (the server's log has the traceback)")

    def _fields(self, push, options):
        if options["event"]:
            return push.event_fields(options["event"], options["key"])
        if options["image"]:
            return push.fields("image", PicUrl=options["image"], MediaId="simulated-" + secrets.token_hex(8))
        if options["location"]:
            try:
                latitude, longitude = (float(part) for part in options["location"].split(","))
            except ValueError:
                raise CommandError("--location takes LAT,LNG, e.g. 23.13,113.26") from None
            return push.fields("location", Location_X=latitude, Location_Y=longitude, Scale=15, Label="")
        if not options["text"]:
            raise CommandError('Give a text ("你好"), or --event, --image, --location or --echostr.')
        return push.text_fields(options["text"])

    def _send(self, options, query, body=None):
        """``(status, body, X-WeChat-Handler-Error or None)`` of the push."""
        if options["in_process"]:
            from wechat.webhook import webhook

            factory = RequestFactory()
            path = f"/wechat/?{query}"
            request = factory.post(path, body, content_type="text/xml") if body is not None else factory.get(path)
            response = webhook(request)
            return response.status_code, response.content, response.headers.get(ERROR_HEADER)
        urls = [options["url"]] if options["url"] else DEFAULT_URLS
        for url in urls:
            answer = self._post(url, query, body)
            if answer is not None:
                return answer
        raise CommandError(
            f"Cannot reach {' or '.join(urls)}: nothing listens there. Is the server running? "
            "Start it (runserver), or give its webhook with --url."
        )

    def _post(self, url, query, body):
        """``(status, body, handler error)`` of the push to ``url``; None when nothing listens there (none sent)."""
        request = urllib.request.Request(f"{url}?{query}", data=body, headers={"Content-Type": "text/xml"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read(), response.headers.get(ERROR_HEADER)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            if isinstance(reason, ConnectionRefusedError):
                return None
            raise CommandError(f"Cannot reach {url}: {reason}. Is the server running? (--url)") from None

    def _url_check(self, push, options):
        status, body, _ = self._send(options, push.url_check(echostr=options["echostr"]))
        if status == 200 and body.decode() == options["echostr"]:
            self.stdout.write(self.style.SUCCESS(f"URL check OK: the server echoed {options['echostr']}"))
        else:
            raise CommandError(f"URL check failed: {status} {body.decode(errors='replace')}")

    def _show(self, push, status, body):
        if status != 200:
            raise CommandError(f"← {status}: {body.decode(errors='replace')}")
        reply = push.read_reply(body)
        if reply is None:
            self.stdout.write("← success (no reply)")
            return
        self.stdout.write(f"← {reply.get('MsgType')}")
        for name, value in reply.items():
            if name not in ("ToUserName", "FromUserName", "CreateTime", "MsgType"):
                self.stdout.write(f"  {name}: {value}")
