# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Django REST framework authentication (only for projects that install DRF)::

    REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": ["wechat.drf.JWTAuthentication"]}

``request.user`` is then the WeChatUser (``request.wechat_user`` too). A bad
token is a 401 with the reason; an empty JWT_SECRET_KEY a 503.
"""

from rest_framework import authentication, exceptions, status

from .jwt_auth import InvalidToken, SigningKeyMissing, authenticate, session_for


class SigningKeyNotConfigured(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "the server's JWT_SECRET_KEY is not configured, try again later"
    default_code = "jwt_key_not_configured"


class JWTAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        if not request.headers.get("Authorization", "").lower().startswith("bearer "):
            return None  # let other authentication classes try
        try:
            user = authenticate(request)
        except InvalidToken as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from None
        except SigningKeyMissing:
            raise SigningKeyNotConfigured() from None
        request._request.wechat_user = user
        request._request.wechat_session = session_for(user)
        return user, None

    def authenticate_header(self, request):
        return 'Bearer realm="miniprogram"'
