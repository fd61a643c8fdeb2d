# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""wechatpy's OAuth client, on WECHAT_API_BASE_URL / WECHAT_OPEN_BASE_URL, with a timeout and logged calls."""

import requests
from wechatpy import WeChatOAuth
from wechatpy.exceptions import WeChatClientException

from ..apilog import logged_call
from ..client import rebase
from ..conf import app_settings
from ..exceptions import WeChatUnavailable


class OAuth(WeChatOAuth):
    """wechatpy's OAuth client, on WECHAT_API_BASE_URL / WECHAT_OPEN_BASE_URL, with a timeout."""

    def __init__(self, redirect_uri: str = "", scope: str = "snsapi_base", state: str = "") -> None:
        super().__init__(app_settings.APP_ID, app_settings.APP_SECRET, redirect_uri, scope, state)
        self.API_BASE_URL = app_settings.API_BASE_URL
        self.OAUTH_BASE_URL = app_settings.OPEN_BASE_URL + "connect/"

    def _request(self, method, url_or_endpoint, **kwargs):
        kwargs.setdefault("timeout", app_settings.API_TIMEOUT)
        url = rebase(url_or_endpoint)
        try:
            with logged_call(method, url if "://" in url else self.API_BASE_URL + url):
                return super()._request(method, url, **kwargs)
        except requests.RequestException as exc:
            raise WeChatUnavailable(f"WeChat OAuth unavailable: {exc.__class__.__name__}") from exc
        except WeChatClientException as exc:
            if exc.errcode is None:
                raise WeChatUnavailable("WeChat OAuth answered an HTTP error") from exc
            raise
