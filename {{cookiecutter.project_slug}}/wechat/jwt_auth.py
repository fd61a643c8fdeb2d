"""JWT for the mini program: no cookies, no Django login, ``Authorization: Bearer <token>``.

Tokens are HS256 only (``none`` and every other algorithm are refused), signed
with ``JWT_SECRET_KEY`` (the Django SECRET_KEY when unset), and carry ``iss``,
``aud`` (the mini program's AppID), ``sub`` (the WeChatUser id), ``iat``,
``exp``, ``jti`` and ``typ``: an access token is never accepted as a refresh
token, nor the other way round. A refresh token works once (rotation).

    from wechat.jwt_auth import jwt_required

    @jwt_required
    def orders(request):
        request.wechat_user            # the WeChatUser
        request.wechat_session["cart"] = [...]   # a server-side dict, saved for you
        return JsonResponse(...)

With Django REST framework, use ``wechat.drf.JWTAuthentication``.
"""

import functools
import logging
import time
import uuid

import jwt
from django.core.cache import cache
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .conf import app_settings
from .exceptions import CacheUnavailable, shared_cache
from .store import UserStore

logger = logging.getLogger("wechat.miniprogram")

ALGORITHM = "HS256"
ACCESS = "access"
REFRESH = "refresh"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "typ", "jti"]


class InvalidToken(Exception):
    """The request's token is missing, malformed, expired or of the wrong kind."""


def issue_tokens(user):
    """The login answer: ``{"access_token", "refresh_token", "token_type", "expires_in"}``."""
    return {
        "access_token": _encode(user, ACCESS, app_settings.JWT_ACCESS_TTL),
        "refresh_token": _encode(user, REFRESH, app_settings.JWT_REFRESH_TTL),
        "token_type": "Bearer",
        "expires_in": app_settings.JWT_ACCESS_TTL,
    }


def _encode(user, kind, ttl):
    now = int(time.time())
    claims = {
        "iss": app_settings.JWT_ISSUER,
        "aud": user.app_id,
        "sub": str(user.pk),
        "iat": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
        "typ": kind,
    }
    return jwt.encode(claims, app_settings.JWT_SECRET_KEY, algorithm=ALGORITHM)


def decode(token, kind):
    """The claims of a valid token of ``kind``; InvalidToken otherwise."""
    try:
        claims = jwt.decode(
            token,
            app_settings.JWT_SECRET_KEY,
            algorithms=[ALGORITHM],
            audience=app_settings.MINIPROGRAM_APP_ID,
            issuer=app_settings.JWT_ISSUER,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("token expired") from None
    except jwt.InvalidTokenError as exc:
        raise InvalidToken(f"invalid token: {exc}") from None
    if claims["typ"] != kind:
        raise InvalidToken(f"this is not an {kind} token" if kind == ACCESS else f"this is not a {kind} token")
    return claims


def user_for(claims):
    from .models import WeChatUser

    user = WeChatUser.objects.filter(pk=claims["sub"], app_id=app_settings.MINIPROGRAM_APP_ID).first()
    if user is None:
        raise InvalidToken("unknown user")
    return user


def use_refresh_token(token):
    """The user of a refresh token, which then cannot be used again."""
    claims = decode(token, REFRESH)
    with shared_cache():
        first_use = cache.add(f"wechat:jwt:used:{claims['jti']}", 1, max(1, claims["exp"] - int(time.time())))
    if not first_use:
        raise InvalidToken("refresh token already used")
    return user_for(claims)


def bearer_token(request):
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("missing Authorization: Bearer <access_token>")
    return token.strip()


def authenticate(request):
    """The WeChatUser of the request's access token; InvalidToken otherwise."""
    return user_for(decode(bearer_token(request), ACCESS))


def session_for(user):
    """The user's server-side session dict (``request.wechat_session``)."""
    return UserStore(f"wechat:session:{user.app_id}:{user.openid}", app_settings.MINIPROGRAM_SESSION_AGE)


def unauthorized(reason):
    response = JsonResponse({"error": "unauthorized", "message": reason}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="miniprogram"'
    return response


def jwt_required(view):
    """Run ``view`` with ``request.wechat_user`` and ``request.wechat_session``; 401 JSON without a valid token.

    The view is exempt from CSRF checks: the token travels in a header a foreign page cannot set.
    """

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            request.wechat_user = authenticate(request)
        except InvalidToken as exc:
            return unauthorized(str(exc))
        request.wechat_session = session_for(request.wechat_user)
        response = view(request, *args, **kwargs)
        try:
            request.wechat_session.save()
        except CacheUnavailable:
            logger.error("Could not save the session of %s: the shared cache is unavailable", request.wechat_user)
        return response

    return wrapper
