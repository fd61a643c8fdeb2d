# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""JSSDK: ``wx.config`` for pages opened in WeChat's browser.

- ``GET /wechat/jssdk/config/?url=<page url>``: JSON ``{appId, timestamp, nonceStr, signature, jsApiList}``.
- ``/wechat/jssdk/config.js``: for static pages, after ``jweixin-1.6.0.js``; it signs ``location.href``.
- ``{% load wechat_jssdk %}{% wechat_jssdk_config %}``: for Django templates.

The ``#fragment`` is never signed (WeChat drops it), and only URLs on
``WECHAT_JSSDK_ALLOWED_HOSTS`` (default: ``ALLOWED_HOSTS``) are signed.
The jsapi_ticket is shared by every process (``wechat.tokens``).
"""

import json
import logging
import secrets
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.http import HttpResponse, JsonResponse
from django.http.request import validate_host
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from wechatpy.exceptions import WeChatClientException

from .client import get_client
from .conf import app_settings
from .exceptions import ServiceUnavailable, unavailable_message
from .tokens import jsapi_ticket

logger = logging.getLogger("wechat.views")


class UnsignableURL(ValueError):
    pass


def signature(ticket: str, nonce_str: str, timestamp: int, url: str) -> str:
    """WeChat's JSSDK signature, computed by wechatpy (building the client fetches nothing)."""
    return get_client().jsapi.get_jsapi_signature(nonce_str, ticket, timestamp, url)


def page_url(url: str | None) -> str:
    """The URL as WeChat signs it: absolute http(s), on an allowed host, without its fragment."""
    try:
        parts = urlsplit(url or "")
        hostname = parts.hostname
    except ValueError:  # e.g. a broken [IPv6] host
        raise UnsignableURL("url is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not hostname:
        raise UnsignableURL("url must be an absolute http(s) URL")
    if not validate_host(hostname, app_settings.JSSDK_ALLOWED_HOSTS):
        raise UnsignableURL(f"host {hostname} is not in WECHAT_JSSDK_ALLOWED_HOSTS")
    return urlunsplit(parts._replace(fragment=""))


def config_for(url: str | None) -> dict[str, Any]:
    """The ``wx.config`` arguments for a page; UnsignableURL, WeChatUnavailable or WeChatClientException."""
    url = page_url(url)
    nonce_str = secrets.token_urlsafe(12)
    timestamp = int(time.time())
    config = {
        "appId": app_settings.APP_ID,
        "timestamp": timestamp,
        "nonceStr": nonce_str,
        "signature": signature(jsapi_ticket.get(), nonce_str, timestamp, url),
    }
    if app_settings.JSSDK_API_LIST:
        config["jsApiList"] = list(app_settings.JSSDK_API_LIST)
    return config


@never_cache
@require_GET
def config_view(request):
    try:
        return JsonResponse(config_for(request.GET.get("url")))
    except UnsignableURL as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    except (ServiceUnavailable, WeChatClientException) as exc:
        logger.warning("JSSDK config not signed: %s", exc)
        return JsonResponse({"error": unavailable_message(exc)}, status=503)


CONFIG_SCRIPT = """(function () {
  var url = location.href.split("#")[0];
  var request = new XMLHttpRequest();
  request.open("GET", %s + "?url=" + encodeURIComponent(url));
  request.onload = function () {
    if (request.status === 200) {
      wx.config(JSON.parse(request.responseText));
    } else if (window.console) {
      console.error("wechat jssdk config: " + request.responseText);
    }
  };
  request.send();
})();
"""


@require_GET
def config_script(request):
    script = CONFIG_SCRIPT % json.dumps(reverse("wechat:jssdk_config"))
    return HttpResponse(script, content_type="application/javascript; charset=utf-8")


urlpatterns = [
    path("jssdk/config/", config_view, name="jssdk_config"),
    path("jssdk/config.js", config_script, name="jssdk_config_js"),
]
