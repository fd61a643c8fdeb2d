"""Matching rules and their documented order, on a router of the test's own."""

import pytest

from wechat.router import Router
from wechat.testing import PushBuilder, to_xml
from wechat.webhook import make_message, parse

push = PushBuilder("t")


def message(msg_type, **fields):
    return make_message(parse(to_xml(push.fields(msg_type, **fields)).encode()))


def text(content):
    return message("text", Content=content)


def event(name, key=None, **fields):
    if key is not None:
        fields["EventKey"] = key
    return message("event", Event=name, **fields)


@pytest.fixture
def router():
    return Router()


def test_exact_text_wins_over_regex_and_type_handlers(router):
    router.text()(lambda m: "any text")
    router.text(regex="^hel")(lambda m: "regex")
    router.text("hello")(lambda m: "exact")
    assert router.dispatch(text("hello")) == "exact"
    assert router.dispatch(text("help")) == "regex"
    assert router.dispatch(text("bye")) == "any text"


def test_regex_match_is_on_the_message(router):
    router.text(regex=r"^天气\s*(\S+)")(lambda m: f"weather in {m.match.group(1)}")
    assert router.dispatch(text("天气 北京")) == "weather in 北京"


def test_predicates_and_regexes_run_in_registration_order(router):
    router.text(when=lambda m: len(m.content) > 3)(lambda m: "long")
    router.text(regex="^a")(lambda m: "starts with a")
    assert router.dispatch(text("abcdef")) == "long"
    assert router.dispatch(text("ab")) == "starts with a"


def test_default_only_when_nothing_else_matches(router):
    router.default(lambda m: "default")
    router.message("image")(lambda m: "image")
    assert router.dispatch(message("image", PicUrl="u", MediaId="m")) == "image"
    assert router.dispatch(message("voice", MediaId="m", Format="amr")) == "default"


def test_no_handler_returns_none(router):
    assert router.dispatch(text("anything")) is None


@pytest.mark.parametrize(
    "msg_type, fields",
    [
        ("text", {"Content": "c"}),
        ("image", {"PicUrl": "u", "MediaId": "m"}),
        ("voice", {"MediaId": "m", "Format": "amr"}),
        ("video", {"MediaId": "m", "ThumbMediaId": "t"}),
        ("shortvideo", {"MediaId": "m", "ThumbMediaId": "t"}),
        ("location", {"Location_X": "23.1", "Location_Y": "113.3", "Scale": "20", "Label": "广州"}),
        ("link", {"Title": "t", "Description": "d", "Url": "http://x"}),
    ],
)
def test_every_message_type_reaches_its_handler(router, msg_type, fields):
    for each in ("text", "image", "voice", "video", "shortvideo", "location", "link"):
        router.message(each)(lambda m, each=each: each)
    assert router.dispatch(message(msg_type, **fields)) == msg_type


@pytest.mark.parametrize(
    "name, key, fields",
    [
        ("subscribe", None, {}),
        ("unsubscribe", None, {}),
        ("SCAN", "123", {"Ticket": "t"}),
        ("LOCATION", None, {"Latitude": "23.1", "Longitude": "113.3", "Precision": "119"}),
        ("CLICK", "MENU_A", {}),
        ("VIEW", "http://example.com/", {}),
    ],
)
def test_every_event_reaches_its_handler(router, name, key, fields):
    for each in ("subscribe", "unsubscribe", "SCAN", "LOCATION", "CLICK", "VIEW"):
        router.event(each)(lambda m, each=each: each)
    assert router.dispatch(event(name, key, **fields)) == name


def test_event_with_key_wins_over_the_whole_event(router):
    router.event("CLICK")(lambda m: "any click")
    router.event("CLICK", key="MENU_A")(lambda m: "menu a")
    assert router.dispatch(event("CLICK", "MENU_A")) == "menu a"
    assert router.dispatch(event("CLICK", "MENU_B")) == "any click"


def test_events_wechatpy_does_not_know_still_reach_their_handler(router):
    router.event("wxa_media_check")(lambda m: "checked")
    assert router.dispatch(event("wxa_media_check", trace_id="t1")) == "checked"


def test_scan_to_subscribe_is_a_subscribe(router):
    router.event("subscribe")(lambda m: "welcome")
    assert router.dispatch(event("subscribe", "qrscene_7", Ticket="t")) == "welcome"


def test_registering_the_same_match_twice_is_an_error(router):
    router.text("hi")(lambda m: 1)

    def other(message):
        return 2

    with pytest.raises(ValueError, match="already handled"):
        router.text("hi")(other)


def test_text_takes_one_matcher(router):
    with pytest.raises(TypeError):
        router.text("a", regex="b")


# -- Swapping handlers for a test -----------------------------------------------------------


def test_replaced_by_routes_to_the_other_handlers_until_the_block_ends(router):
    router.text()(lambda m: "project")
    router.event("CLICK", key="TODAY")(lambda m: "project click")
    other = Router()
    other.text()(lambda m: "probe")
    with router.replaced_by(other) as swapped:
        assert swapped is router
        assert router.dispatch(text("hi")) == "probe"
        assert router.dispatch(event("CLICK", "TODAY")) is None
    assert router.dispatch(text("hi")) == "project"
    assert router.dispatch(event("CLICK", "TODAY")) == "project click"


def test_handlers_registered_inside_the_block_are_dropped(router):
    router.text("x")(lambda m: "project")
    other = Router()
    with router.replaced_by(other):

        def temporary(message):
            return "temporary"

        router.text("x")(temporary)  # no conflict with the project's handler: it is swapped out
        router.default(temporary)
        assert router.dispatch(text("x")) == "temporary"
    assert router.dispatch(text("x")) == "project"
    assert router.dispatch(text("y")) is None
    assert other.dispatch(text("x")) is None and other.dispatch(text("y")) is None


def test_the_swap_is_undone_when_the_test_fails(router):
    router.text()(lambda m: "project")
    with pytest.raises(AssertionError), router.replaced_by(Router()):
        raise AssertionError
    assert router.dispatch(text("hi")) == "project"


def test_text_without_parentheses_handles_every_text_message(router):
    @router.text
    def any_text(message):
        return "any text: " + message.content

    assert any_text(text("x")) == "any text: x"  # the function itself is kept, as with @router.text()
    assert router.dispatch(text("hello")) == "any text: hello"
    assert router.dispatch(event("subscribe")) is None


def test_default_works_with_and_without_parentheses(router):
    @router.default
    def fallback(message):
        return "fallback"

    assert router.dispatch(text("hello")) == "fallback"
    other = Router()
    other.default(defer=False)(fallback)
    assert other.dispatch(text("hello")) == "fallback"


@pytest.mark.parametrize("decorator, example", [("event", '"subscribe"'), ("message", '"image"')])
def test_event_and_message_without_their_name_fail_at_import_saying_how_to_write_them(router, decorator, example):
    def welcome(message):
        return "hi"

    with pytest.raises(TypeError) as raised:
        getattr(router, decorator)(welcome)
    assert f"@router.{decorator}({example}) above" in str(raised.value) and "welcome" in str(raised.value)
