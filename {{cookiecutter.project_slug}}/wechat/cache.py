"""Cache backends that several worker processes (and machines) can share.

``DatabaseCache`` replaces Django's stock database cache, which is a trap for
dedup and token locks: its ``add()`` swallows ``DatabaseError`` (a locked
SQLite file then looks like "key exists" and a message is dropped), it evicts
live keys past ``MAX_ENTRIES``, and it counts the whole table on every write.
Here every write is one ``INSERT ... ON CONFLICT`` statement, errors reach the
caller, live keys are never evicted, and expired rows are deleted at most once
a minute per process.

``RedisCache`` is Django's own, keeping one client per process instead of
building a new one on every call.
"""

import pickle
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from .models import CacheEntry

TABLE = CacheEntry._meta.db_table
CULL_EVERY = 60.0
BATCH_ROWS = 250


class DatabaseCache(BaseCache):
    def __init__(self, location, params):
        super().__init__(params)
        if location not in ("", TABLE):
            raise ImproperlyConfigured(
                f"wechat.cache.DatabaseCache stores its rows in the '{TABLE}' table that "
                f"'manage.py migrate' creates; use CACHE_URL=dbcache://{TABLE}."
            )
        self._alias = params.get("OPTIONS", {}).get("DATABASE", "default")
        self._next_cull = 0.0

    # -- SQL -------------------------------------------------------------
    def _execute(self, sql, params=()):
        with connections[self._alias].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    def _fetch(self, sql, params):
        with connections[self._alias].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _upsert(self, rows, only_if_expired=False):
        """Insert rows of (key, value, expires); replace existing ones, or only expired ones."""
        values = ", ".join(["(%s, %s, %s)"] * len(rows))
        sql = (
            f"INSERT INTO {TABLE} (cache_key, value, expires) VALUES {values} "
            "ON CONFLICT (cache_key) DO UPDATE SET value = excluded.value, expires = excluded.expires"
        )
        params = [item for row in rows for item in row]
        if only_if_expired:
            sql += f" WHERE {TABLE}.expires IS NOT NULL AND {TABLE}.expires <= %s"
            params.append(time.time())
        written = self._execute(sql, params)
        self._cull()
        return written

    def _row(self, key, value, timeout):
        expires = self.get_backend_timeout(timeout)
        return (key, pickle.dumps(value, pickle.HIGHEST_PROTOCOL), expires)

    def _cull(self):
        now = time.time()
        if now >= self._next_cull:
            self._next_cull = now + CULL_EVERY
            self._execute(f"DELETE FROM {TABLE} WHERE expires <= %s", [now])

    def _live(self, keys):
        """{key: value} of the live entries among ``keys``."""
        placeholders = ", ".join(["%s"] * len(keys))
        rows = self._fetch(
            f"SELECT cache_key, value FROM {TABLE} WHERE cache_key IN ({placeholders}) "
            "AND (expires IS NULL OR expires > %s)",
            [*keys, time.time()],
        )
        return {key: pickle.loads(bytes(value)) for key, value in rows}

    # -- The cache API ---------------------------------------------------
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._upsert([self._row(key, value, timeout)], only_if_expired=True) > 0

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        self._upsert([self._row(key, value, timeout)])

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        rows = [
            self._row(self.make_and_validate_key(key, version=version), value, timeout) for key, value in data.items()
        ]
        for start in range(0, len(rows), BATCH_ROWS):
            self._upsert(rows[start : start + BATCH_ROWS])
        return []

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._live([key]).get(key, default)

    def get_many(self, keys, version=None):
        if not keys:
            return {}
        made = {self.make_and_validate_key(key, version=version): key for key in keys}
        return {made[key]: value for key, value in self._live(list(made)).items()}

    def has_key(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return key in self._live([key])

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        return (
            self._execute(
                f"UPDATE {TABLE} SET expires = %s WHERE cache_key = %s AND (expires IS NULL OR expires > %s)",
                [self.get_backend_timeout(timeout), key, time.time()],
            )
            > 0
        )

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._execute(f"DELETE FROM {TABLE} WHERE cache_key = %s", [key]) > 0

    def delete_many(self, keys, version=None):
        keys = [self.make_and_validate_key(key, version=version) for key in keys]
        if keys:
            placeholders = ", ".join(["%s"] * len(keys))
            self._execute(f"DELETE FROM {TABLE} WHERE cache_key IN ({placeholders})", keys)

    def clear(self):
        self._execute(f"DELETE FROM {TABLE}")


class PooledRedisCacheClient(RedisCacheClient):
    """Keeps one ``redis.Redis`` per connection pool for the life of the process."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledRedisCacheClient
