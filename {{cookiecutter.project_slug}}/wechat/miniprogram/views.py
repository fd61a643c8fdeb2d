# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""The mini program's API views; ``urls.py`` puts them under ``/api/miniprogram/`` (see ``wechat.miniprogram``)."""

import functools
import logging

from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from wechatpy.crypto import WeChatWxaCrypto
from wechatpy.exceptions import InvalidAppIdException, WeChatClientException

from ..api import call_api
from ..client import get_miniprogram_client
from ..conf import app_settings
from ..exceptions import ServiceUnavailable, unavailable_message
from ..jsonbody import BadJSON, json_object, text_field
from ..jwt_auth import (
    InvalidToken,
    SigningKeyMissing,
    issue_tokens,
    jwt_required,
    signing_key,
    unauthorized,
    unconfigured,
    use_refresh_token,
)

logger = logging.getLogger("wechat.miniprogram")


# WeChat's answers that blame this server, not the client: wrong MINIPROGRAM_APP_ID or _SECRET.
MISCONFIGURED = {40013, 40125, 41002, 41004}


def error(status, message, **extra):
    return JsonResponse({"error": message, **extra}, status=status)


def api_view(view):
    """POST JSON views: csrf-exempt (no cookies here), bad input and WeChat outages as JSON errors.

    Every one of them issues or checks tokens: while JWT_SECRET_KEY is empty they answer 503
    before reading the body or calling WeChat.
    """

    @csrf_exempt
    @require_POST
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            signing_key()
            return view(request, *args, **kwargs)
        except SigningKeyMissing:
            return unconfigured()
        except BadJSON as exc:
            return error(400, str(exc))
        except ServiceUnavailable as exc:
            return error(503, unavailable_message(exc))
        except WeChatClientException as exc:
            if exc.errcode in MISCONFIGURED:
                logger.error("WeChat refused this server's mini program credentials: errcode %s", exc.errcode)
                return error(503, "the server's mini program settings are wrong", errcode=exc.errcode)
            logger.info("WeChat refused %s: errcode %s", request.path, exc.errcode)
            return error(401, "WeChat refused the code", errcode=exc.errcode, errmsg=exc.errmsg)

    return wrapper


def save_login(openid, unionid, session_key):
    from ..models import WeChatUser

    defaults = {"session_key": session_key}
    if unionid:
        defaults["unionid"] = unionid
    user, _ = WeChatUser.objects.update_or_create(
        app_id=app_settings.MINIPROGRAM_APP_ID, openid=openid, defaults=defaults
    )
    return user


@api_view
def login(request):
    code = text_field(json_object(request.body), "code")
    # Straight to jscode2session: it needs the app secret, not an access_token.
    session = call_api(
        "GET",
        "sns/jscode2session",
        params={
            "appid": app_settings.MINIPROGRAM_APP_ID,
            "secret": app_settings.MINIPROGRAM_APP_SECRET,
            "js_code": code,
            "grant_type": "authorization_code",
        },
    )
    user = save_login(session["openid"], session.get("unionid", ""), session["session_key"])
    return JsonResponse(issue_tokens(user))


@api_view
def refresh(request):
    token = text_field(json_object(request.body), "refresh_token")
    try:
        user = use_refresh_token(token)
    except InvalidToken as exc:
        return unauthorized(str(exc))
    return JsonResponse(issue_tokens(user))


@require_GET
@jwt_required
def me(request):
    return JsonResponse({"openid": request.wechat_user.openid, "unionid": request.wechat_user.unionid})


@api_view
@jwt_required
def decrypt(request):
    body = json_object(request.body)
    encrypted_data, iv = text_field(body, "encrypted_data"), text_field(body, "iv")
    user = request.wechat_user
    try:
        crypto = WeChatWxaCrypto(user.session_key, iv, app_settings.MINIPROGRAM_APP_ID)
        data = crypto.decrypt_message(encrypted_data)
    except InvalidAppIdException:
        return error(400, "the data was encrypted for another mini program")
    except Exception:
        # Wrong iv, damaged data, or data sealed with an older session_key.
        return error(400, "cannot decrypt: call wx.login() and log in again, then retry", relogin=True)
    data.pop("watermark", None)
    return JsonResponse(data)


@api_view
@jwt_required
def phone(request):
    code = text_field(json_object(request.body), "code")
    # This one takes the mini program's access_token (shared, refreshed once on 40001).
    answer = get_miniprogram_client().post(
        "wxa/business/getuserphonenumber", data={"code": code}, api_base_url=app_settings.API_BASE_URL
    )
    info = answer["phone_info"]
    return JsonResponse(
        {
            "phone_number": info["phoneNumber"],
            "pure_phone_number": info["purePhoneNumber"],
            "country_code": info["countryCode"],
        }
    )


@csrf_exempt
def dev_login(request):
    """Local development only: tokens for any openid, without WeChat. 404 unless enabled."""
    if not app_settings.MINIPROGRAM_FAKE_LOGIN:
        raise Http404
    return _dev_login(request)


@api_view
def _dev_login(request):
    openid = text_field(json_object(request.body), "openid", max_length=64)  # WeChatUser.openid
    logger.warning("Fake mini program login for %s (DEBUG and MINIPROGRAM_FAKE_LOGIN are on)", openid)
    return JsonResponse(issue_tokens(save_login(openid, "", "")))
