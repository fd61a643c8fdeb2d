"""The dev console at /wechat/dev/: DEBUG only; real signed pushes through the project's webhook."""

import json

import pytest


def send(client, **payload):
    return client.post("/wechat/dev/send/", json.dumps(payload), content_type="application/json")


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


@pytest.mark.django_db
def test_is_404_without_debug(client, settings):
    settings.DEBUG = False
    assert client.get("/wechat/dev/").status_code == 404
    assert send(client, kind="text", content="hi").status_code == 404


@pytest.mark.django_db
def test_page_looks_like_a_chat(client, debug):
    page = client.get("/wechat/dev/")
    assert page.status_code == 200
    for element in (b'id="message-input"', b'id="send-button"', b'id="event-select"', b"subscribe"):
        assert element in page.content


@pytest.mark.django_db
def test_text_gets_the_handlers_reply(client, debug):
    answer = send(client, kind="text", content="你好").json()
    assert answer["status"] == 200
    assert "你说：你好" in answer["reply"]["Content"]


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["compatible", "safe"])
def test_pushes_are_encrypted_when_the_mode_asks(client, debug, wechat_settings, mode):
    wechat_settings.WECHAT_ENCRYPT_MODE = mode
    answer = send(client, kind="text", content="sealed").json()
    assert answer["encrypted"] is True and "sealed" in answer["reply"]["Content"]


@pytest.mark.django_db
def test_subscribe_event_gets_the_welcome(client, debug):
    assert "欢迎" in send(client, kind="event", event="subscribe").json()["reply"]["Content"]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["image", "location"])
def test_other_kinds_reach_the_webhook(client, debug, kind):
    answer = send(client, kind=kind).json()
    assert answer["status"] == 200 and answer["pushed"]["MsgType"] == kind


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload", [{"kind": "text"}, {"kind": "event", "event": "explode"}, {"kind": "teleport"}], ids=str
)
def test_bad_requests_get_400(client, debug, payload):
    assert send(client, **payload).status_code == 400


@pytest.mark.django_db
def test_a_missing_aes_key_is_explained(client, debug, wechat_settings):
    wechat_settings.WECHAT_ENCRYPT_MODE = "safe"
    wechat_settings.WECHAT_ENCODING_AES_KEY = ""
    answer = send(client, kind="text", content="hi")
    assert answer.status_code == 400
    assert "WECHAT_ENCODING_AES_KEY" in answer.json()["error"]
