"""Deferred handlers (defer=True): WeChat gets the ack at once, the reply goes out once from a task."""

import os
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from wechat import deferred
from wechat.models import PendingReply

from . import probes
from .conftest import WeChat

pytestmark = pytest.mark.django_db(transaction=True)


def run_worker():
    """One pass of the project's worker: what is due runs, then it exits."""
    call_command("wechat_worker", once=True)


def texts(fake, openid):
    return [m["text"]["content"] for m in fake.custom_messages if m["touser"] == openid and m["msgtype"] == "text"]


@pytest.fixture
def wechat(client, fake_wechat):
    return WeChat(client)


def test_wechat_gets_the_ack_at_once_and_the_reply_goes_out_once(wechat, fake_wechat):
    fields = wechat.push.text_fields("__probe: deferred__")
    runs = len(probes.runs)
    started = time.monotonic()
    assert wechat.send(fields)["Content"] == "正在思考…"
    assert time.monotonic() - started < 1
    assert len(probes.runs) == runs  # not run yet: it runs in the worker
    run_worker()
    assert texts(fake_wechat, wechat.push.openid) == [f"deferred reply to {wechat.push.openid}"]
    assert len(probes.runs) == runs + 1


def test_wechats_retries_and_a_second_worker_pass_add_nothing(wechat, fake_wechat):
    fields = wechat.push.text_fields("__probe: deferred__")
    first = wechat.send(fields)
    assert [wechat.send(fields) for _ in range(2)] == [first, first]  # retries get the same ack
    run_worker()
    run_worker()
    deferred.enqueue(PendingReply.objects.get().push_key)  # a task delivered twice
    run_worker()
    assert len(texts(fake_wechat, wechat.push.openid)) == 1


def test_a_long_text_goes_out_in_order_in_pieces_wechat_accepts(wechat, fake_wechat):
    wechat.send_text("__probe: deferred long__")
    run_worker()
    parts = texts(fake_wechat, wechat.push.openid)
    assert len(parts) == 3
    assert all(len(part.encode()) <= deferred.TEXT_LIMIT for part in parts)
    assert "".join(parts) == "长" * 1500 + "end"


def test_split_text_cuts_between_characters_only():
    text = "a" + "😀" * 600 + "é" * 10
    parts = deferred.split_text(text, limit=100)
    assert "".join(parts) == text
    assert all(len(part.encode()) <= 100 for part in parts)


def test_a_permanent_error_is_not_retried(wechat, fake_wechat, caplog):
    fake_wechat.fail("cgi-bin/message/custom/send", 45015, times=5)  # the user has not written for 48 h
    wechat.send_text("__probe: deferred__")
    run_worker()
    run_worker()
    pending = PendingReply.objects.get()
    assert (pending.state, pending.attempts) == (PendingReply.State.DROPPED, 1)
    assert fake_wechat.calls["cgi-bin/message/custom/send"] == 1
    assert len([r for r in caplog.records if r.name == "wechat.deferred" and "45015" in r.getMessage()]) == 1


def test_a_refused_token_is_refreshed_once_and_the_reply_sent(wechat, fake_wechat):
    wechat.send_text("__probe: deferred__")
    fake_wechat.fail("cgi-bin/message/custom/send", 40001, times=1)
    run_worker()
    assert texts(fake_wechat, wechat.push.openid) == [f"deferred reply to {wechat.push.openid}"]
    assert fake_wechat.calls["cgi-bin/stable_token (force_refresh)"] == 1


def test_a_transient_error_is_retried_later(wechat, fake_wechat):
    fake_wechat.fail("cgi-bin/message/custom/send", -1, times=1)  # system busy
    wechat.send_text("__probe: deferred__")
    run_worker()
    pending = PendingReply.objects.get()
    assert pending.state == PendingReply.State.QUEUED and pending.run_after is not None
    assert texts(fake_wechat, wechat.push.openid) == []
    PendingReply.objects.update(run_after=None)  # its time has come
    deferred.enqueue(pending.push_key)
    run_worker()
    assert texts(fake_wechat, wechat.push.openid) == [f"deferred reply to {wechat.push.openid}"]


def test_work_of_a_worker_that_died_is_taken_back_and_finished(wechat, fake_wechat):
    wechat.send_text("__probe: deferred__")
    # A worker on this machine claimed it and died (its process is gone).
    dead = os.fork()
    if dead == 0:
        os._exit(0)
    os.waitpid(dead, 0)
    host = deferred.worker_id().split(":")[0]
    PendingReply.objects.update(state=PendingReply.State.RUNNING, owner=f"{host}:{dead}:1")
    assert deferred.sweep() == 1
    run_worker()
    assert len(texts(fake_wechat, wechat.push.openid)) == 1


def test_a_running_workers_work_is_left_alone(wechat, fake_wechat):
    wechat.send_text("__probe: deferred__")
    PendingReply.objects.update(state=PendingReply.State.RUNNING, owner=deferred.worker_id())
    assert deferred.sweep() == 0
    assert PendingReply.objects.get().state == PendingReply.State.RUNNING


def test_a_live_workers_long_task_is_left_alone_and_a_silent_machines_is_taken_back(wechat, fake_wechat):
    wechat.send_text("__probe: deferred__")
    long_ago = timezone.now() - timedelta(seconds=deferred.LEASE + 60)
    PendingReply.objects.update(state=PendingReply.State.RUNNING, owner=deferred.worker_id())
    PendingReply.objects.update(updated_at=long_ago)  # auto_now does not apply to update()
    assert deferred.sweep() == 0  # alive on this machine: still running, however long
    PendingReply.objects.update(owner="another-machine:4242:1")
    assert deferred.sweep() == 1  # no progress for the lease on another machine
