"""The shared access_token and the API client, against the fake WeChat server over HTTP."""

import time

import pytest
from django.core.cache import cache
from django.core.management import call_command
from wechatpy.exceptions import WeChatClientException

from wechat.client import get_client
from wechat.exceptions import WeChatUnavailable
from wechat.fake_server import FORCED
from wechat.tokens import FORCED_REFRESH_INTERVAL, access_token, jsapi_ticket


def test_token_is_fetched_once_and_then_shared(fake_wechat):
    first = access_token.get()
    assert access_token.get() == first
    assert fake_wechat.calls["cgi-bin/stable_token"] == 1
    assert fake_wechat.calls["cgi-bin/token"] == 0


def test_token_and_its_expiry_live_in_the_shared_cache(fake_wechat, settings):
    token = access_token.get()
    entry = access_token.peek()
    assert entry == cache.get(access_token._key)
    assert entry["value"] == token
    assert 7000 < entry["expires_at"] - time.time() <= 7200


def test_classic_token_endpoint_can_be_chosen(fake_wechat, settings):
    settings.WECHAT_STABLE_TOKEN = False
    access_token.get()
    assert fake_wechat.calls["cgi-bin/token"] == 1
    assert fake_wechat.calls["cgi-bin/stable_token"] == 0


def test_token_close_to_expiry_is_refreshed(fake_wechat):
    fake_wechat.token_ttl = 200  # inside the 5-minute refresh margin
    first = access_token.get()
    entry = access_token.peek()
    entry["fetched_at"] -= 61  # a minute later
    cache.set(access_token._key, entry, 200)
    fake_wechat.token_ttl = 7200
    assert access_token.get() != first
    assert fake_wechat.calls["cgi-bin/stable_token"] == 2


def test_wrong_secret_gives_wechats_error(fake_wechat, settings):
    settings.WECHAT_APP_SECRET = "wrong"
    with pytest.raises(WeChatClientException) as raised:
        access_token.get()
    assert raised.value.errcode == 40125


@pytest.mark.parametrize("errcode", [40001, 40014, 42001])
def test_refused_token_is_refreshed_once_and_the_call_retried_once(fake_wechat, errcode):
    client = get_client()
    client.menu.create({"button": [{"type": "click", "name": "A", "key": "A"}]})
    fake_wechat.fail("cgi-bin/menu/get", errcode)
    assert client.menu.get()["menu"]["button"][0]["key"] == "A"
    assert fake_wechat.calls["cgi-bin/menu/get"] == 2
    assert fake_wechat.calls["cgi-bin/stable_token"] == 2


def test_a_server_that_keeps_refusing_gets_exactly_one_retry(fake_wechat):
    client = get_client()
    fake_wechat.fail("cgi-bin/menu/get", 40001, times=50)
    with pytest.raises(WeChatClientException) as raised:
        client.menu.get()
    assert raised.value.errcode == 40001
    assert fake_wechat.calls["cgi-bin/menu/get"] == 2


def test_expired_token_on_the_server_is_replaced(fake_wechat):
    client = get_client()
    access_token.get()
    fake_wechat.expire_tokens()
    client.message.send_text("o_user", "hello")
    assert fake_wechat.custom_messages[-1]["text"]["content"] == "hello"


@pytest.mark.parametrize("server_side", ["expire_tokens", "revoke_tokens"])
def test_a_real_expiry_recovers_at_once_with_one_forced_refresh(fake_wechat, server_side):
    client = get_client()
    access_token.get()
    getattr(fake_wechat, server_side)()
    client.message.send_text("o_user", "hello")
    assert fake_wechat.custom_messages[-1]["text"]["content"] == "hello"
    assert fake_wechat.calls[FORCED] == 1
    assert fake_wechat.calls["cgi-bin/stable_token"] == 2  # the first token, then the forced one


# A 40001 storm: WeChat refuses every call, so every request would force a new token.


def storm(count):
    """``count`` calls that need the jsapi_ticket (as JSSDK pages do); the kinds of error they raised."""
    errors = []
    for _ in range(count):
        with pytest.raises((WeChatClientException, WeChatUnavailable)) as raised:
            jsapi_ticket.get()
        errors.append(type(raised.value))
    return errors


def last_forced_refresh():
    """``{"at", "interval"}``: when the access_token was last forced, and how long until the next may be."""
    return cache.get(access_token._key + ":forced")


def pretend_time_passed(seconds):
    """Move the last forced refresh of the access_token ``seconds`` into the past."""
    record = last_forced_refresh()
    record["at"] -= seconds
    cache.set(access_token._key + ":forced", record, record["interval"] * 2)


@pytest.fixture
def refusing_wechat(fake_wechat):
    """WeChat's getticket answering 40001 to every call."""
    fake_wechat.fail("cgi-bin/ticket/getticket", 40001, times=10_000)
    return fake_wechat


def test_a_40001_storm_forces_one_refresh_per_interval(refusing_wechat):
    refused_after_a_refresh = [WeChatClientException]  # WeChat's own 40001, after the one forced refresh
    assert storm(20) == refused_after_a_refresh + [WeChatUnavailable] * 19
    assert refusing_wechat.calls[FORCED] == 1
    assert refusing_wechat.calls["cgi-bin/ticket/getticket"] == 21  # each call asked WeChat, the first twice

    assert storm(20) == [WeChatUnavailable] * 20  # a second storm within the interval
    assert refusing_wechat.calls[FORCED] == 1

    pretend_time_passed(FORCED_REFRESH_INTERVAL + 1)
    assert storm(20) == refused_after_a_refresh + [WeChatUnavailable] * 19
    assert refusing_wechat.calls[FORCED] == 2


def test_the_interval_doubles_while_wechat_keeps_refusing_fresh_tokens(refusing_wechat):
    storm(3)
    assert last_forced_refresh()["interval"] == FORCED_REFRESH_INTERVAL == 60
    for interval in (120, 240, 480):
        pretend_time_passed(interval // 2 + 1)  # the previous interval is over: one more forced refresh...
        storm(3)
        assert last_forced_refresh()["interval"] == interval
        pretend_time_passed(interval - 2)  # ...and none for the whole of the new, doubled interval
        storm(3)
    assert refusing_wechat.calls[FORCED] == 4


def test_a_token_refused_right_after_a_forced_refresh_gives_a_clear_error(refusing_wechat):
    with pytest.raises(WeChatClientException) as first:  # refreshed once, refused again: WeChat's own error
        jsapi_ticket.get()
    assert first.value.errcode == 40001
    token = access_token.get()
    with pytest.raises(WeChatUnavailable, match=r"not forcing another access_token refresh.* allowed in \d+ s"):
        jsapi_ticket.get()
    assert access_token.get() == token  # no new token either
    assert refusing_wechat.calls[FORCED] == 1


def test_when_the_storm_passes_the_forced_token_is_used_without_another_refresh(refusing_wechat):
    storm(5)
    refusing_wechat.failures.clear()
    assert jsapi_ticket.get().startswith("fake-ticket-")
    assert refusing_wechat.calls[FORCED] == 1
    assert refusing_wechat.calls["cgi-bin/stable_token"] == 2


def test_a_token_another_process_already_replaced_is_not_refreshed_again(fake_wechat):
    stale = access_token.get()
    fresh = access_token.refresh(stale=stale, rejected=True)  # the first process to see the refusal
    assert access_token.refresh(stale=stale, rejected=True) == fresh  # the others get its value
    assert fake_wechat.calls[FORCED] == 1


def test_the_token_command_is_rationed_too(fake_wechat):
    from django.core.management.base import CommandError

    call_command("wechat_token", "--refresh")
    with pytest.raises(CommandError, match="not forcing another access_token refresh"):
        call_command("wechat_token", "--refresh")
    assert fake_wechat.calls[FORCED] == 1


def test_unreachable_wechat_raises_one_clear_exception(unreachable_wechat):
    with pytest.raises(WeChatUnavailable):
        access_token.get()


def test_slow_wechat_times_out(fake_wechat, settings):
    settings.WECHAT_API_TIMEOUT = 0.3
    fake_wechat.delay = 1
    started = time.monotonic()
    with pytest.raises(WeChatUnavailable):
        access_token.get()
    assert time.monotonic() - started < 1


def test_client_calls_go_to_the_configured_base_url(fake_wechat):
    # wechatpy writes some URLs in full (https://api.weixin.qq.com/...); they must reach the fake too.
    get_client().menu.delete()
    assert fake_wechat.calls["cgi-bin/menu/delete"] == 1


def test_token_command_shows_and_refreshes(fake_wechat, capsys):
    call_command("wechat_token")
    first = access_token.get()
    assert first[:12] in capsys.readouterr().out
    call_command("wechat_token", "--refresh")
    assert access_token.get() != first
    assert "expires in" in capsys.readouterr().out


def test_per_process_cache_is_flagged_by_a_system_check(settings):
    from django.core import checks

    settings.WECHAT_APP_ID = "wx123"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert "wechat.W003" in [message.id for message in checks.run_checks()]


def test_mini_program_has_its_own_shared_token(fake_wechat, capsys):
    from wechat.tokens import miniprogram_access_token

    assert miniprogram_access_token.get() != access_token.get()
    call_command("wechat_token", "--miniprogram")
    assert miniprogram_access_token.get()[:12] in capsys.readouterr().out
    assert fake_wechat.calls["cgi-bin/stable_token"] == 2


def test_building_a_client_fetches_nothing(fake_wechat):
    get_client()
    assert sum(fake_wechat.calls.values()) == 0


def test_near_expiry_a_token_wechat_keeps_returning_is_not_fetched_again_and_again(fake_wechat):
    fake_wechat.token_ttl = 200  # WeChat answers with a token inside the 5-minute margin, again and again
    for _ in range(5):
        access_token.get()
    assert fake_wechat.calls["cgi-bin/stable_token"] == 1


def test_tokens_from_another_api_base_are_not_reused(fake_wechat, settings):
    from wechat.fake_server import FakeWeChat

    first = access_token.get()
    with FakeWeChat(settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET) as other:
        settings.WECHAT_API_BASE_URL = other.url.rstrip("/")  # a missing slash is fine too
        assert access_token.get() != first
        assert other.calls["cgi-bin/stable_token"] == 1


def test_user_info_through_the_client(fake_wechat):
    openid = fake_wechat.add_user(unionid="u_1")
    assert get_client().user.get(openid)["unionid"] == "u_1"
