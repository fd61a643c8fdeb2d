# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""``wechat_oauth`` and ``WeChatOAuthMixin``: views that run with ``request.wechat_user``, after WeChat's OAuth.

A visitor without a WeChat user in their session is sent to WeChat's authorize page
with a random ``state`` kept in the session (``views.callback`` checks it). The
decorator works on plain and ``async def`` views alike.
"""

import secrets
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from ..conf import app_settings
from ..decorators import guard_view
from .client import OAuth

SCOPES = ("snsapi_base", "snsapi_userinfo")
SESSION_USER = "wechat_user_id"
SESSION_SCOPE = "wechat_oauth_scope"
SESSION_STATES = "wechat_oauth_states"
MAX_PENDING_STATES = 5


def current_user(request: HttpRequest) -> Any:
    """The WeChatUser the session was authorised as, or None."""
    from ..models import WeChatUser  # here, not at the top: app.py imports this module before Django is set up

    user_id = request.session.get(SESSION_USER)
    if user_id is None:
        return None
    return WeChatUser.objects.filter(pk=user_id, app_id=app_settings.APP_ID).first()


def authorize_redirect(request: HttpRequest, scope: str) -> HttpResponseRedirect:
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


def wechat_oauth(view: Callable[..., Any] | None = None, *, scope: str = "snsapi_base") -> Any:
    """Decorator: the view runs with ``request.wechat_user`` set, after WeChat's OAuth if needed.

    ``@wechat_oauth`` or ``@wechat_oauth(scope="snsapi_userinfo")``, on a plain or an ``async def`` view.
    """
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}")

    def check(request):
        user = _authorised(request, scope)
        if user is None:
            return authorize_redirect(request, scope)
        request.wechat_user = user
        return None

    def decorator(view_func):
        return guard_view(view_func, check)

    return decorator(view) if view is not None else decorator


class WeChatOAuthMixin:
    """For class-based views, sync or async: ``request.wechat_user`` is set before ``dispatch``."""

    oauth_scope = "snsapi_base"

    def dispatch(self, request, *args, **kwargs):
        if getattr(self, "view_is_async", False):
            return self._async_dispatch(request, *args, **kwargs)
        refused = self._authorise(request)
        return refused or super().dispatch(request, *args, **kwargs)

    async def _async_dispatch(self, request, *args, **kwargs):
        refused = await sync_to_async(self._authorise)(request)
        return refused or await super().dispatch(request, *args, **kwargs)

    def _authorise(self, request):
        """None with ``request.wechat_user`` set, or the redirect to WeChat's authorize page."""
        user = _authorised(request, self.oauth_scope)
        if user is None:
            return authorize_redirect(request, self.oauth_scope)
        request.wechat_user = user
        return None
