"""Signatures, encryption modes, timestamps, replays and hostile bodies: 4xx with a reason, never 5xx."""

import time
from urllib.parse import parse_qsl, urlencode

import pytest
from django.core.cache import cache

from wechat.testing import PushBuilder, signature

from . import probes
from .conftest import AES_KEY, APP_ID, TOKEN


def test_wrong_signature_is_403(wechat):
    query, body = wechat.push.text("hi")
    forged = dict(parse_qsl(query), signature="0" * 40)
    response = wechat.post(urlencode(forged), body)
    assert response.status_code == 403
    assert b"signature" in response.content


def test_push_signed_with_another_token_is_403(wechat):
    other = PushBuilder("not-the-token")
    response = wechat.post(*other.text("hi"))
    assert response.status_code == 403


def test_safe_mode_refuses_plaintext_pushes(wechat_in):
    wechat = wechat_in("safe")
    plain = PushBuilder(TOKEN)
    response = wechat.post(*plain.text("downgrade me"))
    assert response.status_code == 403
    assert b"safe" in response.content


def test_compatible_mode_accepts_plaintext_pushes(wechat_in):
    wechat = wechat_in("compatible")
    plain = PushBuilder(TOKEN, openid="o_plain")
    response = wechat.post(*plain.text("plain is fine here"))
    assert response.status_code == 200
    assert "plain is fine here" in plain.read_reply(response.content)["Content"]


@pytest.mark.parametrize("mode", ["compatible", "safe"])
def test_wrong_msg_signature_is_403(wechat_in, mode):
    wechat = wechat_in(mode)
    query, body = wechat.push.text("hi")
    response = wechat.post(urlencode(dict(parse_qsl(query), msg_signature="f" * 40)), body)
    assert response.status_code == 403
    assert b"msg_signature" in response.content


def test_push_encrypted_with_another_key_is_400(wechat_in):
    wechat = wechat_in("safe")
    other = PushBuilder(TOKEN, mode="safe", aes_key="Z" * 43, app_id=APP_ID)
    response = wechat.post(*other.text("hi"))
    assert response.status_code == 400


def test_push_encrypted_for_another_appid_is_400(wechat_in):
    wechat = wechat_in("safe")
    other = PushBuilder(TOKEN, mode="safe", aes_key=AES_KEY, app_id="wx_other")
    response = wechat.post(*other.text("hi"))
    assert response.status_code == 400
    assert b"AppID" in response.content


def test_truncated_ciphertext_is_400(wechat_in):
    wechat = wechat_in("safe")
    query, _ = wechat.push.text("hi")
    encrypt = "abc$%^"
    params = dict(parse_qsl(query))
    params["msg_signature"] = signature(TOKEN, params["timestamp"], params["nonce"], encrypt)
    body = f"<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()
    response = wechat.post(urlencode(params), body)
    assert response.status_code == 400


def test_timestamp_outside_tolerance_is_403(wechat):
    response = wechat.deliver(wechat.push.text_fields("hi"), timestamp=int(time.time()) - 301)
    assert response.status_code == 403
    assert b"timestamp" in response.content


def test_timestamp_check_can_be_turned_off(wechat, wechat_settings):
    wechat_settings.WECHAT_TIMESTAMP_TOLERANCE = 0
    reply = wechat.send(wechat.push.text_fields("late"), timestamp=int(time.time()) - 3600)
    assert "late" in reply["Content"]


@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_replayed_push_is_403(wechat_in, mode):
    wechat = wechat_in(mode)
    query, body = wechat.push.text("once")
    assert wechat.post(query, body).status_code == 200
    replay = wechat.post(query, body)
    assert replay.status_code == 403
    assert b"replayed" in replay.content


def test_same_nonce_with_another_message_is_403(wechat):
    query, body = wechat.push.text("first")
    assert wechat.post(query, body).status_code == 200
    _, other_body = wechat.push.text("second")
    assert wechat.post(query, other_body).status_code == 403


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&lol2;</Content><MsgId>1</MsgId></xml>"""

XXE = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<xml><MsgType>text</MsgType><Content>&e;</Content></xml>"""


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"<xml><MsgType>text</MsgType>", id="truncated-xml"),
        pytest.param(b"not xml at all", id="not-xml"),
        pytest.param(b"<root><MsgType>text</MsgType></root>", id="wrong-root"),
        pytest.param(b"<xml><Content>no type</Content></xml>", id="no-msgtype"),
        pytest.param(b"<xml><MsgType>text</MsgType><CreateTime>soon</CreateTime></xml>", id="bad-createtime"),
        pytest.param(BILLION_LAUGHS, id="billion-laughs"),
        pytest.param(XXE, id="xxe"),
        pytest.param(b"   ", id="blank"),
        pytest.param(b"", id="empty"),
    ],
)
def test_malformed_bodies_are_400(wechat, body):
    query, _ = wechat.push.text("x")
    response = wechat.post(query, body)
    assert response.status_code == 400, response.content
    assert response.content


def test_oversize_body_is_400(wechat):
    query, _ = wechat.push.text("x")
    response = wechat.post(query, b"<xml>" + b"a" * 70_000 + b"</xml>")
    assert response.status_code == 400
    assert b"too large" in response.content


@pytest.mark.parametrize(
    "changes",
    [{"timestamp": "12ab"}, {"nonce": "<script>"}, {"signature": "xyz"}],
    ids=["timestamp", "nonce", "signature"],
)
def test_malformed_query_is_403(wechat, changes):
    query, body = wechat.push.text("x")
    params = dict(parse_qsl(query), **changes)
    assert wechat.post(urlencode(params), body).status_code == 403


def test_encrypted_push_without_aes_key_is_400(wechat_in, wechat_settings):
    wechat = wechat_in("safe")
    wechat_settings.WECHAT_ENCODING_AES_KEY = ""
    response = wechat.post(*wechat.push.text("hi"))
    assert response.status_code == 400
    assert b"WECHAT_ENCODING_AES_KEY" in response.content


def test_rejected_pushes_run_no_handler_and_store_nothing(wechat):
    runs_before = list(probes.runs)
    query, body = wechat.push.text("__probe: count runs__")
    forged = dict(parse_qsl(query), signature="0" * 40)
    assert wechat.post(urlencode(forged), body).status_code == 403
    params = dict(parse_qsl(query))
    assert cache.get(f"wechat:nonce:{params['timestamp']}:{params['nonce']}") is None
    assert probes.runs == runs_before
