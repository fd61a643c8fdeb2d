"""WeChat retries a message it got no answer for: the handler runs once, every retry gets the same reply."""

import time
import uuid

from django.core.cache import cache

from wechat.ledger import Ledger, Verdict, nonce_key
from wechat.testing import PushBuilder

from . import probes


def test_retry_with_same_msgid_gets_same_reply_and_runs_handler_once(wechat_any_mode):
    fields = wechat_any_mode.push.text_fields("__probe: count runs__")
    runs_before = len(probes.runs)
    first = wechat_any_mode.send(fields)
    # A retry is a new request (new timestamp, nonce and signature) carrying the same message.
    retries = [wechat_any_mode.send(fields) for _ in range(3)]
    assert len(probes.runs) == runs_before + 1
    assert all(retry["Content"] == first["Content"] for retry in retries)


def test_late_retry_is_found_in_the_shared_cache(wechat):
    # Older than the fresh window: this worker must look in the shared cache.
    fields = wechat.push.text_fields("__probe: count runs__", create_time=int(time.time()) - 6)
    runs_before = len(probes.runs)
    first = wechat.send(fields)
    second = wechat.send(fields)
    assert len(probes.runs) == runs_before + 1
    assert second == first


def test_event_retry_is_deduplicated_by_sender_time_and_event(wechat):
    fields = wechat.push.event_fields("subscribe")
    first = wechat.send(fields)
    second = wechat.send(fields)
    assert first == second


def test_same_text_in_two_messages_runs_twice(wechat):
    runs_before = len(probes.runs)
    wechat.send_text("__probe: count runs__")
    wechat.send_text("__probe: count runs__")
    assert len(probes.runs) == runs_before + 2


# -- The ledger as two worker processes see it: two ledgers, one shared cache ------


def claim(ledger, push, fields):
    query = dict(part.split("=", 1) for part in push.sign(fields)[0].split("&"))
    return ledger.claim(query["timestamp"], query["nonce"], f"wechat:msg:{fields['MsgId']}", fields["CreateTime"])


def test_retry_on_another_worker_gets_the_first_workers_reply(db, wechat_settings):
    first_worker, second_worker = Ledger(), Ledger()
    push = PushBuilder("t")
    fields = push.text_fields("hi", create_time=int(time.time()) - 6)
    assert claim(first_worker, push, fields) == (Verdict.NEW, None)
    first_worker.finish(f"wechat:msg:{fields['MsgId']}", b"<xml>reply</xml>")
    assert claim(second_worker, push, fields) == (Verdict.DUPLICATE, b"<xml>reply</xml>")


def wait_for(predicate, seconds=3.0):
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()


def unique():
    """A message key and a nonce no other test (or earlier run on a shared Redis) used."""
    token = uuid.uuid4().hex
    return f"wechat:msg:{token}", token[:16]


def test_background_flusher_writes_records_to_the_shared_cache(transactional_db, wechat_settings):
    wechat_settings.WECHAT_DEDUP_FLUSH_INTERVAL = 0.05
    ledger = Ledger()
    key, nonce = unique()
    assert ledger.claim("1700000000", nonce, key, time.time())[0] == Verdict.NEW
    ledger.finish(key, b"reply")
    assert wait_for(lambda: cache.get(key) == b"reply")
    assert cache.get(nonce_key("1700000000", nonce)) == 1


def test_replay_on_another_worker_is_refused_once_records_are_shared(db, wechat_settings):
    first_worker, second_worker = Ledger(), Ledger()
    key, nonce = unique()
    old = time.time() - 30
    assert first_worker.claim("1700000000", nonce, key, old)[0] == Verdict.NEW
    assert second_worker.claim("1700000000", nonce, key, old)[0] == Verdict.REPLAY


def test_slow_handler_is_marked_in_progress_for_other_workers(transactional_db, wechat_settings):
    wechat_settings.WECHAT_DEDUP_FLUSH_INTERVAL = 0.05
    first_worker, second_worker = Ledger(), Ledger()
    key, nonce = unique()
    assert first_worker.claim("1700000000", nonce, key, time.time())[0] == Verdict.NEW
    # The handler is still running a second later: other workers must see it.
    assert wait_for(lambda: cache.get(key) == "in-progress")
    first_worker.finish(key, b"slow reply")
    # A retry reaching the second worker waits for the reply rather than running the handler again.
    verdict, reply = second_worker.claim("1700000001", nonce, key, time.time() - 6)
    assert (verdict, reply) == (Verdict.DUPLICATE, b"slow reply")


def test_a_clock_behind_wechats_does_not_let_retries_pass_for_fresh(db, wechat_settings):
    # This machine's clock runs 2.5 s behind WeChat's: pushes arrive "from the future".
    first_worker, second_worker = Ledger(), Ledger()
    key, nonce = unique()
    sent = time.time() + 2.5
    assert first_worker.claim("1700000000", nonce, key, sent)[0] == Verdict.NEW
    first_worker.finish(key, b"reply")
    other_key, other_nonce = unique()
    second_worker.claim("1700000000", other_nonce, other_key, time.time() + 2.5)  # it sees the lag too
    # WeChat's retry 5 s later looks only 2.5 s old here; it must still be recognised.
    retry = second_worker.claim("1700000005", nonce + "r", key, sent - 5)
    assert retry == (Verdict.DUPLICATE, b"reply")
