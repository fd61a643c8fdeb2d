# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Exactly once: WeChat's retries get the first reply, replays are refused.

WeChat re-sends a message it got no answer for within 5 s, unchanged (same
MsgId, or for events the same sender, time and fields), up to three times, and
a retry may reach another worker or machine. A captured push sent again (same
timestamp and nonce) is a replay.

Each push makes ONE round trip to the shared cache before its handler runs,
whatever its age: a single ``claim`` that adds the (timestamp, nonce) record
and, only if that was new, the message's record ("in progress"). Both are
atomic on the store (one SQL statement on the database cache, one Lua script on
Redis), so of any number of concurrent deliveries on any number of workers
exactly one gets ``NEW`` and runs the handler. Its reply is recorded after the
answer (``finish``), batched with others where the server allows it
(``wechat.afterwards``).
The others are:

- ``REPLAY``: the (timestamp, nonce) was used before: 403;
- ``DUPLICATE``: the message was claimed by an earlier delivery: it waits up to
  ``WECHAT_REPLY_BUDGET`` seconds for that delivery's reply, then answers it
  (``success`` if there is none yet).

A handler that overruns WeChat's 5 s (``wechat.webhook``) keeps its reply
marked *late*: a retry that finds it claims its delivery (``claim_delivery``)
and carries it as a passive reply, and otherwise the customer-service message
queued by ``wechat.deferred`` sends it once the retries are over. To give a slow
handler that chance, WeChat's first retry is held until WeChat gives up on it
(so that it sends its last one), and the last retry answers in time.

When the store does not answer, ``WECHAT_ON_STORE_OUTAGE`` decides: ``handle``
(the default) runs the handler without a claim (``UNCHECKED``; a retry reaching
another worker may run it again) so users still get answers; ``retry`` raises
``CacheUnavailable`` and WeChat gets a 503 and sends the push again later.
"""

import enum
import hashlib
import logging
import time

from django.core.cache import cache

from .afterwards import Batch
from .conf import app_settings
from .exceptions import CACHE_ERRORS, CacheUnavailable

logger = logging.getLogger("wechat.webhook")

IN_PROGRESS = "in-progress"  # the message record while its handler runs: "in-progress <claimed at>"
LATE = "late"  # a reply record (LATE, reply) made after WeChat gave up on the first delivery
POLL_EVERY = 0.05
NONCE_MARGIN = 60  # keep (timestamp, nonce) records this much longer than the timestamp window
PATIENCE = 5.0  # WeChat waits this long for an answer, then retries: at about 5 s and 10 s
LAST_RETRY_AFTER = 8.0  # a delivery this long after the first one is WeChat's last try


class Verdict(enum.Enum):
    NEW = "new"
    DUPLICATE = "duplicate"
    REPLAY = "replay"
    UNCHECKED = "unchecked"  # the store is down and WECHAT_ON_STORE_OUTAGE is "handle"


def _digest(raw):
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def message_key(fields):
    """The dedup key of a push, from its parsed fields; a fixed size whatever they hold.

    Messages are identified by MsgId (WeChat's advice). Events carry none: two
    events are the same push only when every field is the same (sender, time,
    Event, EventKey, and whatever else the event has).
    """
    if fields.get("MsgId") and fields.get("MsgType") != "event":
        return "wechat:push:" + _digest(f"{fields['ToUserName']}|{fields['MsgId']}")
    return "wechat:push:" + _digest(repr(sorted(fields.items())))


def replay_key(timestamp, nonce):
    return "wechat:nonce:" + _digest(f"{timestamp}|{nonce}")


def _claim_with_two_adds(guard, key, value, guard_timeout, timeout):
    """``claim`` for cache backends other than wechat.cache's (two round trips, not atomic together)."""
    if not cache.add(guard, 1, guard_timeout):
        return False, False
    return True, cache.add(key, value, timeout)


class Ledger:
    def __init__(self):
        # Reply records, written after the answer (wechat.afterwards): at once, or batched.
        self.replies = Batch(self._write)

    def claim(self, timestamp, nonce, key):
        """``(verdict, reply)``: ``reply`` is the first delivery's reply for a DUPLICATE, else None."""
        claim = getattr(cache, "claim", _claim_with_two_adds)
        nonce_ttl = (app_settings.TIMESTAMP_TOLERANCE or app_settings.DEDUP_TTL) + NONCE_MARGIN
        arrived = time.monotonic()
        try:
            fresh_nonce, fresh_message = claim(
                replay_key(timestamp, nonce), key, f"{IN_PROGRESS} {time.time()}", nonce_ttl, app_settings.DEDUP_TTL
            )
            if not fresh_nonce:
                return Verdict.REPLAY, None
            if fresh_message:
                return Verdict.NEW, None
            return Verdict.DUPLICATE, self._reply_for_retry(key, arrived)
        except CACHE_ERRORS as exc:
            return self._outage(exc)

    def finish(self, key, reply, late=False):
        """Keep a handled message's reply (bytes) for the retries that may come.

        WeChat retries a push 5 s after it, and a retry that finds the message
        still "in progress" waits for its reply, so the record is written after
        the answer, batched where the server allows it (``wechat.afterwards``).
        A late reply is written at once.
        """
        if late:
            self._write([(key, (LATE, reply))])
        else:
            self.replies.add((key, reply))

    def flush(self):
        """Write the batched reply records now."""
        self.replies.flush()

    def _write(self, records):
        try:
            if len(records) == 1:
                cache.set(*records[0], app_settings.DEDUP_TTL)
            else:
                cache.set_many(dict(records), app_settings.DEDUP_TTL)
        except CACHE_ERRORS as exc:
            logger.warning("Could not keep %d replies for WeChat's retries: %s", len(records), exc)

    def claim_delivery(self, key):
        """True for the one caller that delivers a late reply (a retry, or the customer-service message)."""
        try:
            return cache.add(f"{key}:delivered", 1, app_settings.DEDUP_TTL)
        except CACHE_ERRORS as exc:
            logger.warning("Shared cache unavailable (%s): delivering the late reply anyway", exc)
            return True

    def _reply_for_retry(self, key, arrived):
        self.flush()  # the first delivery may have been this process's, its record still in the batch
        value = cache.get(key)
        deadline = arrived + app_settings.REPLY_BUDGET
        if isinstance(value, str) and value.startswith(IN_PROGRESS) and not self._last_try(value):
            # Still running at WeChat's first retry: hold it until WeChat gives up on it and sends its
            # last one, which gives a slow handler until then to reply passively.
            deadline = max(deadline, arrived + PATIENCE + 0.5)
        while not (isinstance(value, (bytes, tuple)) or time.monotonic() >= deadline):
            time.sleep(POLL_EVERY)
            value = cache.get(key)
        if isinstance(value, tuple):  # a late reply: sent by whoever claims it first, while WeChat still listens
            in_time = time.monotonic() < arrived + PATIENCE - 0.2
            return value[1] if in_time and self.claim_delivery(key) else None
        return value if isinstance(value, bytes) else None

    def _last_try(self, marker):
        try:
            return time.time() - float(marker.split()[1]) >= LAST_RETRY_AFTER
        except (IndexError, ValueError):
            return True

    def _outage(self, exc):
        if app_settings.ON_STORE_OUTAGE == "retry":
            logger.warning("Shared cache unavailable (%s): answering 503 so that WeChat retries", exc)
            raise CacheUnavailable(f"the shared cache is unavailable: {exc.__class__.__name__}") from exc
        logger.warning("Shared cache unavailable (%s): handling the push without dedup", exc)
        return Verdict.UNCHECKED, None


ledger = Ledger()
