# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Per-user dicts kept in the shared cache, with an expiry.

``UserStore`` backs the conversation context of a WeChat user (``message.context``)
and the server-side session of a mini program user (``request.wechat_session``).
It behaves like a dict (``[]``, ``get``, ``in``, ``del``, ``pop``, ``keys``,
``items``, ``setdefault``, ``clear``, ...) and adds ``flush()``,
``set_expiry()``, ``get_expiry_age()`` and ``get_expiry_date()``.

It is read from the cache on first use and written back by ``save()`` only if
something changed (the webhook and the JWT decorator call ``save()`` for you).
A save writes only the keys *this* store added, changed (in-place changes
included) or removed, on top of what is stored by then, under a short lock: two
messages of one user changing different keys both keep their change; when they
change the same key, the later save wins.
"""

import contextlib
import datetime
import logging
import pickle
import time
from collections.abc import MutableMapping

from django.core.cache import cache
from django.utils import timezone

from .exceptions import CACHE_ERRORS, shared_cache

logger = logging.getLogger("wechat.store")

LOCK_TTL = 5
LOCK_WAIT = 2.0


def _pickled(value):
    return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


class UserStore(MutableMapping):
    def __init__(self, key, default_age):
        self.key = key
        self.default_age = default_age
        self._data = None  # loaded on first use
        self._snapshot = {}  # key -> pickled value, as loaded
        self._expiry = None  # None: default_age; ("age", seconds) or ("until", unix time)
        self._expiry_changed = False

    # -- Loading and saving -------------------------------------------------------
    @property
    def data(self):
        if self._data is None:
            try:
                stored = cache.get(self.key) or {}
            except CACHE_ERRORS as exc:
                # Carry on with an empty dict: a save later merges into whatever is stored then.
                logger.warning("Shared cache unavailable, %s starts empty: %s", self.key, exc.__class__.__name__)
                stored = {}
            self._data = dict(stored.get("data", {}))
            self._snapshot = {key: _pickled(value) for key, value in self._data.items()}
            if not self._expiry_changed:
                self._expiry = stored.get("expiry")
        return self._data

    def load(self):
        """Read the stored data now (for an async view, which must not read the cache itself)."""
        self.data  # noqa: B018

    @property
    def accessed(self):
        return self._data is not None or self._expiry_changed

    def _changes(self):
        data = self.data
        changed = {key: value for key, value in data.items() if self._snapshot.get(key) != _pickled(value)}
        removed = set(self._snapshot) - set(data)
        return changed, removed

    def save(self):
        """Write this store's changes to the cache; nothing at all if it was never used or changed."""
        if not self.accessed:
            return
        changed, removed = self._changes()
        if not (changed or removed or self._expiry_changed):
            return
        with shared_cache(), self._locked():
            stored = cache.get(self.key) or {}
            merged = {**stored.get("data", {}), **changed}
            for key in removed:
                merged.pop(key, None)
            expiry = self._expiry if self._expiry_changed else stored.get("expiry")
            if merged:
                cache.set(self.key, {"data": merged, "expiry": expiry}, self._timeout(expiry))
            else:
                cache.delete(self.key)
        self._data = merged
        self._snapshot = {key: _pickled(value) for key, value in merged.items()}
        self._expiry, self._expiry_changed = expiry, False

    def flush(self):
        """Delete everything stored for this user, now."""
        with shared_cache():
            cache.delete(self.key)
        self._data, self._snapshot = {}, {}
        self._expiry, self._expiry_changed = None, False

    @contextlib.contextmanager
    def _locked(self):
        lock = self.key + ":lock"
        deadline = time.monotonic() + LOCK_WAIT
        while not (held := cache.add(lock, 1, LOCK_TTL)) and time.monotonic() < deadline:
            time.sleep(0.01)
        if not held:
            logger.warning("Saving %s without its lock (another save is stuck)", self.key)
        try:
            yield
        finally:
            if held:
                cache.delete(lock)

    # -- Expiry (seed 003's API) ------------------------------------------------------
    def set_expiry(self, value):
        """Seconds of inactivity (int), a fixed moment (datetime or timedelta), or None for the default."""
        if value is None:
            self._expiry = None
        elif isinstance(value, datetime.datetime):
            self._expiry = ("until", value.timestamp())
        elif isinstance(value, datetime.timedelta):
            self._expiry = ("until", time.time() + value.total_seconds())
        else:
            self._expiry = ("age", int(value))
        self._expiry_changed = True

    def get_expiry_age(self):
        """Seconds until this store expires (counted from now, as saving now would)."""
        self.data  # noqa: B018  (load the stored expiry)
        return max(0, int(self._timeout(self._expiry)))

    def get_expiry_date(self):
        return timezone.now() + datetime.timedelta(seconds=self.get_expiry_age())

    def _timeout(self, expiry):
        if expiry is None:
            return self.default_age
        kind, value = expiry
        return value - time.time() if kind == "until" else value

    # -- The dict ---------------------------------------------------------------------
    def __getitem__(self, key):
        return self.data[key]

    def __setitem__(self, key, value):
        self.data[key] = value

    def __delitem__(self, key):
        del self.data[key]

    def __iter__(self):
        return iter(self.data)

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        return f"<UserStore {self.key} {self.data!r}>"
