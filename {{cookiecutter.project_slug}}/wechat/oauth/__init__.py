# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Web OAuth (网页授权) for pages opened in WeChat's browser.

- ``client.py``: wechatpy's OAuth client on this project's settings;
- ``decorators.py``: ``wechat_oauth`` and ``WeChatOAuthMixin``, which send a visitor to WeChat;
- ``views.py``: the callback WeChat sends the visitor back to; ``urls.py``: its URL.

    from wechat.oauth import wechat_oauth, WeChatOAuthMixin

    @wechat_oauth                              # snsapi_base: openid only, no prompt
    def my_page(request):
        return HttpResponse(request.wechat_user.openid)

    @wechat_oauth(scope="snsapi_userinfo")     # asks the user; nickname and avatar
    def profile(request): ...

    class Profile(WeChatOAuthMixin, TemplateView):
        oauth_scope = "snsapi_userinfo"

A visitor without a WeChat user in their session is sent to WeChat's authorize
page with a random ``state`` kept in the session; the callback
(``/wechat/oauth/callback/``) checks that state (403 if it does not match),
exchanges the code, creates or updates the ``WeChatUser`` and returns to the
page the visitor came from — on this site only.

Behind a reverse proxy, the callback URL is built from the request: set
``SECURE_PROXY_SSL_HEADER`` (production settings do) and forward ``Host`` and
``X-Forwarded-Proto``, or the redirect_uri will not match the domain set in
WeChat's admin (网页授权域名).
"""

from .decorators import SESSION_SCOPE, SESSION_STATES, SESSION_USER, WeChatOAuthMixin, current_user, wechat_oauth

__all__ = ["SESSION_SCOPE", "SESSION_STATES", "SESSION_USER", "WeChatOAuthMixin", "current_user", "wechat_oauth"]


def __getattr__(name):
    """``include("wechat.oauth")``, as projects generated before the split wrote it, still works."""
    if name in ("app_name", "urlpatterns"):
        from . import urls

        return getattr(urls, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
