"""The fake WeChat server keeps every customer-service message it accepts, and refuses them on request."""

import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest
from wechatpy.exceptions import WeChatClientException

from wechat.client import get_client
from wechat.fake_server import FakeWeChat
from wechat.management.commands.wechat_fake_server import Command

SEND = "cgi-bin/message/custom/send"


def fetch(fake, **query):
    with urllib.request.urlopen(f"{fake.url}__fake__/custom_messages?{urlencode(query)}", timeout=5) as response:
        return json.loads(response.read())


def test_each_message_is_kept_with_its_user_type_content_and_time(fake_wechat):
    before = time.time()
    get_client().message.send_text("o_alice", "你好")
    get_client().message.send_image("o_bob", "media-123")
    alice, bob = fake_wechat.received_messages()
    assert before <= alice["received_at"] < bob["received_at"] <= time.time()
    assert {key: alice[key] for key in ("touser", "msgtype", "content")} == {
        "touser": "o_alice",
        "msgtype": "text",
        "content": "你好",
    }
    assert bob["msgtype"] == "image" and bob["content"] == {"media_id": "media-123"}
    assert [alice["payload"], bob["payload"]] == fake_wechat.custom_messages  # the payloads as sent
    assert bob["payload"] == {"touser": "o_bob", "msgtype": "image", "image": {"media_id": "media-123"}}


def test_they_are_listed_over_http_by_user_and_time(fake_wechat):
    for text in ("one", "two", "three"):
        get_client().message.send_text("o_alice", text)
    get_client().message.send_text("o_bob", "not for alice")
    everything = fetch(fake_wechat)
    assert [message["content"] for message in everything] == ["one", "two", "three", "not for alice"]
    alice = fetch(fake_wechat, touser="o_alice")
    assert [message["content"] for message in alice] == ["one", "two", "three"]
    newer = fetch(fake_wechat, touser="o_alice", since=repr(alice[0]["received_at"]))
    assert [message["content"] for message in newer] == ["two", "three"]
    assert fetch(fake_wechat, touser="o_alice", since=repr(alice[-1]["received_at"])) == []
    assert "__fake__/custom_messages" not in fake_wechat.calls


def test_a_bad_since_is_a_400():
    with FakeWeChat() as fake, pytest.raises(urllib.error.HTTPError) as refused:
        fetch(fake, since="yesterday")
    assert refused.value.code == 400


@pytest.mark.parametrize("errcode", [45015, 45047, 48001, -1])
def test_a_refused_message_is_counted_but_not_kept(fake_wechat, errcode):
    fake_wechat.fail(SEND, errcode)
    with pytest.raises(WeChatClientException) as raised:
        get_client().message.send_text("o_alice", "refused")
    assert raised.value.errcode == errcode
    get_client().message.send_text("o_alice", "accepted")
    assert [message["content"] for message in fake_wechat.received_messages()] == ["accepted"]
    assert fake_wechat.calls[SEND] == 2


def test_the_command_refuses_customer_service_messages_on_request():
    assert Command._failure("cgi-bin/message/custom/send:45015") == (SEND, 45015, 1)
    assert Command._failure("/cgi-bin/message/custom/send:-1:3") == (SEND, -1, 3)
