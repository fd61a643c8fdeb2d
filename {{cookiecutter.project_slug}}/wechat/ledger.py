"""Exactly once: WeChat's retries get the first reply, replays are refused.

WeChat re-sends a message it got no answer for within 5 s, unchanged (same
MsgId, or for events the same sender, time and fields), up to three times, and
a retry may reach another worker or machine. A captured push sent again (same
timestamp and nonce) is a replay.

Each push makes ONE round trip to the shared cache, whatever its age: a single
``claim`` that adds the (timestamp, nonce) record and, only if that was new,
the message's record ("in progress"). Both are atomic on the store (one SQL
statement on the database cache, one Lua script on Redis), so of any number of
concurrent deliveries on any number of workers exactly one gets ``NEW`` and
runs the handler. The others are:

- ``REPLAY``: the (timestamp, nonce) was used before: 403;
- ``DUPLICATE``: the message was claimed by an earlier delivery: it waits up to
  ``WECHAT_REPLY_BUDGET`` seconds for that delivery's reply, then answers it
  (``success`` if there is none yet).

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

from .conf import app_settings
from .exceptions import CACHE_ERRORS, CacheUnavailable

logger = logging.getLogger("wechat.webhook")

IN_PROGRESS = "in-progress"
POLL_EVERY = 0.05
NONCE_MARGIN = 60  # keep (timestamp, nonce) records this much longer than the timestamp window


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
    def claim(self, timestamp, nonce, key):
        """``(verdict, reply)``: ``reply`` is the first delivery's reply for a DUPLICATE, else None."""
        claim = getattr(cache, "claim", _claim_with_two_adds)
        nonce_ttl = (app_settings.TIMESTAMP_TOLERANCE or app_settings.DEDUP_TTL) + NONCE_MARGIN
        try:
            fresh_nonce, fresh_message = claim(
                replay_key(timestamp, nonce), key, IN_PROGRESS, nonce_ttl, app_settings.DEDUP_TTL
            )
            if not fresh_nonce:
                return Verdict.REPLAY, None
            if fresh_message:
                return Verdict.NEW, None
            return Verdict.DUPLICATE, self._wait_for_reply(key)
        except CACHE_ERRORS as exc:
            return self._outage(exc)

    def finish(self, key, reply):
        """Keep a handled message's reply (bytes) for the retries that may come."""
        try:
            cache.set(key, reply, app_settings.DEDUP_TTL)
        except CACHE_ERRORS as exc:
            logger.warning("Could not keep the reply for WeChat's retries: %s", exc)

    def _wait_for_reply(self, key):
        deadline = time.monotonic() + app_settings.REPLY_BUDGET
        while True:
            value = cache.get(key)
            if isinstance(value, bytes) or time.monotonic() >= deadline:
                return value if isinstance(value, bytes) else None
            time.sleep(POLL_EVERY)

    def _outage(self, exc):
        if app_settings.ON_STORE_OUTAGE == "retry":
            logger.warning("Shared cache unavailable (%s): answering 503 so that WeChat retries", exc)
            raise CacheUnavailable(f"the shared cache is unavailable: {exc.__class__.__name__}") from exc
        logger.warning("Shared cache unavailable (%s): handling the push without dedup", exc)
        return Verdict.UNCHECKED, None


ledger = Ledger()
