# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""The access_token and the JSSDK jsapi_ticket, shared by every process and machine.

``access_token``, ``miniprogram_access_token`` and ``jsapi_ticket`` are ``SharedCredential``
objects: ``.get()`` returns the current value. ``wechat.client`` builds on them (this module
never imports the client: the jsapi_ticket is fetched with ``wechat.api.call_with_token``).

Each credential lives in the Django cache with its expiry. When it is missing
or close to expiring, exactly one process refreshes it: the lock is a
``cache.add`` (atomic on the database cache and on Redis), and the cache is
read again once the lock is held, so a process that waited finds the fresh
value instead of fetching another one. The others wait briefly and reuse it.

The token comes from ``cgi-bin/stable_token`` by default: it does not
invalidate the token other workers are still using. Set
``WECHAT_STABLE_TOKEN = False`` for the classic ``cgi-bin/token``.

Forced refreshes are rationed. When WeChat refuses a token (40001, 40014,
42001) the client calls ``refresh(stale, rejected=True)``, which makes
``stable_token`` issue a new token (``force_refresh``) and invalidate the old
one. WeChat allows 20 of those a day, at least 30 s apart, so a refusal storm
(every request refused, every request forcing a refresh) would burn the day's
quota in a second. Instead, per credential and for every process and machine:

- The last forced refresh is recorded in the shared cache next to the
  credential (``<key>:forced`` = ``{"at", "interval"}``). It is read and written
  under the refresh lock, *before* WeChat is called, so a forced refresh that
  fails or times out counts too.
- The next forced refresh is allowed ``interval`` seconds later. A refusal of
  the current value before then is not refreshed again: the caller gets
  ``WeChatUnavailable`` saying when the next one is allowed (views answer 503).
  A refusal of a value another process has already replaced just gets the new
  value, with no refresh at all.
- The interval is 60 s after a first forced refresh and doubles, up to 2 hours,
  with each forced refresh that comes within twice the previous interval, that
  is while WeChat keeps refusing freshly forced values. The record expires twice
  its interval after the last forced refresh: after such a quiet period the next
  refusal is refreshed at once and the interval starts again at 60 s. A storm
  lasting a whole day costs 18 forced refreshes (at 0, 1, 3, 7, 15, 31, 63 and
  127 minutes, then every 2 hours); a real expiry or revocation in quiet times
  costs one, at once.
"""

import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

from .api import call_api, call_with_token
from .conf import app_settings
from .exceptions import WeChatUnavailable, shared_cache

logger = logging.getLogger("wechat.api")

REFRESH_MARGIN = 300  # refresh this many seconds before WeChat's expiry
REFETCH_AFTER = 60  # inside that margin, fetch again at most this often
POLL_EVERY = 0.05
FORCED_REFRESH_INTERVAL = 60  # after a forced refresh, the next one waits at least this long...
FORCED_REFRESH_MAX_INTERVAL = 7200  # ...doubling up to this while WeChat keeps refusing fresh values


def official_account() -> tuple[str, str]:
    """(app id, secret) of the official account."""
    return app_settings.APP_ID, app_settings.APP_SECRET


def mini_program() -> tuple[str, str]:
    """(app id, secret) of the mini program."""
    return app_settings.MINIPROGRAM_APP_ID, app_settings.MINIPROGRAM_APP_SECRET


class SharedCredential:
    """One app's credential (``app`` returns its id and secret), fetched by ``fetch(app_id, secret, force)``."""

    def __init__(self, name: str, app: Callable[[], tuple[str, str]], fetch: Callable[..., tuple[str, int]]) -> None:
        self.name = name
        self.app = app
        self._fetch = fetch

    @property
    def _key(self) -> str:
        # Per API base too: a token from the fake server is no use against WeChat's.
        base = hashlib.sha1(app_settings.API_BASE_URL.encode()).hexdigest()[:8]
        return f"wechat:{self.name}:{self.app()[0]}:{base}"

    def peek(self) -> dict[str, Any] | None:
        """``{"value", "expires_at"}`` as cached, without fetching; None if missing."""
        with shared_cache():
            return cache.get(self._key)

    def get(self) -> str:
        entry = self.peek()
        if self._usable(entry, stale=None):
            return entry["value"]
        return self.refresh(stale=entry["value"] if entry and entry["expires_at"] <= time.time() else None)

    def refresh(self, stale: str | None = None, rejected: bool = False) -> str:
        """A value other than ``stale``: fetched here, or by the process that held the lock.

        ``rejected``: WeChat refused ``stale`` (40001 and friends), so ask for a
        new value even if WeChat would still hand out the current one; at most
        one such forced refresh per interval (see the module's docstring), else
        WeChatUnavailable.
        """
        lock_key = self._key + ":lock"
        owner = uuid.uuid4().hex
        lock_ttl = int(app_settings.API_TIMEOUT * 2) + 1  # a fetch is at most two calls (token, ticket)
        deadline = time.monotonic() + lock_ttl
        while True:
            with shared_cache():
                locked = cache.add(lock_key, owner, lock_ttl)
            if locked:
                try:
                    entry = self.peek()  # another process may have refreshed while we waited
                    if self._usable(entry, stale):
                        return entry["value"]
                    if rejected:
                        self._ration_forced_refresh()
                    return self._store(*self._fetch(*self.app(), force=rejected))
                finally:
                    with shared_cache():
                        if cache.get(lock_key) == owner:
                            cache.delete(lock_key)
            entry = self.peek()
            if self._usable(entry, stale):
                return entry["value"]
            if time.monotonic() > deadline:
                raise WeChatUnavailable(f"timed out waiting for another process to refresh the {self.name}")
            time.sleep(POLL_EVERY)

    def _ration_forced_refresh(self):
        """Record the forced refresh about to happen, or raise WeChatUnavailable if it comes too soon.

        Called with the refresh lock held: one decision at a time for every process.
        """
        key = self._key + ":forced"
        now = time.time()
        with shared_cache():
            last = cache.get(key)
        if last:
            elapsed = now - last["at"]
            if elapsed < last["interval"]:
                raise WeChatUnavailable(
                    f"not forcing another {self.name} refresh: the last one was {max(elapsed, 0):.0f} s ago "
                    f"and the next is allowed in {last['interval'] - elapsed:.0f} s "
                    "(WeChat allows 20 forced refreshes a day)"
                )
            interval = min(last["interval"] * 2, FORCED_REFRESH_MAX_INTERVAL)  # still refusing: back off
        else:
            interval = FORCED_REFRESH_INTERVAL
        with shared_cache():
            cache.set(key, {"at": now, "interval": interval}, interval * 2)  # forgotten after a quiet period
        logger.warning("Forcing a new %s; the next forced refresh waits at least %s s", self.name, interval)

    def _usable(self, entry, stale):
        if not entry or entry["value"] == stale:
            return False
        left = entry["expires_at"] - time.time()
        # Inside the margin WeChat may keep handing out the same value: ask at most once a minute.
        return left > REFRESH_MARGIN or (left > 0 and time.time() - entry.get("fetched_at", 0) < REFETCH_AFTER)

    def _store(self, value, expires_in):
        expires_in = int(expires_in)
        now = time.time()
        with shared_cache():
            cache.set(self._key, {"value": value, "expires_at": now + expires_in, "fetched_at": now}, expires_in)
        logger.info("Fetched a new %s (valid %s s)", self.name, expires_in)
        return value


def _fetch_access_token(app_id, secret, force=False):
    credentials = {"grant_type": "client_credential", "appid": app_id, "secret": secret}
    if app_settings.STABLE_TOKEN:
        result = call_api("POST", "cgi-bin/stable_token", json={**credentials, "force_refresh": force})
    else:
        result = call_api("GET", "cgi-bin/token", params=credentials)
    return result["access_token"], result.get("expires_in", 7200)


def _fetch_jsapi_ticket(app_id, secret, force=False):
    def get_ticket(token):
        return call_api("GET", "cgi-bin/ticket/getticket", params={"access_token": token, "type": "jsapi"})

    result = call_with_token(access_token, get_ticket)  # a refused token: refreshed once, asked once more
    return result["ticket"], result.get("expires_in", 7200)


access_token = SharedCredential("access_token", official_account, _fetch_access_token)
jsapi_ticket = SharedCredential("jsapi_ticket", official_account, _fetch_jsapi_ticket)
miniprogram_access_token = SharedCredential("access_token", mini_program, _fetch_access_token)
