"""Exactly once: WeChat's retries get the first reply and run nothing, replays are refused."""

import threading
import time
import uuid
from urllib.parse import parse_qsl

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wechat import afterwards
from wechat.cache import DatabaseCache
from wechat.ledger import IN_PROGRESS, LAST_RETRY_AFTER, PATIENCE, Ledger, Verdict, message_key, replay_key

from . import probes


def test_retry_with_same_msgid_gets_same_reply_and_runs_handler_once(wechat_any_mode):
    fields = wechat_any_mode.push.text_fields("__probe: count runs__")
    runs_before = len(probes.runs)
    first = wechat_any_mode.send(fields)
    # A retry is a new request (new timestamp, nonce and signature) carrying the same message.
    retries = [wechat_any_mode.send(fields) for _ in range(3)]
    assert len(probes.runs) == runs_before + 1
    assert all(retry["Content"] == first["Content"] for retry in retries)


def test_a_retry_long_after_the_first_delivery_is_still_recognised(wechat):
    fields = wechat.push.text_fields("__probe: count runs__", create_time=int(time.time()) - 12)
    runs_before = len(probes.runs)
    first = wechat.send(fields)
    assert wechat.send(fields) == first
    assert len(probes.runs) == runs_before + 1


def test_event_retry_runs_the_handler_once(wechat):
    fields = wechat.push.event_fields("CLICK", "MENU_A")
    runs_before = len(probes.runs)
    first = wechat.send(fields)
    assert wechat.send(fields) == first
    assert len(probes.runs) == runs_before + 1


def test_two_clicks_of_one_user_in_one_second_are_two_pushes(wechat):
    now = int(time.time())
    first = wechat.send(wechat.push.event_fields("CLICK", "MENU_A", create_time=now))
    second = wechat.send(wechat.push.event_fields("CLICK", "MENU_B", create_time=now))
    assert (first["Content"], second["Content"]) == ("clicked MENU_A", "clicked MENU_B")


def test_same_text_in_two_messages_runs_twice(wechat):
    runs_before = len(probes.runs)
    wechat.send_text("__probe: count runs__")
    wechat.send_text("__probe: count runs__")
    assert len(probes.runs) == runs_before + 2


def test_a_replayed_nonce_carrying_another_message_claims_nothing(wechat):
    # Plain mode signs only (token, timestamp, nonce): a captured query can carry a forged body.
    genuine = wechat.push.text_fields("__probe: count runs__")
    query, body = wechat.push.sign(genuine)
    assert wechat.post(query, body).status_code == 200
    forged = wechat.push.text_fields("__probe: count runs__")
    _, forged_body = wechat.push.sign(forged)
    assert wechat.post(query, forged_body).status_code == 403
    # When WeChat later delivers the message the forger used, it runs as new.
    runs_before = len(probes.runs)
    assert wechat.send(forged)["Content"].startswith("run ")
    assert len(probes.runs) == runs_before + 1


def test_message_keys_have_a_fixed_size_whatever_the_fields_hold():
    long_event = {"ToUserName": "gh", "FromUserName": "o", "CreateTime": "1", "MsgType": "event", "Event": "x" * 5000}
    text = {"ToUserName": "gh", "FromUserName": "o", "CreateTime": "1", "MsgType": "text", "MsgId": "9" * 20}
    assert len(message_key(long_event)) == len(message_key(text)) == len(message_key({**text, "MsgId": "1"}))


def test_a_push_is_claimed_in_one_round_trip_to_the_shared_store(wechat):
    wechat.send_text("warm up")  # the first write of a process may also delete expired rows (once a minute)
    fields = wechat.push.text_fields("__probe: count runs__")
    query, body = wechat.push.sign(fields)
    if isinstance(caches["default"], DatabaseCache):
        with CaptureQueriesContext(connection) as queries:
            assert wechat.post(query, body).status_code == 200
        statements = [query["sql"] for query in queries if "wechat_cache" in query["sql"]]
        assert len(statements) == 2, statements  # the claim, and keeping the reply for retries
        assert "RETURNING" in statements[0]
        logged = [query["sql"] for query in queries if "wechat_messagelog" in query["sql"]]
        assert len(logged) == 1, logged  # and the message log's row
        return
    # Redis: watch every command sent to the server that touches this push's records.
    params = dict(parse_qsl(query))
    ours = (replay_key(params["timestamp"], params["nonce"]), message_key({k: str(v) for k, v in fields.items()}))
    redis = caches["default"]._cache.get_client(write=True)
    with redis.monitor() as monitor:
        assert wechat.post(query, body).status_code == 200
        redis.set("test:monitor:end", 1)  # the last line to read
        commands = []
        for command in monitor.listen():
            if "test:monitor:end" in command["command"]:
                break
            if command.get("client_type") != "lua" and any(key in command["command"] for key in ours):
                commands.append(command["command"].split()[0])
    assert commands == ["EVALSHA", "SET"]  # the claim, and keeping the reply for retries


# -- The ledger as concurrent workers see it: every claim goes to the shared store ------


def unique_key():
    return message_key({"ToUserName": "gh", "MsgType": "text", "MsgId": str(time.time_ns())})


def nonce():
    """A nonce no earlier test (or earlier run on a shared Redis) used."""
    return uuid.uuid4().hex


def test_a_duplicate_waits_for_the_first_deliverys_reply(transactional_db, wechat_settings):
    key, ledger = unique_key(), Ledger()
    assert ledger.claim("1700000000", nonce(), key) == (Verdict.NEW, None)
    finisher = threading.Timer(0.3, ledger.finish, args=(key, b"<xml>late reply</xml>"))
    finisher.start()
    started = time.monotonic()
    verdict, reply = ledger.claim("1700000001", nonce(), key)
    finisher.join()
    assert (verdict, reply) == (Verdict.DUPLICATE, b"<xml>late reply</xml>")
    assert 0.25 < time.monotonic() - started < 2


def test_wechats_last_retry_gets_success_within_the_budget(db, wechat_settings):
    wechat_settings.WECHAT_REPLY_BUDGET = 0.3
    key, ledger = unique_key(), Ledger()
    cache.set(key, f"{IN_PROGRESS} {time.time() - LAST_RETRY_AFTER}")  # claimed at WeChat's first try
    started = time.monotonic()
    assert ledger.claim("1700000001", nonce(), key) == (Verdict.DUPLICATE, None)
    assert time.monotonic() - started < 1


def test_wechats_first_retry_is_held_until_wechat_tries_again(db, wechat_settings):
    # The handler still runs at the first retry: answering success would stop WeChat's retries, and
    # with them the chance to carry the reply passively (the only way for accounts without the
    # customer-service API). Held past WeChat's patience, the retry makes WeChat send its last one.
    key, ledger = unique_key(), Ledger()
    assert ledger.claim("1700000000", nonce(), key)[0] == Verdict.NEW
    started = time.monotonic()
    assert ledger.claim("1700000001", nonce(), key) == (Verdict.DUPLICATE, None)
    assert PATIENCE < time.monotonic() - started < PATIENCE + 1.5
    assert cache.get(key).startswith(IN_PROGRESS)  # the first delivery still owns it


def test_a_late_reply_is_delivered_by_one_retry_only(db, wechat_settings):
    key, ledger = unique_key(), Ledger()
    assert ledger.claim("1700000000", nonce(), key)[0] == Verdict.NEW
    ledger.finish(key, b"<xml>late</xml>", late=True)
    assert ledger.claim("1700000001", nonce(), key) == (Verdict.DUPLICATE, b"<xml>late</xml>")
    assert ledger.claim("1700000002", nonce(), key) == (Verdict.DUPLICATE, None)  # already carried
    assert not ledger.claim_delivery(key)  # so the customer-service message is not sent


def test_a_replay_is_refused_before_the_message_is_looked_at(db, wechat_settings):
    key, ledger, used = unique_key(), Ledger(), nonce()
    assert ledger.claim("1700000000", used, key)[0] == Verdict.NEW
    assert ledger.claim("1700000000", used, unique_key()) == (Verdict.REPLAY, None)
    assert cache.get(replay_key("1700000000", used)) == 1


def test_concurrent_deliveries_of_one_message_claim_it_once(transactional_db, wechat_settings):
    key, ledger, verdicts = unique_key(), Ledger(), []
    start = threading.Barrier(8)

    def deliver():
        start.wait()
        try:
            verdict = ledger.claim("1700000000", nonce(), key)[0]
            verdicts.append(verdict)
            if verdict == Verdict.NEW:
                ledger.finish(key, b"<xml>reply</xml>")  # the others, waiting, get it
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(verdict.value for verdict in verdicts) == ["duplicate"] * 7 + ["new"]


# -- The shared store down: WECHAT_ON_STORE_OUTAGE decides ------------------------------


def test_store_outage_handles_the_push_by_default(wechat, broken_cache):
    started = time.monotonic()
    reply = wechat.send_text("__probe: count runs__")
    assert reply["Content"].startswith("run ") and time.monotonic() - started < 2


def test_store_outage_can_ask_wechat_to_retry(wechat, broken_cache, wechat_settings):
    wechat_settings.WECHAT_ON_STORE_OUTAGE = "retry"
    runs_before = len(probes.runs)
    response = wechat.deliver(wechat.push.text_fields("__probe: count runs__"))
    assert response.status_code == 503 and b"retry" in response.content
    assert len(probes.runs) == runs_before


# -- Reply records batched after the answer (the project's gunicorn worker) ------------


@pytest.fixture
def batching(monkeypatch):
    """Batching on, as under the project's gunicorn worker (which flushes when idle)."""
    monkeypatch.setitem(afterwards._state, "on", True)
    yield
    afterwards.flush_all()


def test_batched_reply_records_wait_until_the_process_flushes_them(db, wechat_settings, batching):
    ledger = Ledger()
    keys = [unique_key() for _ in range(3)]
    for key in keys:
        assert ledger.claim("1700000000", nonce(), key)[0] == Verdict.NEW
        ledger.finish(key, b"<xml>" + key.encode() + b"</xml>")
    assert len(ledger.replies) == 3
    assert all(cache.get(key).startswith(IN_PROGRESS) for key in keys)  # not written yet
    afterwards.flush_due()  # young and short: not due
    assert len(ledger.replies) == 3
    afterwards.flush_all()  # what the worker does when it goes idle
    assert len(ledger.replies) == 0
    assert [cache.get(key) for key in keys] == [b"<xml>" + key.encode() + b"</xml>" for key in keys]


def test_a_batch_is_written_once_it_is_long_or_old_enough(db, wechat_settings, batching, monkeypatch):
    ledger = Ledger()
    monkeypatch.setattr(afterwards, "BATCH_ROWS", 2)
    first, second = unique_key(), unique_key()
    ledger.finish(first, b"<xml>1</xml>")
    afterwards.flush_due()
    assert cache.get(first) is None
    ledger.finish(second, b"<xml>2</xml>")
    afterwards.flush_due()
    assert (cache.get(first), cache.get(second)) == (b"<xml>1</xml>", b"<xml>2</xml>")
    monkeypatch.setattr(afterwards, "BATCH_AGE", 0.2)
    third = unique_key()
    ledger.finish(third, b"<xml>3</xml>")
    afterwards.flush_due()
    assert cache.get(third) is None
    time.sleep(0.25)
    afterwards.flush_due()
    assert cache.get(third) == b"<xml>3</xml>"


def test_a_retry_reaching_the_process_that_holds_the_reply_gets_it_at_once(db, wechat_settings, batching):
    key, ledger = unique_key(), Ledger()
    assert ledger.claim("1700000000", nonce(), key)[0] == Verdict.NEW
    ledger.finish(key, b"<xml>batched</xml>")
    started = time.monotonic()
    assert ledger.claim("1700000001", nonce(), key) == (Verdict.DUPLICATE, b"<xml>batched</xml>")
    assert time.monotonic() - started < 1


def test_late_replies_are_written_at_once_even_when_batching(db, wechat_settings, batching):
    key, ledger = unique_key(), Ledger()
    assert ledger.claim("1700000000", nonce(), key)[0] == Verdict.NEW
    ledger.finish(key, b"<xml>late</xml>", late=True)
    assert len(ledger.replies) == 0
    assert cache.get(key) == ("late", b"<xml>late</xml>")


def test_a_batch_that_cannot_be_written_is_logged_and_dropped(db, wechat_settings, batching, caplog):
    def broken(items):
        raise RuntimeError("store gone")

    batch = afterwards.Batch(broken)
    batch.add("item")
    afterwards.flush_all()  # the worker's idle flush survives it
    assert len(batch) == 0
    assert "Could not write 1 batched item(s)" in caplog.text
