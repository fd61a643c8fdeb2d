"""Hostile input from hypothesis: never a 5xx; a 4xx with a reason or a correct reply; nothing kept for rejects.

Most pushes here are *validly signed and encrypted* (plain, compatible and safe
modes): the signature checks pass, so what is tested is the webhook's reading of
the fields themselves. An accepted push is never accepted twice.
"""

import base64
import functools
import time
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import pytest
import xmltodict
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from wechat.router import Router
from wechat.testing import PushBuilder, signature, to_xml

from .conftest import AES_KEY, APP_ID, FUZZ_CASES, MODES, TOKEN

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300)
XML_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=300)
MESSAGE_TYPES = st.sampled_from(
    ["text", "image", "voice", "video", "shortvideo", "location", "link", "event", "unknown"]
)


def signed_query(**extra):
    timestamp, nonce = str(int(time.time())), str(time.time_ns())
    return {"signature": signature(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, **extra}


def check(response):
    """The rules every answer follows: never a 5xx, and a reason with every refusal."""
    FUZZ_CASES.append(1)
    assert response.status_code < 500, response.content
    assert response.content.strip(), "an answer without a reason"


def check_nothing_kept(wechat, query):
    """A refused push leaves no trace: a genuine push may still use its timestamp and nonce."""
    query, body = wechat.push.text("after a refusal", timestamp=query["timestamp"], nonce=query["nonce"])
    response = wechat.post(query, body)
    FUZZ_CASES.append(1)
    assert response.status_code == 200, response.content


def post(wechat, query, body):
    """POST with a query of ours (signed_query): checked, and for a refusal, nothing kept."""
    response = wechat.post(urlencode(query), body)
    check(response)
    if response.status_code != 200 and query.get("signature") == signature(TOKEN, query["timestamp"], query["nonce"]):
        check_nothing_kept(wechat, query)
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
    response = wechat.post(urlencode(params), body)
    check(response)
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
    check(response)
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


# -- Validly signed and encrypted pushes whose fields are hostile ------------------------------------------


def cdata(text):
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def nested(depth, leaf="1", tag="a"):
    """``<a><a>...1...</a></a>``: an element where text is expected, ``depth`` levels deep."""
    return f"<{tag}>" * depth + leaf + f"</{tag}>" * depth


def element(name, content):
    return f"<{name}>{content}</{name}>"


# Numbers as WeChat never sends them: letters, signs, spaces, fractions, Unicode digits (str.isdigit()
# is True for "²", which int() refuses), values past 64 bits, and thousands of digits.
ODD_NUMBERS = ["abc", "", " ", "-1", "+1", " 1", "1 ", "1.5", "1e3", "0x1F", "²", "١٢٣", "１２３", "NaN", "∞"]
ODD_NUMBERS += ["1" * 21, str(2**64), "0" * 30 + "1", "-" + "9" * 30]
NUMBERS = st.one_of(
    st.sampled_from(ODD_NUMBERS),
    st.integers(1, 6000).map(lambda digits: "9" * digits),
    st.integers(-(2**70), 2**70).map(str),
)
CONTROL = st.text(st.characters(codec="utf-8", categories=["Cc"]), min_size=1, max_size=5)
TEXTS = st.one_of(XML_TEXT.map(cdata), XML_TEXT.map(escape), CONTROL.map(cdata), NUMBERS.map(cdata))
DEPTHS = st.one_of(st.integers(1, 6), st.integers(1, 6), st.integers(7, 100), st.sampled_from([999, 1000, 6000]))
LEAVES = st.sampled_from(["1", "", "<b>2</b><b>3</b>", cdata("x"), "text<b>and</b>elements", '<b c="d"/>'])
NESTED = st.builds(nested, DEPTHS, LEAVES, st.sampled_from(["a", "MsgId", "item", "xml"]))
HUGE = st.builds(lambda size, char: char * size, st.sampled_from([1000, 10_000, 70_000]), st.sampled_from("a字"))
# What happens to a field: any content (twice as likely), gone, empty, given twice (xmltodict makes a list
# of it), given an attribute (xmltodict makes a dict of it).
CONTENTS = st.one_of(NUMBERS, NESTED, TEXTS, HUGE, st.just(""))
CONTENT = st.tuples(st.just("content"), CONTENTS)
MUTATIONS = st.one_of(
    CONTENT,
    CONTENT,
    st.tuples(st.just("twice"), CONTENTS, CONTENTS),
    st.just(("missing",)),
    st.sampled_from([("empty", "<{name}/>"), ("empty", "<{name}></{name}>")]),
    st.tuples(st.just("attribute"), CONTENTS),
)
READ_FIELDS = ["ToUserName", "FromUserName", "CreateTime", "MsgType", "MsgId", "Content", "Event", "EventKey"]
OTHER_FIELDS = ["MediaId", "PicUrl", "Location_X", "Ticket", "Encrypt", "Unknown"]
SEVERAL_HOSTILE_FIELDS = st.dictionaries(st.sampled_from(READ_FIELDS + OTHER_FIELDS), MUTATIONS, min_size=2, max_size=4)
KINDS = st.sampled_from(["text", "event", "image", "location", "link", "nonsense"])


def genuine_fields(push, kind):
    if kind == "text":
        return push.text_fields("hello 你好")
    if kind == "event":
        return push.event_fields("CLICK", "MENU_KEY")
    if kind == "image":
        return push.fields("image", PicUrl="https://example.com/a.jpg", MediaId="media-1")
    if kind == "location":
        return push.fields("location", Location_X=23.13, Location_Y=113.26, Scale=15, Label="广州")
    return push.fields(kind, Title="title", Url="https://example.com/")


def hostile_xml(fields, mutations):
    """The ``<xml>`` of ``fields`` with each field in ``mutations`` (and any it adds) made hostile."""
    nodes = []
    for name in [*fields, *(name for name in mutations if name not in fields)]:
        mutation = mutations.get(name)
        if mutation is None:
            nodes.append(to_xml({name: fields[name]})[len("<xml>") : -len("</xml>")])
        elif mutation[0] == "content":
            nodes.append(element(name, mutation[1]))
        elif mutation[0] == "empty":
            nodes.append(mutation[1].format(name=name))
        elif mutation[0] == "twice":
            nodes.append(element(name, mutation[1]) + element(name, mutation[2]))
        elif mutation[0] == "attribute":
            nodes.append(f'<{name} kind="hostile">{mutation[1]}</{name}>')
    return "<xml>" + "".join(nodes) + "</xml>"


@pytest.fixture
def handler_runs(monkeypatch):
    """Every time a handler runs (whichever router), one item in this list."""
    runs = []
    resolve = Router.resolve

    def counted(router, message):
        handler = resolve(router, message)
        if handler is None:
            return None

        @functools.wraps(handler)  # its options (defer=, ack=) too
        def run(message):
            runs.append(message)
            return handler(message)

        return run

    monkeypatch.setattr(Router, "resolve", counted)
    return runs


def deliver_hostile(wechat, xml, runs):
    """Deliver a signed (and sealed) push of ``xml`` and check the promises; the first answer."""
    query, body = wechat.push.sign_xml(xml)
    before = len(runs)
    response = wechat.post(query, body)
    check(response)
    assert response.status_code in (200, 400), (response.status_code, response.content[:200])
    if response.status_code == 400:
        assert response["Content-Type"].startswith("text/plain") and response.content.decode().strip()
        check_nothing_kept(wechat, dict(part.split("=", 1) for part in query.split("&")))
        return response
    assert len(runs) - before <= 1, "one push ran its handler twice"
    # Accepted once, never again: WeChat's retry (same message, new nonce) gets the same reply and runs
    # nothing; the same request sent again is a replay.
    handled = len(runs)
    retry = wechat.post(*wechat.push.sign_xml(xml))
    replay = wechat.post(query, body)
    FUZZ_CASES.extend([1, 1])
    assert retry.status_code == 200 and len(runs) == handled, "a retry of an accepted push was accepted again"
    assert wechat.push.read_reply(retry.content) == wechat.push.read_reply(response.content)
    assert replay.status_code == 403 and len(runs) == handled
    return response


@pytest.mark.parametrize("field", READ_FIELDS)
# A third of the profile's examples per field: 160 in all by default, 4000 with HYPOTHESIS_PROFILE=full.
@hypothesis_settings(max_examples=max(10, hypothesis_settings.default.max_examples // 3))
@given(mode=st.sampled_from(MODES), kind=st.sampled_from(["text", "event"]), mutation=MUTATIONS)
@example(mode="plain", kind="text", mutation=("content", "abc"))
@example(mode="compatible", kind="text", mutation=("content", "9" * 5000))
@example(mode="safe", kind="event", mutation=("content", "9" * 400))
@example(mode="safe", kind="text", mutation=("content", nested(6000)))
@example(mode="plain", kind="event", mutation=("content", nested(6000, "", "xml")))
@example(mode="compatible", kind="text", mutation=("twice", "1", "2"))
@example(mode="safe", kind="text", mutation=("content", "字" * 70_000))
def test_signed_pushes_with_a_hostile_field(wechat_in, handler_runs, field, mode, kind, mutation):
    wechat = wechat_in(mode)
    deliver_hostile(wechat, hostile_xml(genuine_fields(wechat.push, kind), {field: mutation}), handler_runs)


@given(mode=st.sampled_from(MODES), kind=KINDS, mutations=SEVERAL_HOSTILE_FIELDS)
def test_signed_pushes_with_several_hostile_fields(wechat_in, handler_runs, mode, kind, mutations):
    wechat = wechat_in(mode)
    deliver_hostile(wechat, hostile_xml(genuine_fields(wechat.push, kind), mutations), handler_runs)


# The validly signed pushes that were answered 500 before the webhook checked its fields (issue 10).
ONCE_500 = {
    "MsgId abc": ("MsgId", "abc"),
    "5000-digit MsgId": ("MsgId", "9" * 5000),
    "400-digit CreateTime": ("CreateTime", "9" * 400),
    "6000-deep MsgId": ("MsgId", nested(6000)),
    "6000-deep ToUserName": ("ToUserName", nested(6000)),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", ONCE_500)
def test_signed_pushes_that_once_got_500_get_400_with_a_reason(wechat_in, handler_runs, settings, mode, case):
    # Room for 6000 levels in compatible mode, whose envelope holds the plaintext and its ciphertext:
    # the field checks, not the size limit, must refuse these.
    settings.WECHAT_MAX_BODY_SIZE = 256 * 1024
    wechat = wechat_in(mode)
    name, content = ONCE_500[case]
    fields = wechat.push.text_fields("hello")
    response = deliver_hostile(wechat, hostile_xml(fields, {name: ("content", content)}), handler_runs)
    assert response.status_code == 400 and name in response.content.decode()
    # Nothing was left "in progress": the genuine message, delivered next, is handled.
    before = len(handler_runs)
    assert wechat.send(fields)["Content"] == "echo: hello" and len(handler_runs) == before + 1


# More hostile fields, each in every mode: 200 or 400, never twice, never a 5xx.
HOSTILE_EXAMPLES = {
    "negative MsgId": {"MsgId": ("content", "-1")},
    "21-digit MsgId": {"MsgId": ("content", "1" * 21)},
    "superscript-two MsgId": {"MsgId": ("content", "²")},
    "full-width MsgId": {"MsgId": ("content", "１２３")},
    "negative CreateTime": {"CreateTime": ("content", "-5")},
    "empty CreateTime": {"CreateTime": ("empty", "<{name}/>")},
    "no CreateTime": {"CreateTime": ("missing",)},
    "no MsgType": {"MsgType": ("missing",)},
    "no FromUserName": {"FromUserName": ("missing",)},
    "empty FromUserName": {"FromUserName": ("empty", "<{name}></{name}>")},
    "MsgId twice": {"MsgId": ("twice", "1", "2")},
    "FromUserName twice": {"FromUserName": ("twice", "o_a", "o_b")},
    "Content twice": {"Content": ("twice", "a", "b")},
    "Content with an attribute": {"Content": ("attribute", "hi")},
    "Content 3 deep": {"Content": ("content", nested(3))},
    "Content 1000 deep": {"Content": ("content", nested(1000))},
    "MsgType nested": {"MsgType": ("content", nested(2, "text"))},
    "Content with control characters": {"Content": ("content", cdata("bell\x07null\x00"))},
    "Content of 60,000 characters": {"Content": ("content", "a" * 60_000)},
    "unknown field 6000 deep": {"Unknown": ("content", nested(6000))},
    "Encrypt inside the plaintext": {"Encrypt": ("content", "QUJD")},
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", HOSTILE_EXAMPLES)
def test_signed_pushes_with_hostile_examples(wechat_in, handler_runs, mode, case):
    wechat = wechat_in(mode)
    deliver_hostile(wechat, hostile_xml(wechat.push.text_fields("hello"), HOSTILE_EXAMPLES[case]), handler_runs)


@pytest.mark.parametrize("mode", MODES)
def test_an_event_with_hostile_fields_has_a_reason(wechat_in, handler_runs, mode):
    wechat = wechat_in(mode)
    fields = wechat.push.event_fields("CLICK", "MENU_KEY")
    for mutations in ({"Event": ("content", nested(5))}, {"EventKey": ("twice", "A", "B")}, {"Event": ("missing",)}):
        deliver_hostile(wechat, hostile_xml(fields, mutations), handler_runs)
