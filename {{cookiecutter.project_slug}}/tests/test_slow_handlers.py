"""A slow handler runs once: a retry that comes while it runs waits for its reply and carries it."""

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
