# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Plain calls to WeChat's API: ``call_api`` (JSON in, JSON out) and ``call_with_token``.

Below ``wechat.tokens`` and ``wechat.client``, which both build on it.
"""

from collections.abc import Callable
from typing import Any, TypeVar

import requests
from wechatpy.exceptions import WeChatClientException

from .apilog import logged_call
from .conf import app_settings
from .exceptions import WeChatUnavailable

# WeChat's errcodes for a refused access_token: invalid, not the latest, expired.
TOKEN_REFUSED = {40001, 40014, 42001}

T = TypeVar("T")

_http = requests.Session()


def call_api(method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    """JSON from ``WECHAT_API_BASE_URL + path``; WeChatUnavailable or WeChatClientException on failure."""
    url = app_settings.API_BASE_URL + path
    with logged_call(method, url):
        try:
            response = _http.request(method, url, timeout=app_settings.API_TIMEOUT, **kwargs)
            response.raise_for_status()
            result = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise WeChatUnavailable(f"WeChat API {path} is unavailable: {exc.__class__.__name__}") from exc
        if result.get("errcode"):
            raise WeChatClientException(result["errcode"], result.get("errmsg", ""))
    return result


def call_with_token(credential: Any, call: Callable[[str], T], token: str | None = None) -> T:
    """``call(token)`` with the credential's value (or ``token``); when WeChat refuses that token
    (40001, 40014, 42001), the credential is refreshed once and ``call`` runs once more: never a
    loop, whatever WeChat keeps answering. Forced refreshes are rationed (``wechat.tokens``).
    """
    token = token if token is not None else credential.get()
    try:
        return call(token)
    except WeChatClientException as exc:
        if exc.errcode not in TOKEN_REFUSED:
            raise
        return call(credential.refresh(stale=token, rejected=True))
