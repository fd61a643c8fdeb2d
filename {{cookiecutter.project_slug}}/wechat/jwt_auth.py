# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""JWT for the mini program: no cookies, no Django login, ``Authorization: Bearer <token>``.

Tokens are HS256 only (``none`` and every other algorithm are refused), signed
with ``JWT_SECRET_KEY`` (never the Django SECRET_KEY: while it is empty no token
is signed or accepted, the API answers 503 and ``manage.py check`` reports
wechat.E003), and carry ``iss``, ``aud`` (the mini program's AppID), ``sub``
(the WeChatUser id), ``iat``, ``exp``, ``jti`` and ``typ``: an access token is
never accepted as a refresh token, nor the other way round. A refresh token
works once (rotation). A token that is malformed, or whose claims are not of
the shape this module issues, is a 401 with the reason, never a 500.

    from wechat.jwt_auth import jwt_required

    @jwt_required
    def orders(request):
        request.wechat_user            # the WeChatUser
        request.wechat_session["cart"] = [...]   # a server-side dict, saved for you
        return JsonResponse(...)

With Django REST framework, use ``wechat.drf.JWTAuthentication``.
"""

import logging
import re
import time
import uuid
from typing import Any

import jwt
from asgiref.sync import iscoroutinefunction
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .conf import app_settings
from .decorators import View, guard_view
from .exceptions import shared_cache
from .middleware import save_wechat_session
from .store import UserStore

logger = logging.getLogger("wechat.miniprogram")

ALGORITHM = "HS256"
ACCESS = "access"
REFRESH = "refresh"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "typ", "jti"]
MAX_TOKEN_LENGTH = 2048
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
SUBJECT = re.compile(r"[1-9][0-9]{0,17}")  # a WeChatUser id (BigAutoField), kept below 2**63
TOKEN_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
LATEST_TIME = 2**40  # seconds since 1970: a timestamp beyond this is not one we issued


class InvalidToken(Exception):
    """The request's token is missing, malformed, expired or of the wrong kind."""


class SigningKeyMissing(ImproperlyConfigured):
    """JWT_SECRET_KEY is empty: no token is signed or accepted (views answer 503)."""


def signing_key() -> str:
    """The JWT key; SigningKeyMissing when it is empty (it never falls back to SECRET_KEY)."""
    key = app_settings.JWT_SECRET_KEY
    if not key:
        logger.error("JWT_SECRET_KEY is empty: mini program tokens can be neither issued nor checked")
        raise SigningKeyMissing("JWT_SECRET_KEY is not configured")
    return key


def unconfigured():
    """The 503 answer while JWT_SECRET_KEY is empty."""
    return JsonResponse({"error": "the server's JWT_SECRET_KEY is not configured, try again later"}, status=503)


def issue_tokens(user: Any) -> dict[str, Any]:
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
    return jwt.encode(claims, signing_key(), algorithm=ALGORITHM)


def decode(token: str, kind: str) -> dict[str, Any]:
    """The claims of a valid token of ``kind``; InvalidToken otherwise (SigningKeyMissing without a key)."""
    key = signing_key()
    if len(token) > MAX_TOKEN_LENGTH or not TOKEN_SHAPE.fullmatch(token):
        raise InvalidToken("malformed token")
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=app_settings.MINIPROGRAM_APP_ID,
            issuer=app_settings.JWT_ISSUER,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("token expired") from None
    except jwt.InvalidTokenError as exc:
        raise InvalidToken(f"invalid token: {exc}") from None
    except RecursionError:  # deeply nested JSON, on PyJWT versions that do not catch it
        raise InvalidToken("invalid token: nested too deep") from None
    check_claims(claims)
    if claims["typ"] != kind:
        raise InvalidToken(f"this is not an {kind} token" if kind == ACCESS else f"this is not a {kind} token")
    return claims


def check_claims(claims):
    """InvalidToken unless the claims have the types and ranges :func:`_encode` gives them.

    PyJWT checks the signature, ``exp``, ``aud`` and ``iss``; this keeps anything else a
    correctly signed token might carry (a ``sub`` that is no user id, an ``exp`` in the
    year 10**20, a nested ``jti``) away from the database and the cache.
    """
    for name in ("iat", "exp"):
        value = claims[name]
        if type(value) is not int or not 0 < value < LATEST_TIME:
            raise InvalidToken(f"invalid token: {name} is not a timestamp")
    if claims["iat"] > claims["exp"]:
        raise InvalidToken("invalid token: iat is after exp")
    if not isinstance(claims["sub"], str) or not SUBJECT.fullmatch(claims["sub"]):
        raise InvalidToken("invalid token: sub is not a user id")
    if not isinstance(claims["jti"], str) or not TOKEN_ID.fullmatch(claims["jti"]):
        raise InvalidToken("invalid token: malformed jti")
    if claims["typ"] not in (ACCESS, REFRESH):
        raise InvalidToken("invalid token: typ is neither access nor refresh")


def user_for(claims):
    from .models import WeChatUser

    user = WeChatUser.objects.filter(pk=claims["sub"], app_id=app_settings.MINIPROGRAM_APP_ID).first()
    if user is None:
        raise InvalidToken("unknown user")
    return user


def use_refresh_token(token: str) -> Any:
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


def authenticate(request: HttpRequest) -> Any:
    """The WeChatUser of the request's access token; InvalidToken otherwise."""
    return user_for(decode(bearer_token(request), ACCESS))


def session_for(user: Any) -> UserStore:
    """The user's server-side session dict (``request.wechat_session``)."""
    return UserStore(f"wechat:session:{user.app_id}:{user.openid}", app_settings.MINIPROGRAM_SESSION_AGE)


def unauthorized(reason: str) -> JsonResponse:
    response = JsonResponse({"error": "unauthorized", "message": reason}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="miniprogram"'
    return response


def jwt_required(view: View) -> View:
    """Run ``view`` with ``request.wechat_user`` and ``request.wechat_session``; 401 JSON without a valid token.

    Works on plain and ``async def`` views. The view is exempt from CSRF checks: the token travels
    in a header a foreign page cannot set. 503 JSON while JWT_SECRET_KEY is empty.
    """

    preload = iscoroutinefunction(view)

    def check(request):
        try:
            request.wechat_user = authenticate(request)
        except InvalidToken as exc:
            return unauthorized(str(exc))
        except SigningKeyMissing:
            return unconfigured()
        request.wechat_session = session_for(request.wechat_user)
        if preload:  # an async view reads it in the event loop, where the cache (maybe a table) cannot be read
            request.wechat_session.load()
        return None

    return csrf_exempt(guard_view(view, check, finish=save_wechat_session))
