"""A handler past the budget: WeChat gets success in time, the reply follows as a customer-service message."""

import time

import pytest

from . import probes  # noqa: F401  (registers the probe handlers)
from .conftest import WeChat


@pytest.fixture
def budget(wechat_settings, fake_wechat):
    wechat_settings.WECHAT_REPLY_BUDGET = 0.2
    return fake_wechat


def wait_for(predicate, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()


@pytest.mark.django_db(transaction=True)
def test_slow_handler_answers_success_in_time_and_sends_the_reply_later(client, budget):
    wechat = WeChat(client)
    started = time.monotonic()
    response = wechat.deliver(wechat.push.text_fields("__probe: slow__"))
    assert time.monotonic() - started < 0.5
    assert response.status_code == 200 and response.content == b"success"
    assert wait_for(lambda: budget.custom_messages)
    sent = budget.custom_messages[-1]
    assert sent == {"touser": wechat.push.openid, "msgtype": "text", "text": {"content": "slow but here"}}


@pytest.mark.django_db(transaction=True)
def test_a_retry_of_a_slow_message_does_not_run_it_again(client, budget):
    wechat = WeChat(client)
    fields = wechat.push.text_fields("__probe: slow__")
    runs = len(probes.runs)
    assert wechat.deliver(fields).content == b"success"
    assert wechat.deliver(fields).content == b"success"
    assert wait_for(lambda: len(budget.custom_messages) == 1)
    time.sleep(0.7)
    assert len(budget.custom_messages) == 1 and len(probes.runs) == runs


@pytest.mark.django_db(transaction=True)
def test_fast_handlers_still_reply_directly_under_a_budget(client, budget):
    wechat = WeChat(client)
    assert "hi" in wechat.send_text("hi")["Content"]
    assert budget.custom_messages == []
