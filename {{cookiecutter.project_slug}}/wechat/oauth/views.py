# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""The callback WeChat sends the visitor back to (``/wechat/oauth/callback/``), with ``code`` and ``state``.

It checks the state (403 if it does not match), exchanges the code, creates or
updates the ``WeChatUser`` and returns to the page the visitor came from — on this
site only.
"""

import logging

from django.http import HttpResponseForbidden, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from wechatpy.exceptions import WeChatClientException

from ..conf import app_settings
from ..exceptions import ServiceUnavailable
from .client import OAuth
from .decorators import SESSION_SCOPE, SESSION_STATES, SESSION_USER

logger = logging.getLogger("wechat.oauth")


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
    from ..models import WeChatUser

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
