"""The dev console at /wechat/dev/: DEBUG only, this machine only; real signed pushes through the project's webhook."""

import json
import time

import pytest
from django.urls import include, path

from wechat import devconsole
from wechat import urls as wechat_urls
from wechat.client import get_client

# The project's URLs leave the console out when DEBUG is off, as it is in tests: these put it back.
urlpatterns = [path("wechat/", include((wechat_urls.urlpatterns + devconsole.urlpatterns, "wechat")))]


def send(client, **payload):
    return client.post("/wechat/dev/send/", json.dumps(payload), content_type="application/json")


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    settings.ROOT_URLCONF = __name__


@pytest.mark.django_db
def test_is_not_wired_without_debug(client, settings):
    settings.DEBUG = False
    assert client.get("/wechat/dev/").status_code == 404
    assert send(client, kind="text", content="hi").status_code == 404


@pytest.mark.django_db
def test_is_404_when_debug_goes_off(client, debug, settings):
    settings.DEBUG = False
    assert client.get("/wechat/dev/").status_code == 404
    assert send(client, kind="text", content="hi").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["203.0.113.7", "192.168.1.20", "2001:db8::1"])
def test_refuses_other_machines_with_a_reason(client, debug, address):
    page = client.get("/wechat/dev/", REMOTE_ADDR=address)
    assert page.status_code == 403 and address in page.content.decode()
    sent = client.post("/wechat/dev/send/", '{"kind": "text"}', "application/json", REMOTE_ADDR=address)
    assert sent.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED"])
def test_refuses_requests_a_proxy_or_tunnel_relayed(client, debug, header):
    # ngrok, frp and nginx connect from 127.0.0.1 too: their headers give them away.
    page = client.get("/wechat/dev/", **{header: "203.0.113.7"})
    assert page.status_code == 403 and b"relayed" in page.content


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"])
def test_answers_the_loopback(client, debug, address):
    assert client.get("/wechat/dev/", REMOTE_ADDR=address).status_code == 200


@pytest.mark.django_db
def test_answers_internal_ips(client, debug, settings):
    settings.INTERNAL_IPS = ["192.168.1.20"]
    assert client.get("/wechat/dev/", REMOTE_ADDR="192.168.1.20").status_code == 200
    assert client.get("/wechat/dev/", REMOTE_ADDR="192.168.1.21").status_code == 403


@pytest.mark.django_db
def test_always_sends_as_its_own_user(client, debug):
    answer = send(client, kind="text", content="hi", openid="o_a_real_follower").json()
    assert answer["status"] == 200
    assert answer["pushed"]["FromUserName"] == devconsole.DEV_CONSOLE_OPENID != "o_a_real_follower"


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
    assert answer["reply"]["Content"] == "echo: 你好"


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["compatible", "safe"])
def test_pushes_are_encrypted_when_the_mode_asks(client, debug, wechat_settings, mode):
    wechat_settings.WECHAT_ENCRYPT_MODE = mode
    answer = send(client, kind="text", content="sealed").json()
    assert answer["encrypted"] is True and "sealed" in answer["reply"]["Content"]


@pytest.mark.django_db
def test_subscribe_event_gets_the_welcome(client, debug):
    assert send(client, kind="event", event="subscribe").json()["reply"]["Content"] == "welcome"


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


# -- Late replies: customer-service messages, shown when the API is a fake WeChat server on this machine.
def late(client, since="0", **request):
    return client.get("/wechat/dev/late/", {"since": since}, **request)


@pytest.mark.django_db
def test_late_replies_to_the_console_user_come_from_the_fake_server(client, debug, fake_wechat):
    opened = float(client.get("/wechat/dev/").context["since"])
    get_client().message.send_text(devconsole.DEV_CONSOLE_OPENID, "later: 你好")
    get_client().message.send_text("o_someone_else", "not for the console")
    answer = late(client, repr(opened)).json()
    assert answer["polling"] is True and "note" not in answer
    (message,) = answer["messages"]
    assert message["msgtype"] == "text" and message["content"] == "later: 你好"
    assert opened < message["received_at"] <= time.time()
    assert late(client, repr(message["received_at"])).json()["messages"] == []


@pytest.mark.django_db
def test_late_replies_are_not_fetched_from_wechat_itself(client, debug, settings):
    settings.WECHAT_API_BASE_URL = "https://api.weixin.qq.com/"
    answer = late(client).json()
    assert answer["messages"] == [] and answer["polling"] is False
    assert "api.weixin.qq.com" in answer["note"]


@pytest.mark.django_db
def test_late_replies_explain_a_fake_server_that_is_not_running(client, debug, unreachable_wechat):
    answer = late(client).json()
    assert answer["messages"] == [] and answer["polling"] is True
    assert "wechat_fake_server" in answer["note"]


@pytest.mark.django_db
@pytest.mark.parametrize("since", ["yesterday", "nan", "inf"])
def test_late_replies_need_a_time(client, debug, fake_wechat, since):
    assert late(client, since).status_code == 400


@pytest.mark.django_db
def test_late_replies_are_fenced_like_the_console(client, debug, settings):
    assert late(client, REMOTE_ADDR="203.0.113.7").status_code == 403
    assert late(client, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 403
    settings.DEBUG = False
    assert late(client).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content, expected",
    [
        ("__probe: raise__", "tests.probes.broken: RuntimeError: this handler is broken on purpose"),
        ("__probe: unsupported reply__", "tests.probes.unsupported: TypeError: a handler returned int"),
    ],
    ids=["raises", "unsupported"],
)
def test_a_failing_handler_is_shown_with_its_name(client, debug, content, expected):
    answer = send(client, kind="text", content=content).json()
    assert answer["status"] == 200 and answer["reply"] is None
    assert answer["handler_error"].startswith(expected)
    assert b"answer.handler_error" in client.get("/wechat/dev/").content  # and the page shows it


@pytest.mark.django_db
def test_a_handler_that_works_brings_no_error(client, debug):
    assert "handler_error" not in send(client, kind="text", content="fine").json()
