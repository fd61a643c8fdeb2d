"""Hostile JSON for the mini program API: never a 5xx, always JSON with a reason, no user made from junk."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wechat.models import WeChatUser

from .conftest import FUZZ_CASES

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=200),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=5),
    max_leaves=20,
)
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
)


@pytest.fixture
def access_token(client, fake_wechat, settings):
    code = fake_wechat.login_code("o_fuzz_user", app_id=settings.MINIPROGRAM_APP_ID)
    return client.post("/api/miniprogram/login/", {"code": code}, content_type="application/json").json()[
        "access_token"
    ]


@pytest.mark.parametrize("endpoint", ["login/", "refresh/", "decrypt/", "phone/", "dev-login/"])
@given(body=BODIES, authorization=st.sampled_from(["token", "none", "garbage"]))
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
    if response.status_code != 200:
        assert WeChatUser.objects.count() == users_before
