"""Retry dedup and replay protection for the webhook, kept off the hot path.

WeChat re-sends a message it got no answer for within 5 s, unchanged (same
MsgId, same CreateTime), up to three times, and a retry may reach another
worker or machine. A captured push sent again (same timestamp and nonce) is a
replay and is refused.

Every claimed (timestamp, nonce) pair and every handled message's reply is
remembered in this process at once and written to the shared cache in batches
by a background thread, every ``WECHAT_DEDUP_FLUSH_INTERVAL`` seconds (0 writes
each record at once). The shared cache is *read* only for messages older than
``WECHAT_DEDUP_FRESH_SECONDS``: a younger message cannot be one of WeChat's
retries, so the common path makes no round trip to the shared store at all.
A handler still running after ``MARK_SLOW_AFTER`` seconds is marked "in
progress" in the shared cache, so that a retry reaching another worker waits
for its reply instead of running the handler a second time.

Within the fresh window a worker recognises the replays it saw itself; set
``WECHAT_DEDUP_FRESH_SECONDS = 0`` to consult the shared store for every push.
"""

import atexit
import collections
import hashlib
import logging
import os
import threading
import time

from django.core.cache import caches
from django.db import connections

from .conf import app_settings

logger = logging.getLogger("wechat.webhook")

IN_PROGRESS = "in-progress"
MARK_SLOW_AFTER = 1.0
SLOW_CHECK_EVERY = 0.2
REPLY_WAIT = 4.0
POLL_EVERY = 0.05
LOCAL_MARGIN = 10.0


class Verdict:
    NEW = "new"
    REPLAY = "replay"
    DUPLICATE = "duplicate"


def message_key(message):
    """WeChat's advice: MsgId for messages, FromUserName + CreateTime + Event for events."""
    msg_id = getattr(message, "id", None)
    if msg_id and message.type != "event":
        return f"wechat:msg:{msg_id}"
    raw = f"{message.source}|{message._data.get('CreateTime', '')}|{message._data.get('Event', '')}"
    return "wechat:evt:" + hashlib.sha1(raw.encode()).hexdigest()


def nonce_key(timestamp, nonce):
    return f"wechat:nonce:{timestamp}:{nonce}"


class LocalMemory:
    """Keys this process saw recently, expiring in insertion order."""

    def __init__(self):
        self._values = {}
        self._order = collections.deque()

    def get(self, key):
        return self._values.get(key)

    def __contains__(self, key):
        return key in self._values

    def put(self, key, value, ttl):
        now = time.monotonic()
        if key not in self._values:
            self._order.append((now + ttl, key))
        self._values[key] = value
        while self._order and self._order[0][0] <= now:
            self._values.pop(self._order.popleft()[1], None)


class Ledger:
    """Remembers pushes and replies here and in the shared cache (see module docs)."""

    def __init__(self, cache_alias="default"):
        self._alias = cache_alias
        self._local = LocalMemory()
        self._lock = threading.Lock()
        self._pending = {}  # key -> (value, ttl), waiting for the next flush
        self._in_flight = {}  # message key -> monotonic start
        self._pid = None
        self._clock_lag = 0.0  # seconds this machine's clock was seen behind WeChat's

    @property
    def _cache(self):
        return caches[self._alias]

    # -- The webhook's calls ------------------------------------------------
    def claim(self, timestamp, nonce, key, create_time):
        """Decide whether a push is new, a replay, or a retry of a handled message.

        Returns ``(Verdict.NEW, None)``, ``(Verdict.REPLAY, None)`` or
        ``(Verdict.DUPLICATE, reply)``, ``reply`` being the stored reply body
        (``None`` when the first delivery's handler has not finished in time).
        """
        n_key = nonce_key(timestamp, nonce)
        fresh = self._is_fresh(create_time)
        with self._lock:
            if n_key in self._local:
                return Verdict.REPLAY, None
            self._local.put(n_key, 1, self._local_ttl())
            local = self._local.get(key)
            if local is None and fresh:
                self._reserve(key)
        if local is not None:
            verdict, reply = Verdict.DUPLICATE, self._wait_local(key)
        elif fresh:
            verdict, reply = Verdict.NEW, None
        else:
            verdict, reply = self._claim_shared(n_key, key)
        with self._lock:
            self._queue(n_key, 1, self._nonce_ttl())
            if verdict == Verdict.NEW and not fresh:
                self._reserve(key)
            elif isinstance(reply, bytes):
                self._local.put(key, reply, self._local_ttl())
        self._after_queue()
        return verdict, reply

    def finish(self, key, reply):
        """Keep a handled message's reply (bytes) for the retries that may come."""
        with self._lock:
            self._local.put(key, reply, self._local_ttl())
            self._in_flight.pop(key, None)
            self._queue(key, reply, app_settings.DEDUP_TTL)
        self._after_queue()

    # -- Records ------------------------------------------------------------
    def _reserve(self, key):
        self._local.put(key, IN_PROGRESS, self._local_ttl())
        self._in_flight[key] = time.monotonic()

    def _queue(self, key, value, ttl):
        self._pending[key] = (value, ttl)

    def _after_queue(self):
        if app_settings.DEDUP_FLUSH_INTERVAL <= 0:
            self.flush()
        self._ensure_flusher()  # it also marks slow handlers, whatever the interval

    def _claim_shared(self, n_key, key):
        try:
            found = self._cache.get_many([n_key, key])
            if n_key in found:
                return Verdict.REPLAY, None
            if key not in found and self._cache.add(key, IN_PROGRESS, app_settings.DEDUP_TTL):
                return Verdict.NEW, None
            return Verdict.DUPLICATE, self._wait_shared(key, found.get(key))
        except Exception:
            # A store outage must not cost the user the message: handle it.
            logger.exception("Shared cache unavailable for dedup; handling the message anyway")
            return Verdict.NEW, None

    def _wait_shared(self, key, value):
        deadline = time.monotonic() + REPLY_WAIT
        while not isinstance(value, bytes) and time.monotonic() < deadline:
            time.sleep(POLL_EVERY)
            value = self._cache.get(key)
        return value if isinstance(value, bytes) else None

    def _wait_local(self, key):
        deadline = time.monotonic() + REPLY_WAIT
        value = self._local.get(key)
        while value == IN_PROGRESS and time.monotonic() < deadline:
            time.sleep(POLL_EVERY)
            value = self._local.get(key)
        return value if isinstance(value, bytes) else None

    def flush(self):
        """Write queued records and mark slow in-flight handlers; the flusher's job."""
        with self._lock:
            pending, self._pending = self._pending, {}
            now = time.monotonic()
            slow = [key for key, started in self._in_flight.items() if now - started >= MARK_SLOW_AFTER]
            for key in slow:
                self._in_flight[key] = float("inf")  # mark once
        self._write(pending)
        for key in slow:
            self._safely(self._cache.add, key, IN_PROGRESS, app_settings.DEDUP_TTL)

    def _write(self, records):
        by_ttl = collections.defaultdict(dict)
        for key, (value, ttl) in records.items():
            by_ttl[ttl][key] = value
        for ttl, batch in by_ttl.items():
            self._safely(self._cache.set_many, batch, ttl)

    def _safely(self, call, *args):
        try:
            call(*args)
        except Exception:
            logger.exception("Could not write dedup records to the shared cache")

    def _ensure_flusher(self):
        if self._pid == os.getpid():
            return
        self._pid = os.getpid()  # a forked worker starts its own thread
        threading.Thread(target=self._flush_forever, name="wechat-ledger", daemon=True).start()
        atexit.register(self.flush)

    def _flush_forever(self):
        while True:
            time.sleep(app_settings.DEDUP_FLUSH_INTERVAL or SLOW_CHECK_EVERY)
            busy = bool(self._pending or self._in_flight)
            self.flush()
            if not busy:
                connections.close_all()  # this thread's own; reopened when traffic returns

    # -- Windows ------------------------------------------------------------
    def _is_fresh(self, create_time):
        """True when the message is too young to be one of WeChat's retries.

        A clock running behind WeChat's makes messages look younger, and a
        retry could then pass for fresh: the largest lag seen (a CreateTime in
        our future) shrinks the window by as much, for the life of the process.
        """
        window = app_settings.DEDUP_FRESH_SECONDS
        age = time.time() - create_time
        if age < 0:
            self._clock_lag = max(self._clock_lag, -age)
        return window > 0 and -1.0 <= age <= window - self._clock_lag

    def _local_ttl(self):
        return app_settings.DEDUP_FRESH_SECONDS + LOCAL_MARGIN

    def _nonce_ttl(self):
        return (app_settings.TIMESTAMP_TOLERANCE or app_settings.DEDUP_TTL) + LOCAL_MARGIN


ledger = Ledger()
