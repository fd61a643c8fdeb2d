"""Hostile input from hypothesis: never a 5xx; a 4xx with a reason or a correct reply; nothing kept for rejects."""

import base64
import time
from urllib.parse import urlencode

import xmltodict
from django.core.cache import cache
from hypothesis import given
from hypothesis import strategies as st

from wechat.ledger import nonce_key
from wechat.testing import PushBuilder, signature, to_xml

from .conftest import AES_KEY, APP_ID, FUZZ_CASES, TOKEN

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300)
XML_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=300)
MESSAGE_TYPES = st.sampled_from(
    ["text", "image", "voice", "video", "shortvideo", "location", "link", "event", "unknown"]
)


def signed_query(**extra):
    timestamp, nonce = str(int(time.time())), str(time.time_ns())
    return {"signature": signature(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, **extra}


def check(response, query):
    """The rules every answer follows."""
    FUZZ_CASES.append(1)
    assert response.status_code < 500, response.content
    assert response.content, "an answer without a reason"
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    if response.status_code != 200 and timestamp.isdigit() and nonce.isalnum():
        assert cache.get(nonce_key(timestamp, nonce)) is None


def post(wechat, query, body):
    response = wechat.post(urlencode(query), body)
    check(response, query)
    return response


@given(body=st.binary(max_size=2000))
def test_any_bytes_with_a_valid_signature(wechat, body):
    post(wechat, signed_query(), body)


@given(body=TEXT)
def test_any_text_with_a_valid_signature(wechat, body):
    post(wechat, signed_query(), body.encode("utf-8"))


@given(msg_type=MESSAGE_TYPES, content=XML_TEXT, event=XML_TEXT, create_time=st.integers(-(2**40), 2**40))
def test_structured_messages_with_odd_values(wechat, msg_type, content, event, create_time):
    fields = {"ToUserName": "gh_x", "FromUserName": "o_fuzz", "CreateTime": create_time, "MsgType": msg_type}
    fields.update(Content=content, Event=event, MsgId=time.time_ns())
    response = post(wechat, signed_query(), to_xml(fields).encode("utf-8"))
    if response.status_code == 200 and response.content != b"success":
        xmltodict.parse(response.content)  # a reply is always well-formed XML


@given(
    params=st.dictionaries(st.sampled_from(["signature", "timestamp", "nonce", "encrypt_type", "msg_signature"]), TEXT)
)
def test_any_query_string(wechat, params):
    _, body = PushBuilder(TOKEN).text("hi")
    response = post(wechat, params, body)
    assert response.status_code in (400, 403)


@given(
    encrypt=st.one_of(
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=", max_size=400), TEXT
    )
)
def test_safe_mode_with_any_ciphertext(wechat_in, encrypt):
    wechat = wechat_in("safe")
    query = signed_query(encrypt_type="aes")
    query["msg_signature"] = signature(TOKEN, query["timestamp"], query["nonce"], encrypt)
    body = to_xml({"ToUserName": "gh_x", "Encrypt": encrypt}).encode("utf-8")
    # 403 when XML's newline rules change the ciphertext (and so its signature), else 400.
    assert post(wechat, query, body).status_code in (400, 403)


@given(key=st.binary(min_size=32, max_size=32), app_id=st.sampled_from([APP_ID, "wx_other", ""]))
def test_safe_mode_with_other_keys_and_appids(wechat_in, key, app_id):
    wechat = wechat_in("safe")
    aes_key = base64.b64encode(key).decode()[:43]
    sender = PushBuilder(TOKEN, mode="safe", aes_key=aes_key, app_id=app_id)
    query, body = sender.text("hi")
    response = wechat.post(query, body)
    check(response, dict(part.split("=", 1) for part in query.split("&")))
    genuine = aes_key == AES_KEY and app_id == APP_ID
    assert response.status_code == (200 if genuine else 400)


@given(size=st.integers(0, 200_000))
def test_bodies_of_any_size(wechat, size):
    response = post(wechat, signed_query(), b"<xml>" + b"x" * size + b"</xml>")
    assert response.status_code == 400


@given(content=XML_TEXT)
def test_replays_are_refused(wechat, content):
    query, body = wechat.push.text(content)
    first = wechat.post(query, body)
    second = wechat.post(query, body)
    FUZZ_CASES.extend([1, 1])
    assert first.status_code == 200 and second.status_code == 403
