"""A handler slower than WeChat's patience runs once: its retries wait for its reply, then get ``success``."""

import threading
import time

import pytest

from . import probes
from .conftest import WeChat


@pytest.mark.django_db(transaction=True)
def test_a_retry_during_a_slow_handler_gets_its_reply_and_runs_nothing(client, wechat_settings):
    wechat = WeChat(client)
    fields = wechat.push.text_fields("__probe: slow__")  # 0.6 s
    first = threading.Thread(target=wechat.send, args=(fields,))
    first.start()
    time.sleep(0.2)
    runs = len(probes.runs)
    retry = wechat.send(fields)
    first.join()
    assert retry["Content"] == "slow but here"
    assert len(probes.runs) == runs


@pytest.mark.django_db(transaction=True)
def test_a_retry_past_the_budget_gets_success_and_the_handler_never_runs_twice(client, wechat_settings):
    wechat_settings.WECHAT_REPLY_BUDGET = 0.1
    wechat = WeChat(client)
    fields = wechat.push.text_fields("__probe: slow__")
    first = threading.Thread(target=wechat.send, args=(fields,))
    first.start()
    time.sleep(0.2)
    started = time.monotonic()
    assert wechat.deliver(fields).content == b"success"
    assert time.monotonic() - started < 0.5
    first.join()
    assert wechat.send(fields)["Content"] == "slow but here"  # once finished, every retry gets the reply
