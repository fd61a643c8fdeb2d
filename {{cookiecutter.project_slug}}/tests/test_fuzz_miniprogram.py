"""Hostile JSON and tokens for the mini program API: never a 5xx, always JSON with a reason, no user made from junk.

Bodies: any bytes, any JSON, and JSON built to break parsers (nesting thousands deep, numbers of
thousands of digits, NaN, keys given twice, lone surrogates, fields of the wrong type). Tokens:
correctly signed with JWT_SECRET_KEY but with malformed claims or headers, so that what is tested
is the reading of the claims, not the signature check.
"""

import base64
import hashlib
import hmac
import json
import time

import pytest
from django.test import RequestFactory, override_settings
from hypothesis import example, given
from hypothesis import strategies as st
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from wechat.drf import JWTAuthentication
from wechat.jsonbody import MAX_DEPTH
from wechat.jwt_auth import LATEST_TIME
from wechat.models import WeChatUser

from .conftest import FUZZ_CASES

ENDPOINTS = ["login/", "refresh/", "decrypt/", "phone/", "dev-login/"]
FIELDS = {"login/": "code", "refresh/": "refresh_token", "decrypt/": "encrypted_data", "phone/": "code"}
FIELDS["dev-login/"] = "openid"

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=200),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=5),
    max_leaves=20,
)


def deep(depth, leaf="1", kind="["):
    """JSON text nested ``depth`` levels deep: ``[[[1]]]`` or ``{"a":{"a":1}}``."""
    if kind == "[":
        return "[" * depth + leaf + "]" * depth
    return '{"a":' * depth + leaf + "}" * depth


DEPTHS = st.one_of(st.integers(1, MAX_DEPTH + 5), st.sampled_from([999, 1000, 6000, 20_000]))
DEEP = st.builds(deep, DEPTHS, st.sampled_from(["1", '"x"', "[]", "{}"]), st.sampled_from(["[", "{"]))
# JSON number text that Python's json module takes but no field should: huge, non-finite, odd.
RAW_NUMBERS = st.one_of(
    st.integers(1, 10_000).map(lambda digits: "9" * digits),
    st.integers(1, 10_000).map(lambda digits: "-" + "1" * digits),
    st.sampled_from(["1e400", "-1e400", "1." + "0" * 5000, "NaN", "Infinity", "-Infinity", "1e-400", "0.1e999999"]),
)
# JSON string text with what no database or URL takes: lone surrogates, NUL and other controls.
RAW_STRINGS = st.sampled_from(['"\\ud800"', '"a\\udfffb"', '"\\u0000"', '"nul\\u0000byte"', '"\\u001b[31m"', '"\\n"'])
RAW_VALUES = st.one_of(DEEP, RAW_NUMBERS, RAW_STRINGS, JSON_VALUES.map(json.dumps))


def raw_object(members):
    """A JSON object's text from ``(key, value text)`` pairs, keys possibly repeated."""
    return "{" + ",".join(f"{json.dumps(key)}:{value}" for key, value in members) + "}"


FIELD_NAMES = st.sampled_from(["code", "refresh_token", "encrypted_data", "iv", "openid", "other"])
HOSTILE_JSON = st.one_of(
    DEEP,
    st.lists(st.tuples(FIELD_NAMES, RAW_VALUES), max_size=4).map(raw_object),
    st.tuples(FIELD_NAMES, RAW_VALUES, RAW_VALUES).map(lambda t: raw_object([(t[0], t[1]), (t[0], t[2])])),
).map(lambda text: text.encode("utf-8", "surrogatepass"))
BODIES = st.one_of(
    st.binary(max_size=500),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    st.fixed_dictionaries(
        {},
        optional={
            "code": JSON_VALUES,
            "refresh_token": JSON_VALUES,
            "encrypted_data": JSON_VALUES,
            "iv": JSON_VALUES,
            "openid": JSON_VALUES,
        },
    ).map(lambda value: json.dumps(value).encode()),
    HOSTILE_JSON,
)


@pytest.fixture
def tokens(client, fake_wechat, settings):
    code = fake_wechat.login_code("o_fuzz_user", app_id=settings.MINIPROGRAM_APP_ID)
    response = client.post("/api/miniprogram/login/", {"code": code}, content_type="application/json")
    return response.json()


@pytest.fixture
def access_token(tokens):
    return tokens["access_token"]


@pytest.fixture
def fake_login(settings):
    settings.DEBUG = True
    settings.MINIPROGRAM_FAKE_LOGIN = True


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@given(body=BODIES, authorization=st.sampled_from(["token", "none", "garbage"]))
@example(body=b'{"code": ' + b"[" * 6000 + b"]" * 6000 + b"}", authorization="token")
@example(body=b'{"refresh_token": ' + b"9" * 5000 + b"}", authorization="none")
def test_any_body_to_any_endpoint(client, access_token, endpoint, body, authorization):
    headers = {"token": {"HTTP_AUTHORIZATION": f"Bearer {access_token}"}, "none": {}}.get(
        authorization, {"HTTP_AUTHORIZATION": "Bearer x.y.z"}
    )
    users_before = WeChatUser.objects.count()
    response = client.post(f"/api/miniprogram/{endpoint}", body, content_type="application/json", **headers)
    FUZZ_CASES.append(1)
    assert response.status_code < 500, response.content
    if response.status_code != 404:
        assert response.status_code in (200, 400, 401, 405) and response.json()
    if response.status_code == 400:
        assert response.json()["error"]
    if response.status_code != 200:
        assert WeChatUser.objects.count() == users_before


# Bodies that must be refused with 400, and a word the reason must contain. "{field}" is the endpoint's field.
BAD_BODIES = {
    "6000-deep array": ('{"{field}": ' + deep(6000) + "}", "nested"),
    "6000-deep object": ('{"{field}": ' + deep(6000, kind="{") + "}", "nested"),
    "deep top level": (deep(6000), "nested"),
    "one level too deep": ('{"{field}": "x", "extra": ' + deep(MAX_DEPTH) + "}", "nested"),
    "5000-digit number": ('{"{field}": ' + "9" * 5000 + "}", "digits"),
    "5000-digit number in another field": ('{"{field}": "x", "n": -' + "9" * 5000 + "}", "digits"),
    "1e400": ('{"{field}": "x", "n": 1e400}', "numbers"),
    "NaN": ('{"{field}": NaN}', "NaN"),
    "key given twice": ('{"{field}": "x", "{field}": "y"}', "twice"),
    "field is an object": ('{"{field}": {"a": 1}}', "string"),
    "field is an array": ('{"{field}": ["x"]}', "string"),
    "field is a number": ('{"{field}": 12345}', "string"),
    "field is true": ('{"{field}": true}', "string"),
    "field is blank": ('{"{field}": "   "}', "{field}"),
    "field too long": ('{"{field}": "' + "x" * 5000 + '"}', "too long"),
    "lone surrogate": ('{"{field}": "\\ud800"}', "surrogate"),
    "NUL character": ('{"{field}": "a\\u0000b"}', "control"),
    "not UTF-8": ('{"{field}": "\xff"}', "UTF-8"),
    "top level array": ('["{field}"]', "object"),
    "empty body": ("", "JSON"),
}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("case", BAD_BODIES)
def test_hostile_json_gets_400_with_a_reason(client, access_token, fake_login, endpoint, case):
    text, reason = (part.replace("{field}", FIELDS[endpoint]) for part in BAD_BODIES[case])
    body = text.encode("latin-1") if case == "not UTF-8" else text.encode()
    users_before = WeChatUser.objects.count()
    response = client.post(
        f"/api/miniprogram/{endpoint}",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {access_token}",
    )
    FUZZ_CASES.append(1)
    assert response.status_code == 400, response.content[:300]
    assert reason in response.json()["error"]
    assert WeChatUser.objects.count() == users_before


def test_nesting_up_to_the_limit_is_read(client, fake_wechat):
    body = '{"code": "made-up", "extra": ' + deep(MAX_DEPTH - 1) + "}"
    response = client.post("/api/miniprogram/login/", body, content_type="application/json")
    assert response.status_code == 401 and response.json()["errcode"] == 40029  # WeChat refused the made-up code


# -- Correctly signed tokens with malformed claims ---------------------------------------------------------


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(payload, key, header='{"alg":"HS256","typ":"JWT"}'):
    """An HS256 token over any payload and header text, signed with ``key``."""
    signing_input = b64(header.encode("utf-8", "surrogatepass")) + "." + b64(payload.encode("utf-8", "surrogatepass"))
    signature = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(signature)


def claims_of(token):
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


NOW = int(time.time())
NOT_STRINGS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.lists(JSON_VALUES, max_size=3),
    st.dictionaries(st.text(max_size=5), JSON_VALUES, max_size=3),
).map(json.dumps)
OTHER_TEXT = (
    st.text(max_size=20).filter(lambda text: text not in ("access", "refresh", "wechat-django")).map(json.dumps)
)
NOT_INTEGERS = st.one_of(NOT_STRINGS.filter(lambda text: not text.lstrip("-").isdigit()), st.text().map(json.dumps))
# For each claim, values that must not pass: wrong types, raw text built to break parsers, and values of the
# right type that are still wrong.
BAD_CLAIMS = {
    "sub": st.one_of(NOT_STRINGS, st.sampled_from(['"0"', '"-1"', '"1.0"', '"999999999"', '"' + "9" * 5000 + '"'])),
    "exp": st.one_of(NOT_INTEGERS, st.integers(-(2**70), NOW - 10).map(str), st.integers(2**40, 2**70).map(str)),
    "iat": st.one_of(NOT_INTEGERS, st.integers(NOW + 3600, 2**70).map(str), st.integers(-(2**70), 0).map(str)),
    "jti": st.one_of(NOT_STRINGS, st.sampled_from(['""', '"a b"', '"é"', '"' + "a" * 65 + '"', '"\\u0000"'])),
    "typ": st.one_of(NOT_STRINGS, OTHER_TEXT),
    "aud": st.one_of(NOT_STRINGS.filter(lambda text: text != "[]"), OTHER_TEXT),
    "iss": st.one_of(NOT_STRINGS, OTHER_TEXT),
}
# Raw numbers that are still timestamps a token may carry (9, 99, ... 999999999999: 1970 to year 33658) are
# valid iat and exp values, not bad ones: only the 9s past LATEST_TIME (13 digits and more) must be refused.
NOT_TIMESTAMPS = RAW_NUMBERS.filter(lambda text: not text.isdigit() or len(text) > len(str(LATEST_TIME)) - 1)
CLAIM_MUTATIONS = st.one_of(
    st.sampled_from(sorted(BAD_CLAIMS)).flatmap(
        lambda name: st.tuples(
            st.just(name),
            st.one_of(BAD_CLAIMS[name], DEEP, NOT_TIMESTAMPS if name in ("iat", "exp") else RAW_NUMBERS, RAW_STRINGS),
        )
    ),
    st.sampled_from(sorted(BAD_CLAIMS)).map(lambda name: (name, None)),  # the claim is missing
)


class WhoAmI(APIView):
    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"openid": request.user.openid})


def present(client, kind, token):
    """The token where ``kind`` belongs: each answer, the API's and the DRF view's for access tokens."""
    if kind == "refresh":
        return [client.post("/api/miniprogram/refresh/", {"refresh_token": token}, content_type="application/json")]
    drf = WhoAmI.as_view()(RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}"))
    return [client.get("/api/miniprogram/me/", HTTP_AUTHORIZATION=f"Bearer {token}"), drf.render()]


def check_refused(responses):
    """401 with the reason (400 for a refresh_token too long to be one: a bad body, not a bad token)."""
    for response in responses:
        FUZZ_CASES.append(1)
        body = json.loads(response.content)
        if response.status_code == 400:
            assert "too long" in body["error"] or "too large" in body["error"]
            continue
        assert response.status_code == 401, response.content[:300]
        assert body.get("message") or body.get("detail")


@given(kind=st.sampled_from(["access", "refresh"]), mutation=CLAIM_MUTATIONS)
@example(kind="access", mutation=("exp", "9" * 5000))
@example(kind="access", mutation=("exp", "1e400"))
@example(kind="refresh", mutation=("exp", str(2**62)))
@example(kind="access", mutation=("sub", '"abc"'))
@example(kind="access", mutation=("sub", '"' + "9" * 40 + '"'))
@example(kind="refresh", mutation=("sub", deep(500)))
@example(kind="refresh", mutation=("jti", '{"a": [1]}'))
@example(kind="access", mutation=("iat", "true"))
@example(kind="access", mutation=("typ", None))
def test_signed_tokens_with_malformed_claims_get_401(client, tokens, settings, kind, mutation):
    name, bad_value = mutation
    members = [(claim, json.dumps(value)) for claim, value in claims_of(tokens[f"{kind}_token"]).items()]
    if bad_value is None:
        members = [(claim, text) for claim, text in members if claim != name]
    else:
        members = [(claim, bad_value if claim == name else text) for claim, text in members]
    check_refused(present(client, kind, sign(raw_object(members), settings.JWT_SECRET_KEY)))


HEADERS = st.one_of(
    st.tuples(st.sampled_from(["alg", "typ", "kid", "crit", "b64", "other"]), RAW_VALUES).map(
        lambda t: raw_object([("alg", '"HS256"'), t])
    ),
    RAW_VALUES.map(lambda value: raw_object([("alg", value)])),
    DEEP,
    RAW_NUMBERS,
)


@given(header=HEADERS)
@example(header='{"alg":"none"}')
@example(header='{"alg":"HS256","kid":' + deep(600) + "}")
@example(header='{"alg":"HS256","kid":' + deep(6000) + "}")
@example(header='{"alg":"HS256","x":' + "9" * 5000 + "}")
def test_signed_tokens_with_any_header_get_200_or_401(client, tokens, settings, header):
    token = sign(json.dumps(claims_of(tokens["access_token"])), settings.JWT_SECRET_KEY, header)
    for response in present(client, "access", token):
        FUZZ_CASES.append(1)
        assert response.status_code in (200, 401), response.content[:300]
        if declared_algorithm(header) != "HS256":
            assert response.status_code == 401


def declared_algorithm(header):
    try:
        return json.loads(header).get("alg")
    except (ValueError, RecursionError, AttributeError):
        return None


@given(token=st.one_of(st.text(max_size=3000), st.lists(st.text("AZaz09-_", max_size=2000), max_size=5).map(".".join)))
@example(token="a." * 5000)
@example(token=b64(deep(3000).encode()) + ".e30.")
def test_any_bearer_token_gets_401(client, tokens, token):
    check_refused(present(client, "access", token.strip() or "x"))


# -- No JWT_SECRET_KEY: nothing is signed or accepted, with a reason -----------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_without_a_jwt_key_every_endpoint_answers_503(client, tokens, fake_login, settings, endpoint):
    settings.JWT_SECRET_KEY = ""
    body = json.dumps({FIELDS[endpoint]: tokens["refresh_token"], "iv": "x"})
    headers = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}"}
    responses = [client.post(f"/api/miniprogram/{endpoint}", body, content_type="application/json", **headers)]
    responses += present(client, "access", tokens["access_token"])
    for response in responses:
        assert response.status_code == 503
        assert "JWT_SECRET_KEY" in json.dumps(json.loads(response.content))


def test_without_a_jwt_key_the_system_check_fails(settings):
    from django.core import checks

    settings.JWT_SECRET_KEY = ""
    assert "wechat.E003" in [error.id for error in checks.run_checks(tags=["wechat"])]
    with override_settings(JWT_SECRET_KEY="a-key-of-its-own"):
        assert "wechat.E003" not in [error.id for error in checks.run_checks(tags=["wechat"])]
