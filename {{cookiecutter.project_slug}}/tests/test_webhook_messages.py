"""Messages in, replies out, in every encryption mode, through the probe handlers (tests/probes.py)."""

import logging
from urllib.parse import unquote

import pytest
import xmltodict

from wechat.webhook import ERROR_HEADER, MAX_ERROR_HEADER


def test_text_gets_a_reply_containing_the_text(wechat_any_mode):
    reply = wechat_any_mode.send_text("你好，世界")
    assert reply["MsgType"] == "text"
    assert "你好，世界" in reply["Content"]


def test_reply_is_addressed_back_to_the_sender(wechat):
    reply = wechat.send_text("hello")
    assert reply["ToUserName"] == wechat.push.openid
    assert reply["FromUserName"] == wechat.push.account


def test_subscribe_gets_the_welcome(wechat_any_mode):
    reply = wechat_any_mode.send_event("subscribe")
    assert reply["MsgType"] == "text"
    assert reply["Content"] == "welcome"


def test_subscribe_by_qr_code_gets_the_welcome(wechat):
    reply = wechat.send_event("subscribe", key="qrscene_42", Ticket="t")
    assert reply["Content"] == "welcome"


def test_reply_is_encrypted_in_safe_mode(wechat_in):
    wechat = wechat_in("safe")
    response = wechat.deliver(wechat.push.text_fields("secret"))
    envelope = xmltodict.parse(response.content)["xml"]
    assert set(envelope) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    assert b"secret" not in response.content
    assert "secret" in wechat.push.read_reply(response.content)["Content"]


def test_unhandled_message_gets_success(wechat):
    # No probe handler takes images: WeChat gets "success" and shows nothing.
    response = wechat.deliver(wechat.push.fields("image", PicUrl="http://x/y.jpg", MediaId="m1"))
    assert response.status_code == 200
    assert response.content == b"success"


def test_reply_stays_valid_xml_when_the_text_contains_cdata_end(wechat_any_mode):
    reply = wechat_any_mode.send_text("a]]>b<c>&d")
    assert "a]]>b<c>&d" in reply["Content"]


def test_reply_drops_characters_xml_forbids(wechat):
    reply = wechat.send_text("__probe: unsafe reply__")
    assert reply["Content"] == "bellhere ]]> end"


def test_failing_handler_is_logged_and_wechat_gets_success(wechat, caplog):
    with caplog.at_level(logging.ERROR, logger="wechat.handler"):
        response = wechat.deliver(wechat.push.text_fields("__probe: raise__"))
    assert response.status_code == 200
    assert response.content == b"success"
    assert "broken on purpose" in caplog.text


def test_a_reply_that_cannot_be_rendered_is_logged_and_wechat_gets_success(wechat, caplog):
    with caplog.at_level(logging.ERROR, logger="wechat.handler"):
        response = wechat.deliver(wechat.push.text_fields("__probe: bad articles__"))
    assert response.status_code == 200 and response.content == b"success"
    assert "cannot be rendered" in caplog.text


def test_articles_reply(wechat):
    reply = wechat.send_text("__probe: articles__")
    assert reply["MsgType"] == "news" and reply["Articles"]["item"]["Title"] == "标题"


@pytest.mark.parametrize(
    "content, expected",
    [
        ("__probe: raise__", "tests.probes.broken: RuntimeError: this handler is broken on purpose"),
        ("__probe: unsupported reply__", "tests.probes.unsupported: TypeError: a handler returned int;"),
        ("__probe: bad articles__", "tests.probes.bad_articles: "),
        ("__probe: predicate raises__", "routing (a when= predicate): LookupError: this predicate is broken"),
    ],
    ids=["raises", "unsupported", "unrenderable", "predicate"],
)
def test_in_debug_a_failing_handler_is_named_in_a_header(wechat, settings, content, expected):
    settings.DEBUG = True
    response = wechat.deliver(wechat.push.text_fields(content))
    assert response.status_code == 200 and response.content == b"success"
    assert response.headers[ERROR_HEADER].startswith(expected)


def test_the_handler_error_header_is_one_short_ascii_line_without_secrets(wechat, settings):
    settings.DEBUG = True
    response = wechat.deliver(wechat.push.text_fields("__probe: raise secret__"))
    header = response.headers[ERROR_HEADER]
    assert header.isascii() and "\n" not in header and len(header) <= 3 * MAX_ERROR_HEADER
    text = unquote(header)
    assert text.startswith("tests.probes.broken_with_secret: ValueError: 出错了 token ")
    assert settings.WECHAT_TOKEN not in text and "[redacted]" in text


def test_without_debug_no_handler_error_leaves_the_server(wechat, settings):
    settings.DEBUG = False
    response = wechat.deliver(wechat.push.text_fields("__probe: raise__"))
    assert response.content == b"success" and ERROR_HEADER not in response.headers
