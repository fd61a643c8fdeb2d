# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""The dev console at ``/wechat/dev/``: a WeChat-like chat with your webhook.

Each message typed there becomes a real push, signed (and sealed with AES
when WECHAT_ENCRYPT_MODE asks) exactly as WeChat sends it, and goes through the
project's URLs and middleware to the webhook; the page shows the decrypted reply.

It signs with your WECHAT_TOKEN, so it is fenced in three ways: ``wechat/urls.py``
imports it only when DEBUG is on; it answers only requests from this machine
(or ``INTERNAL_IPS``) that no proxy or tunnel relayed (403 otherwise, with the
reason); and it always sends as its own user, ``DEV_CONSOLE_OPENID``.

Late replies (customer-service messages: deferred handlers, slow ones) reach the
page too when WECHAT_API_BASE_URL is a fake WeChat server on this machine
(``manage.py wechat_fake_server``): the page polls ``dev/late/``, which asks the
fake for what it received for ``DEV_CONSOLE_OPENID``. Against WeChat's real API
they go to WeChat, and the page says so.
"""

import functools
import ipaddress
import math
import time
from urllib.parse import unquote, urlsplit

import requests
from django.conf import settings
from django.http import Http404, HttpResponseForbidden, JsonResponse
from django.shortcuts import render
from django.test import Client
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_GET, require_POST

from .conf import app_settings
from .jsonbody import json_object
from .testing import PushBuilder
from .webhook import ERROR_HEADER

EVENTS = ("subscribe", "unsubscribe", "CLICK", "VIEW", "SCAN", "LOCATION")
DEV_CONSOLE_OPENID = "o_dev_console_user"
# Headers a reverse proxy or a tunnel (ngrok, frp's http mode...) adds: the request came from elsewhere.
RELAY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")


def refusal(request):
    """Why the console refuses ``request`` (None when it may use it): only this machine, in DEBUG."""
    relayed = [header for header in RELAY_HEADERS if header in request.headers]
    if relayed:
        return f"the dev console refuses relayed requests ({relayed[0]}): open it on this machine"
    address = request.META.get("REMOTE_ADDR", "")
    if address in settings.INTERNAL_IPS:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"the dev console answers only this machine, not {address or 'an unknown address'}"
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return None
    return f"the dev console answers only this machine and INTERNAL_IPS, not {address}"


def local_debug_only(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.DEBUG:
            raise Http404
        reason = refusal(request)
        if reason:
            return HttpResponseForbidden(reason, content_type="text/plain; charset=utf-8")
        return view(request, *args, **kwargs)

    return wrapper


@local_debug_only
@require_GET
def console(request):
    try:  # the pay button, where wechat.pay's URLs are wired in (DEBUG only, like this page)
        pay_url = reverse("wechat_pay:dev_console")
    except NoReverseMatch:
        pay_url = ""
    context = {"events": EVENTS, "mode": app_settings.ENCRYPT_MODE, "since": repr(time.time()), "pay_url": pay_url}
    return render(request, "wechat/dev_console.html", context)


@local_debug_only
@require_POST
def send(request):
    try:
        data = json_object(request.body)  # BadJSON is a ValueError
        push = PushBuilder(
            app_settings.TOKEN,
            mode=app_settings.ENCRYPT_MODE,
            aes_key=app_settings.ENCODING_AES_KEY,
            app_id=app_settings.APP_ID,
            openid=DEV_CONSOLE_OPENID,  # never one from the request: the console cannot speak for a real user
        )
        fields = push_fields(push, data)
    except (ValueError, TypeError, AttributeError) as exc:
        return JsonResponse({"error": f"bad request: {exc}"}, status=400)
    query, body = push.sign(fields)
    response = Client(HTTP_HOST=request.get_host()).generic(
        "POST", f"{reverse('wechat:webhook')}?{query}", body, content_type="text/xml"
    )
    answer = {"status": response.status_code, "pushed": fields, "encrypted": push.mode != "plain"}
    if ERROR_HEADER in response.headers:  # the handler raised, or returned what cannot be a reply
        answer["handler_error"] = unquote(response.headers[ERROR_HEADER])
    if response.status_code == 200:
        answer["reply"] = push.read_reply(response.content)
    else:
        answer["error"] = response.content.decode(errors="replace")
    return JsonResponse(answer)


@local_debug_only
@require_GET
def late(request):
    """The customer-service messages the fake WeChat server received for the console's user after ``since``.

    ``{"messages": [...], "polling": bool, "note": "..."}``: ``polling`` is false when
    WECHAT_API_BASE_URL is not a server on this machine (WeChat's own, then: it is never called).
    """
    base = app_settings.API_BASE_URL
    if not on_this_machine(base):
        note = f"客服消息发往 {base}，不会显示在这里 / late replies go to {base}, not to this page"
        return JsonResponse({"messages": [], "polling": False, "note": note})
    try:
        since = float(request.GET.get("since") or 0)
    except ValueError:
        since = math.nan
    if not math.isfinite(since):
        return JsonResponse({"error": "since: expected a Unix time"}, status=400)
    session = requests.Session()
    session.trust_env = False  # this machine: never through HTTP_PROXY
    try:
        with session:
            response = session.get(
                base + "__fake__/custom_messages",
                params={"touser": DEV_CONSOLE_OPENID, "since": repr(since)},
                timeout=2,
            )
            response.raise_for_status()
            messages = response.json()
        if not isinstance(messages, list):
            raise ValueError("not a list")
    except (requests.RequestException, ValueError):
        note = f"{base} 不是运行中的假微信服务器 / {base} is not a running wechat_fake_server"
        return JsonResponse({"messages": [], "polling": True, "note": note})
    return JsonResponse({"messages": messages, "polling": True})


def on_this_machine(url):
    """True when ``url`` is on the loopback: a fake WeChat server, not WeChat."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def push_fields(push, data):
    kind = data.get("kind", "text")
    if kind == "text":
        content = str(data.get("content", ""))
        if not content:
            raise ValueError("empty message")
        return push.text_fields(content)
    if kind == "event":
        event = data.get("event")
        if event not in EVENTS:
            raise ValueError(f"unknown event {event!r}")
        return push.event_fields(event, data.get("key") or None)
    if kind == "image":
        return push.fields("image", PicUrl="https://example.com/dev-console.jpg", MediaId="dev-console-media")
    if kind == "location":
        return push.fields("location", Location_X=23.13, Location_Y=113.26, Scale=15, Label="广州 Guangzhou")
    raise ValueError(f"unknown kind {kind!r}")


urlpatterns = [
    path("dev/", console, name="dev_console"),
    path("dev/send/", send, name="dev_console_send"),
    path("dev/late/", late, name="dev_console_late"),
]
