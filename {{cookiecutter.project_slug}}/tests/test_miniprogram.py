"""The mini program's API over the fake WeChat server: login, JWT, refresh, decrypt, phone, dev login."""

import json
import subprocess
import sys
import time

import jwt
import pytest
from asgiref.sync import iscoroutinefunction
from django.http import JsonResponse
from django.test import RequestFactory, override_settings
from django.urls import include, path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from wechat.drf import JWTAuthentication
from wechat.jwt_auth import jwt_required, session_for
from wechat.models import WeChatUser

# WeChat's documented decryption example (also in wechatpy's tests).
DEMO_APP_ID = "wx4f4bc4dec97d474b"
DEMO_SESSION_KEY = "tiihtNczf5v6AKRyjwEUhQ=="
DEMO_IV = "r7BXXKkLb8qrSNn05n0qiA=="
DEMO_DATA = (
    "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz"
    "6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjp"
    "Xfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5"
    "Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv"
    "85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew=="
)


@pytest.fixture
def mp_app_id(settings, fake_wechat):
    return settings.MINIPROGRAM_APP_ID


def post(client, path, body=None, token=None, raw=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = raw if raw is not None else json.dumps(body or {})
    return client.post(f"/api/miniprogram/{path}", data, content_type="application/json", **headers)


def login(client, fake_wechat, mp_app_id, openid="o_mini_user", **code_options):
    code = fake_wechat.login_code(openid, app_id=mp_app_id, **code_options)
    response = post(client, "login/", {"code": code})
    assert response.status_code == 200, response.content
    return response.json()


def test_login_returns_bearer_tokens_and_saves_the_user(client, fake_wechat, mp_app_id):
    tokens = login(client, fake_wechat, mp_app_id, unionid="u_mini")
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 7200
    user = WeChatUser.objects.get(app_id=mp_app_id, openid="o_mini_user")
    assert user.unionid == "u_mini"
    assert fake_wechat.calls["sns/jscode2session"] == 1
    # jscode2session needs no access_token: none is fetched.
    assert fake_wechat.calls["cgi-bin/stable_token"] == 0


def test_session_key_never_leaves_the_server(client, fake_wechat, mp_app_id):
    secret = "c2VjcmV0LXNlc3Npb24ta2V5"
    tokens = login(client, fake_wechat, mp_app_id, session_key=secret)
    assert WeChatUser.objects.get(openid="o_mini_user").session_key == secret
    claims = [
        jwt.decode(tokens[kind], options={"verify_signature": False}) for kind in ("access_token", "refresh_token")
    ]
    renewed = post(client, "refresh/", {"refresh_token": tokens["refresh_token"]})
    for shown in (
        json.dumps(tokens),
        json.dumps(claims),
        renewed.content.decode(),
        me(client, tokens["access_token"]).content.decode(),
    ):
        assert secret not in shown


def test_each_login_replaces_the_session_key(client, fake_wechat, mp_app_id):
    first = login(client, fake_wechat, mp_app_id, session_key="Zmlyc3Qta2V5LWZpcnN0LWtleQ==")
    second = login(client, fake_wechat, mp_app_id, session_key="c2Vjb25kLWtleS1zZWNvbmQ=")
    assert WeChatUser.objects.filter(openid="o_mini_user").count() == 1
    assert WeChatUser.objects.get(openid="o_mini_user").session_key == "c2Vjb25kLWtleS1zZWNvbmQ="
    for tokens in (first, second):  # both logins' tokens name the same user
        me = client.get("/api/miniprogram/me/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
        assert me.json()["openid"] == "o_mini_user"


@pytest.mark.parametrize(
    "raw, reason",
    [("not json", "JSON"), ("[1]", "object"), ("{}", "code"), ('{"code": ""}', "code"), ('{"code": 5}', "code")],
)
def test_bad_login_bodies_get_400(client, fake_wechat, mp_app_id, raw, reason):
    response = post(client, "login/", raw=raw)
    assert response.status_code == 400
    assert reason in response.json()["error"]


def test_refused_code_gets_401_with_wechats_errcode(client, fake_wechat, mp_app_id):
    response = post(client, "login/", {"code": "made-up"})
    assert response.status_code == 401
    assert response.json()["errcode"] == 40029


def test_wrong_server_credentials_get_503_not_401(client, fake_wechat, mp_app_id, settings):
    # The client cannot fix this by logging in again.
    settings.MINIPROGRAM_APP_SECRET = "wrong"
    code = fake_wechat.login_code("o_x", app_id=mp_app_id)
    response = post(client, "login/", {"code": code})
    assert response.status_code == 503 and response.json()["errcode"] == 40125


def test_used_code_gets_401(client, fake_wechat, mp_app_id):
    code = fake_wechat.login_code("o_x", app_id=mp_app_id)
    assert post(client, "login/", {"code": code}).status_code == 200
    assert post(client, "login/", {"code": code}).json()["errcode"] == 40163


def test_wechat_down_gets_503(client, unreachable_wechat):
    response = post(client, "login/", {"code": "anything"})
    assert response.status_code == 503
    assert response.json()["error"]


def test_slow_wechat_gets_503_within_the_timeout(client, slow_wechat):
    started = time.monotonic()
    response = post(client, "login/", {"code": "anything"})
    assert response.status_code == 503 and "WeChat" in response.json()["error"]
    assert time.monotonic() - started < 1.5


def test_refresh_with_the_cache_down_gets_503(client, fake_wechat, mp_app_id, broken_cache):
    tokens = login(client, fake_wechat, mp_app_id)
    response = post(client, "refresh/", {"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 503 and "cache" in response.json()["error"]


def test_login_only_takes_post(client, fake_wechat, mp_app_id):
    assert client.get("/api/miniprogram/login/").status_code == 405


# -- Tokens ------------------------------------------------------------------------------


def me(client, token):
    return client.get("/api/miniprogram/me/", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_protected_view_needs_a_valid_access_token(client, fake_wechat, mp_app_id):
    tokens = login(client, fake_wechat, mp_app_id)
    assert me(client, tokens["access_token"]).json() == {"openid": "o_mini_user", "unionid": ""}
    missing = client.get("/api/miniprogram/me/")
    assert missing.status_code == 401 and missing["WWW-Authenticate"].startswith("Bearer")


def forge(claims, key, algorithm="HS256"):
    return jwt.encode(claims, key, algorithm=algorithm)


def test_tampered_expired_wrong_audience_and_unsigned_tokens_get_401(client, fake_wechat, mp_app_id, settings):
    tokens = login(client, fake_wechat, mp_app_id)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    header, payload, signature = tokens["access_token"].split(".")
    flipped = "A" if signature[0] != "A" else "B"
    now = int(time.time())
    bad_tokens = {
        "tampered": f"{header}.{payload}.{flipped}{signature[1:]}",
        "wrong key": forge(claims, "not-the-key-not-the-key-not-the-key!"),
        "expired": forge({**claims, "iat": now - 100, "exp": now - 10}, settings.JWT_SECRET_KEY),
        "wrong audience": forge({**claims, "aud": "wx_another_app"}, settings.JWT_SECRET_KEY),
        "wrong issuer": forge({**claims, "iss": "someone-else"}, settings.JWT_SECRET_KEY),
        "no exp": forge({k: v for k, v in claims.items() if k != "exp"}, settings.JWT_SECRET_KEY),
        "alg none": jwt.encode(claims, None, algorithm="none"),
        "HS512": forge(claims, settings.JWT_SECRET_KEY, "HS512"),
        "garbage": "not.a.token",
    }
    for name, token in bad_tokens.items():
        response = me(client, token)
        assert response.status_code == 401, name
        assert response.json()["error"] == "unauthorized", name


def test_refresh_gives_a_new_pair_once(client, fake_wechat, mp_app_id):
    tokens = login(client, fake_wechat, mp_app_id)
    renewed = post(client, "refresh/", {"refresh_token": tokens["refresh_token"]})
    assert renewed.status_code == 200
    assert me(client, renewed.json()["access_token"]).status_code == 200
    again = post(client, "refresh/", {"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401
    assert "already used" in again.json()["message"]


def test_access_and_refresh_tokens_cannot_stand_in_for_each_other(client, fake_wechat, mp_app_id):
    tokens = login(client, fake_wechat, mp_app_id)
    assert post(client, "refresh/", {"refresh_token": tokens["access_token"]}).status_code == 401
    assert me(client, tokens["refresh_token"]).status_code == 401


def test_tokens_are_signed_with_jwt_secret_key_never_the_django_secret_key(client, fake_wechat, mp_app_id, settings):
    settings.JWT_SECRET_KEY = "a-separate-jwt-signing-key-for-the-mini-program"
    tokens = login(client, fake_wechat, mp_app_id)
    assert me(client, tokens["access_token"]).status_code == 200
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert me(client, forge(claims, settings.SECRET_KEY)).status_code == 401
    settings.JWT_SECRET_KEY = ""  # no fallback: nothing is signed or accepted
    for response in (me(client, tokens["access_token"]), post(client, "login/", {"code": "anything"})):
        assert response.status_code == 503 and "JWT_SECRET_KEY" in response.json()["error"]
    assert fake_wechat.calls["sns/jscode2session"] == 1


def test_token_lifetimes_come_from_the_settings(client, fake_wechat, mp_app_id, settings):
    settings.JWT_ACCESS_TTL = 60
    settings.JWT_REFRESH_TTL = 600
    tokens = login(client, fake_wechat, mp_app_id)
    access = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    refresh = jwt.decode(tokens["refresh_token"], options={"verify_signature": False})
    assert (access["exp"] - access["iat"], refresh["exp"] - refresh["iat"], tokens["expires_in"]) == (60, 600, 60)


# -- Decrypt and phone ---------------------------------------------------------------------


def test_decrypts_wechats_official_example(client, fake_wechat, settings):
    settings.MINIPROGRAM_APP_ID = DEMO_APP_ID
    fake_wechat.apps[DEMO_APP_ID] = settings.MINIPROGRAM_APP_SECRET
    tokens = login(client, fake_wechat, DEMO_APP_ID, session_key=DEMO_SESSION_KEY)
    response = post(client, "decrypt/", {"encrypted_data": DEMO_DATA, "iv": DEMO_IV}, token=tokens["access_token"])
    assert response.status_code == 200
    assert response.json()["openId"] == "oGZUI0egBJY1zhBYw2KhdUfwVJJE"


def test_stale_session_key_asks_the_client_to_log_in_again(client, fake_wechat, settings):
    settings.MINIPROGRAM_APP_ID = DEMO_APP_ID
    fake_wechat.apps[DEMO_APP_ID] = settings.MINIPROGRAM_APP_SECRET
    tokens = login(client, fake_wechat, DEMO_APP_ID)  # a new session_key: the demo data is now stale
    response = post(client, "decrypt/", {"encrypted_data": DEMO_DATA, "iv": DEMO_IV}, token=tokens["access_token"])
    assert response.status_code == 400
    assert response.json()["relogin"] is True and "wx.login" in response.json()["error"]


def test_data_for_another_app_is_refused(client, fake_wechat, mp_app_id):
    tokens = login(client, fake_wechat, mp_app_id, session_key=DEMO_SESSION_KEY)
    response = post(client, "decrypt/", {"encrypted_data": DEMO_DATA, "iv": DEMO_IV}, token=tokens["access_token"])
    assert response.status_code == 400
    assert "another mini program" in response.json()["error"]


@pytest.mark.parametrize("body", [{}, {"encrypted_data": DEMO_DATA}, {"encrypted_data": "%%%", "iv": "%%%"}])
def test_bad_decrypt_requests_get_400(client, fake_wechat, mp_app_id, body):
    tokens = login(client, fake_wechat, mp_app_id)
    assert post(client, "decrypt/", body, token=tokens["access_token"]).status_code == 400


def test_decrypt_needs_a_token(client, fake_wechat, mp_app_id):
    assert post(client, "decrypt/", {"encrypted_data": DEMO_DATA, "iv": DEMO_IV}).status_code == 401


def test_phone_number_through_the_shared_mini_program_token(client, fake_wechat, mp_app_id):
    tokens = login(client, fake_wechat, mp_app_id)
    code = fake_wechat.phone_code("+8613800138000")
    response = post(client, "phone/", {"code": code}, token=tokens["access_token"])
    assert response.status_code == 200
    assert response.json() == {
        "phone_number": "+8613800138000",
        "pure_phone_number": "13800138000",
        "country_code": "86",
    }
    assert fake_wechat.calls["cgi-bin/stable_token"] == 1
    second = post(client, "phone/", {"code": fake_wechat.phone_code("+8613900139000")}, token=tokens["access_token"])
    assert second.status_code == 200
    assert fake_wechat.calls["cgi-bin/stable_token"] == 1  # the token is shared, not fetched again


def test_refused_phone_code_gets_401(client, fake_wechat, mp_app_id):
    tokens = login(client, fake_wechat, mp_app_id)
    response = post(client, "phone/", {"code": "made-up"}, token=tokens["access_token"])
    assert response.status_code == 401 and response.json()["errcode"] == 40029


# -- No bare-openid logins, except the documented dev login ------------------------------------


@pytest.mark.parametrize(("debug", "fake_login"), [(False, False), (True, False), (False, True)])
def test_dev_login_is_off_unless_debug_and_the_setting_are_both_on(client, fake_wechat, debug, fake_login):
    with override_settings(DEBUG=debug, MINIPROGRAM_FAKE_LOGIN=fake_login):
        assert post(client, "dev-login/", {"openid": "o_anyone"}).status_code == 404
    assert not WeChatUser.objects.filter(openid="o_anyone").exists()


def test_dev_login_works_when_both_are_on(client, fake_wechat):
    with override_settings(DEBUG=True, MINIPROGRAM_FAKE_LOGIN=True):
        tokens = post(client, "dev-login/", {"openid": "o_dev"}).json()
    assert me(client, tokens["access_token"]).json()["openid"] == "o_dev"


# -- request.wechat_session, the decorator on your own views, and DRF ----------------------------


@jwt_required
def cart_view(request):  # a POST view of your own: no CSRF token needed with a Bearer token
    cart = request.wechat_session.setdefault("cart", [])
    cart.append(request.GET["item"])
    return JsonResponse({"cart": cart})


def test_wechat_session_is_a_server_side_dict_per_user(client, fake_wechat, mp_app_id):
    alice = login(client, fake_wechat, mp_app_id, openid="o_alice")["access_token"]
    bob = login(client, fake_wechat, mp_app_id, openid="o_bob")["access_token"]
    factory = RequestFactory()

    def add(token, item):
        return json.loads(cart_view(factory.get("/", {"item": item}, HTTP_AUTHORIZATION=f"Bearer {token}")).content)

    assert add(alice, "tea") == {"cart": ["tea"]}
    assert add(alice, "cake") == {"cart": ["tea", "cake"]}
    assert add(bob, "coffee") == {"cart": ["coffee"]}


class WhoAmI(APIView):
    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"openid": request.user.openid})


def test_drf_authentication_class(client, fake_wechat, mp_app_id):
    token = login(client, fake_wechat, mp_app_id)["access_token"]
    view = WhoAmI.as_view()
    assert view(RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")).data == {"openid": "o_mini_user"}
    assert view(RequestFactory().get("/")).status_code == 401
    assert view(RequestFactory().get("/", HTTP_AUTHORIZATION="Bearer nope")).status_code == 401


@jwt_required
async def async_cart_view(request):
    cart = request.wechat_session.setdefault("cart", [])
    cart.append(request.GET["item"])
    return JsonResponse({"cart": cart, "openid": request.wechat_user.openid})


class DRFCart(APIView):
    """A DRF view writing to request.wechat_session: WeChatSessionMiddleware saves it."""

    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAuthenticated]

    def post(self, request):
        cart = request.wechat_session.setdefault("cart", [])
        cart.append(request.query_params["item"])
        if request.query_params.get("fail"):
            raise RuntimeError("the view failed after writing")
        return Response({"cart": cart})


urlpatterns = [
    path("api/miniprogram/", include("wechat.miniprogram.urls")),
    path("async-cart/", async_cart_view),
    path("drf-cart/", DRFCart.as_view()),
]


@pytest.mark.urls(__name__)
def test_jwt_required_works_on_async_views(client, fake_wechat, mp_app_id):
    assert iscoroutinefunction(async_cart_view)
    token = login(client, fake_wechat, mp_app_id, openid="o_async")["access_token"]
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    first = client.post("/async-cart/?item=tea", **bearer)  # a POST without a CSRF token: exempt
    assert first.status_code == 200 and first.json() == {"cart": ["tea"], "openid": "o_async"}
    assert client.post("/async-cart/?item=cake", **bearer).json()["cart"] == ["tea", "cake"]
    refused = client.post("/async-cart/?item=tea", HTTP_AUTHORIZATION="Bearer nope")
    assert refused.status_code == 401 and refused["WWW-Authenticate"] == 'Bearer realm="miniprogram"'


@pytest.mark.urls(__name__)
def test_a_drf_views_writes_to_the_wechat_session_are_kept(client, fake_wechat, mp_app_id):
    token = login(client, fake_wechat, mp_app_id, openid="o_drf")["access_token"]
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.post("/drf-cart/?item=tea", **bearer).json() == {"cart": ["tea"]}
    assert client.post("/drf-cart/?item=cake", **bearer).json() == {"cart": ["tea", "cake"]}  # the next request
    user = WeChatUser.objects.get(openid="o_drf")
    assert dict(session_for(user)) == {"cart": ["tea", "cake"]}  # in the shared store, for any process
    assert client.post("/drf-cart/?item=tea", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


@pytest.mark.urls(__name__)
def test_a_view_that_fails_leaves_the_wechat_session_as_it_was(client, fake_wechat, mp_app_id):
    token = login(client, fake_wechat, mp_app_id, openid="o_drf_fail")["access_token"]
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client.post("/drf-cart/?item=tea", **bearer)
    client.raise_request_exception = False
    assert client.post("/drf-cart/?item=cake&fail=1", **bearer).status_code == 500
    assert client.post("/drf-cart/?item=jam", **bearer).json() == {"cart": ["tea", "jam"]}


def test_drf_is_not_needed_by_the_rest_of_the_package():
    code = "import django, sys; django.setup(); import wechat.miniprogram; print('rest_framework' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
