"""WeChat slow or down, the shared cache down: quick answers, clear 503s, and recovery."""

import time

import pytest


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


@pytest.mark.parametrize("wechat_api", ["slow_wechat", "unreachable_wechat"])
def test_webhook_answers_quickly_whatever_wechats_api_does(wechat, request, wechat_api):
    request.getfixturevalue(wechat_api)
    reply, seconds = timed(lambda: wechat.send_text("hi"))
    assert "hi" in reply["Content"] and seconds < 1


def test_webhook_still_answers_without_the_shared_cache(wechat, broken_cache):
    assert "still here" in wechat.send_text("still here")["Content"]
    assert wechat.send_event("subscribe")["Content"] == "welcome"


def test_token_users_get_a_clear_error_without_the_shared_cache(fake_wechat, broken_cache):
    from wechat.exceptions import CacheUnavailable
    from wechat.tokens import access_token

    with pytest.raises(CacheUnavailable):
        access_token.get()
