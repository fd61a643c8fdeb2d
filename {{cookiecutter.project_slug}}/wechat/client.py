# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""``get_client()``: wechatpy's client, bound to WECHAT_API_BASE_URL and the shared token.

    from wechat.client import get_client

    get_client().user.get(openid)
    get_client().message.send_text(openid, "你好")

Every call has a timeout (``WECHAT_API_TIMEOUT``); WeChat being unreachable or
answering an HTTP error raises ``wechat.exceptions.WeChatUnavailable``. An
``errcode`` of 40001, 40014 or 42001 (the token was refused) refreshes the
shared token once and retries the call once; other errcodes raise wechatpy's
``WeChatClientException``. Those forced refreshes are rationed for every
process (``wechat.tokens``): a token refused again right after one raises
``WeChatUnavailable`` instead of forcing another.
"""

import threading

import requests
from wechatpy import WeChatClient as WechatpyClient
from wechatpy.client.api.base import BaseWeChatAPI
from wechatpy.exceptions import WeChatClientException

from .api import TOKEN_REFUSED, call_with_token
from .apilog import logged_call
from .conf import app_settings
from .exceptions import WeChatUnavailable
from .tokens import SharedCredential, access_token, miniprogram_access_token

OFFICIAL_API = "https://api.weixin.qq.com/"
__all__ = ["TOKEN_REFUSED", "WeChatClient", "get_client", "get_miniprogram_client", "rebase"]

_local = threading.local()


def rebase(url: str) -> str:
    """WeChat's official API URLs, moved onto WECHAT_API_BASE_URL."""
    if url.startswith(OFFICIAL_API):
        return app_settings.API_BASE_URL + url[len(OFFICIAL_API) :]
    return url


class WeChatClient(WechatpyClient):
    """wechatpy's client for one app, whose token is the shared ``credential``."""

    def __new__(cls, *args, **kwargs):
        # wechatpy's __new__ binds its API groups (menu, user, ...) with inspect.getmembers(),
        # which reads every property, access_token included: building a client would fetch a
        # token. Bind them from the class attributes instead.
        self = object.__new__(cls)
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, BaseWeChatAPI):
                    setattr(self, name, type(value)(self))
        return self

    def __init__(self, credential: SharedCredential) -> None:
        app_id, secret = credential.app()
        super().__init__(app_id, secret, timeout=app_settings.API_TIMEOUT, auto_retry=False)
        self.credential = credential
        self.API_BASE_URL = app_settings.API_BASE_URL + "cgi-bin/"

    @property
    def access_token(self) -> str:
        return self.credential.get()

    def fetch_access_token(self):
        return self.credential.refresh(stale=self.credential.get(), rejected=True)

    def _request(self, method, url_or_endpoint, **kwargs):
        url = rebase(url_or_endpoint)
        if "api_base_url" in kwargs:
            kwargs["api_base_url"] = rebase(kwargs["api_base_url"])
        params = kwargs.setdefault("params", {})
        if not isinstance(params, dict):
            return self._send(method, url, kwargs)

        def send(token):
            params["access_token"] = token
            return self._send(method, url, kwargs)

        return call_with_token(self.credential, send, params.get("access_token"))

    def _send(self, method, url, kwargs):
        try:
            base = kwargs.get("api_base_url", self.API_BASE_URL)
            with logged_call(method, url if "://" in url else base + url):
                return super()._request(method, url, **kwargs)
        except requests.RequestException as exc:
            raise WeChatUnavailable(f"WeChat API unavailable: {exc.__class__.__name__}") from exc
        except WeChatClientException as exc:
            if exc.errcode is None:  # an HTTP error status
                raise WeChatUnavailable("WeChat API answered an HTTP error") from exc
            raise


def get_client() -> WeChatClient:
    """The official account's client (this thread's; rebuilt when the settings change)."""
    return _client_for(access_token)


def get_miniprogram_client() -> WeChatClient:
    """The mini program's client, e.g. ``get_miniprogram_client().wxa.get_wxa_code(...)``."""
    return _client_for(miniprogram_access_token)


def _client_for(credential: SharedCredential) -> WeChatClient:
    settings_key = (*credential.app(), app_settings.API_BASE_URL, app_settings.API_TIMEOUT)
    clients = _local.__dict__.setdefault("clients", {})
    cached = clients.get(credential.app)
    if cached is None or cached[0] != settings_key:
        cached = clients[credential.app] = (settings_key, WeChatClient(credential))
    return cached[1]
