"""Django REST framework authentication (only for projects that install DRF)::

    REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": ["wechat.drf.JWTAuthentication"]}

``request.user`` is then the WeChatUser (``request.wechat_user`` too).
"""

from rest_framework import authentication, exceptions

from .jwt_auth import InvalidToken, authenticate, session_for


class JWTAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        if not request.headers.get("Authorization", "").lower().startswith("bearer "):
            return None  # let other authentication classes try
        try:
            user = authenticate(request)
        except InvalidToken as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from None
        request._request.wechat_user = user
        request._request.wechat_session = session_for(user)
        return user, None

    def authenticate_header(self, request):
        return 'Bearer realm="miniprogram"'
