"""Web OAuth (网页授权) for pages opened in WeChat's browser.

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

import functools
import logging
import secrets

import requests
from django.http import HttpResponseForbidden, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from wechatpy import WeChatOAuth
from wechatpy.exceptions import WeChatClientException

from .apilog import logged_call
from .client import rebase
from .conf import app_settings
from .exceptions import ServiceUnavailable, WeChatUnavailable

logger = logging.getLogger("wechat.oauth")

SCOPES = ("snsapi_base", "snsapi_userinfo")
SESSION_USER = "wechat_user_id"
SESSION_SCOPE = "wechat_oauth_scope"
SESSION_STATES = "wechat_oauth_states"
MAX_PENDING_STATES = 5


class OAuth(WeChatOAuth):
    """wechatpy's OAuth client, on WECHAT_API_BASE_URL / WECHAT_OPEN_BASE_URL, with a timeout."""

    def __init__(self, redirect_uri="", scope="snsapi_base", state=""):
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


def current_user(request):
    """The WeChatUser the session was authorised as, or None."""
    from .models import WeChatUser  # here, not at the top: app.py imports this module before Django is set up

    user_id = request.session.get(SESSION_USER)
    if user_id is None:
        return None
    return WeChatUser.objects.filter(pk=user_id, app_id=app_settings.APP_ID).first()


def authorize_redirect(request, scope):
    """Send the visitor to WeChat's authorize page, to come back to this URL."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}")
    state = secrets.token_urlsafe(16)
    states = request.session.get(SESSION_STATES, {})
    states[state] = {"next": request.get_full_path(), "scope": scope}
    request.session[SESSION_STATES] = dict(list(states.items())[-MAX_PENDING_STATES:])
    callback = request.build_absolute_uri(reverse("wechat:oauth_callback"))
    return HttpResponseRedirect(OAuth(callback, scope, state).authorize_url)


def _authorised(request, scope):
    user = current_user(request)
    if user is None:
        return None
    if scope == "snsapi_userinfo" and request.session.get(SESSION_SCOPE) != "snsapi_userinfo":
        return None
    return user


def wechat_oauth(view=None, *, scope="snsapi_base"):
    """Decorator: the view runs with ``request.wechat_user`` set, after WeChat's OAuth if needed."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}")

    def decorator(view_func):
        @functools.wraps(view_func)
        def wrapper(request, *args, **kwargs):
            user = _authorised(request, scope)
            if user is None:
                return authorize_redirect(request, scope)
            request.wechat_user = user
            return view_func(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator


class WeChatOAuthMixin:
    """For class-based views: ``request.wechat_user`` is set before ``dispatch``."""

    oauth_scope = "snsapi_base"

    def dispatch(self, request, *args, **kwargs):
        user = _authorised(request, self.oauth_scope)
        if user is None:
            return authorize_redirect(request, self.oauth_scope)
        request.wechat_user = user
        return super().dispatch(request, *args, **kwargs)


def callback(request):
    """Where WeChat sends the visitor back, with ``code`` and ``state``."""
    states = request.session.get(SESSION_STATES, {})
    pending = states.pop(request.GET.get("state", ""), None)
    if pending is None:
        return HttpResponseForbidden("OAuth state mismatch: open the page again. 授权状态不匹配，请重新打开页面。")
    request.session[SESSION_STATES] = states
    code = request.GET.get("code")
    if not code:  # the user declined
        return render(request, "wechat/oauth_declined.html", {"retry": pending["next"]}, status=403)
    try:
        user = sign_in(request, code, pending["scope"])
    except ServiceUnavailable:
        return render(request, "wechat/oauth_unavailable.html", {"retry": pending["next"]}, status=503)
    except WeChatClientException as exc:
        logger.warning("OAuth code exchange refused: errcode %s", exc.errcode)
        return HttpResponseForbidden(
            "WeChat refused the authorisation code: open the page again. 授权失败，请重新打开页面。"
        )
    logger.info("OAuth signed in %s", user.openid)
    next_url = pending["next"]
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    return HttpResponseRedirect(next_url)


def sign_in(request, code, scope):
    """Exchange the code, save the WeChatUser, remember it in the session."""
    from .models import WeChatUser

    oauth = OAuth()
    token = oauth.fetch_access_token(code)
    defaults = {}
    if token.get("unionid"):
        defaults["unionid"] = token["unionid"]
    if scope == "snsapi_userinfo":
        info = oauth.get_user_info(token["openid"], token["access_token"])
        defaults.update(nickname=info.get("nickname", "")[:100], avatar=info.get("headimgurl", "")[:500])
        if info.get("unionid"):
            defaults["unionid"] = info["unionid"]
    user, _ = WeChatUser.objects.update_or_create(app_id=app_settings.APP_ID, openid=token["openid"], defaults=defaults)
    request.session.cycle_key()
    request.session[SESSION_USER] = user.pk
    request.session[SESSION_SCOPE] = scope
    return user


urlpatterns = [
    path("oauth/callback/", callback, name="oauth_callback"),
]
