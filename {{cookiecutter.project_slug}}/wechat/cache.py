# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
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

Both add ``claim(guard, key, value, ...)``, the webhook's one round trip per
push (see ``wechat.ledger``), and both fail fast for ``OUTAGE_PAUSE`` seconds
after the store stopped answering (a circuit breaker): a stalled Redis or a
locked SQLite file costs one timeout, then quick errors, until it answers again.
"""

import contextlib
import functools
import pickle
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.core.exceptions import ImproperlyConfigured
from django.db import InterfaceError, OperationalError, connections

from .models import CacheEntry

TABLE = CacheEntry._meta.db_table
CULL_EVERY = 60.0
BATCH_ROWS = 250
OUTAGE_PAUSE = 2.0  # seconds of quick errors after the store failed to answer
PICKLE = pickle.HIGHEST_PROTOCOL
PICKLED_TRUE = pickle.dumps(1, PICKLE)
CLAIM_SQL = (
    f"INSERT INTO {TABLE} (cache_key, value, expires) VALUES (%s, %s, %s), (%s, %s, %s) "
    "ON CONFLICT (cache_key) DO UPDATE SET value = excluded.value, expires = excluded.expires "
    f"WHERE {TABLE}.expires IS NOT NULL AND {TABLE}.expires <= %s RETURNING cache_key"
)


@functools.lru_cache(maxsize=512)
def _native_sql(sql, vendor):
    """``sql`` in the driver's own placeholder style (SQLite's ``?``; psycopg takes ``%s`` as it is)."""
    return sql.replace("%s", "?") if vendor == "sqlite" else sql


class StoreOffline(ConnectionError):
    """The store failed a moment ago; not asked again until ``OUTAGE_PAUSE`` has passed."""


class Breaker:
    """Trips on an availability error, then refuses calls at once for ``OUTAGE_PAUSE`` seconds.

    One per store and process: every thread of a process sees the same outage.
    """

    _by_store = {}

    def __init__(self, name, availability_errors):
        self.name = name
        self.errors = availability_errors
        self.closed_at = 0.0  # monotonic time from which calls go through again

    @classmethod
    def for_store(cls, name, availability_errors):
        return cls._by_store.setdefault(name, cls(name, availability_errors))

    def __enter__(self):
        if time.monotonic() < self.closed_at:
            raise StoreOffline(f"{self.name} failed less than {OUTAGE_PAUSE:g} s ago")

    def __exit__(self, exc_type, exc, traceback):
        if exc_type is not None and issubclass(exc_type, self.errors):
            self.closed_at = time.monotonic() + OUTAGE_PAUSE
        return False


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
        self._breaker = Breaker.for_store(f"database cache ({self._alias})", (OperationalError, InterfaceError))

    # -- SQL -------------------------------------------------------------
    def _execute(self, sql, params=()):
        return self._run(sql, params, fetch=False)

    def _fetch(self, sql, params):
        return self._run(sql, params, fetch=True)

    def _run(self, sql, params, fetch):
        """Run one statement in autocommit: its rows (``fetch``) or its row count.

        Outside a transaction, with no query logging (DEBUG) and no execute
        wrappers, the statement goes to the DB-API connection itself: Django's
        cursor layers (a wrapper per call, the placeholder rewrite of SQLite, the
        wrapper chain) cost more than the statement on the webhook's path. Errors
        are still Django's (``wrap_database_errors``); anywhere else, Django's cursor.
        """
        connection = connections[self._alias]
        with self._breaker:
            if connection.in_atomic_block or connection.queries_logged or connection.execute_wrappers:
                cursor = connection.cursor()
            else:
                connection.close_if_health_check_failed()
                connection.ensure_connection()
                cursor, sql = connection.connection.cursor(), _native_sql(sql, connection.vendor)
            with connection.wrap_database_errors, contextlib.closing(cursor):
                cursor.execute(sql, params)
                return cursor.fetchall() if fetch else cursor.rowcount

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
        return (key, pickle.dumps(value, PICKLE), expires)

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
    def claim(self, guard, key, value, guard_timeout, timeout):
        """Add ``guard``, and ``key`` = ``value`` if the guard was new: ``(guard added, key added)``.

        One statement: an upsert of both rows that replaces only expired ones
        and returns the keys it wrote. When the guard already existed, the key
        it wrote anyway (a replay carrying a message never seen) is deleted again.
        The keys are the ledger's (fixed-size digests), so they skip validation.
        """
        guard, key = self.make_key(guard), self.make_key(key)
        now = time.time()
        written = {
            row[0]
            for row in self._fetch(
                CLAIM_SQL,
                [guard, PICKLED_TRUE, now + guard_timeout, key, pickle.dumps(value, PICKLE), now + timeout, now],
            )
        }
        if guard not in written and key in written:
            self._execute(f"DELETE FROM {TABLE} WHERE cache_key = %s", [key])
        self._cull()
        return guard in written, guard in written and key in written

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


# Add the guard; only if it was new, add the key: 0 guard existed, 1 key existed, 2 both added.
CLAIM_SCRIPT = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
if not redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[4]) then return 1 end
return 2
"""


class PooledRedisCacheClient(RedisCacheClient):
    """Keeps one ``redis.Redis`` per connection pool for the life of the process, behind a breaker."""

    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._clients = {}
        self._client = _breaker_client(servers[0])
        self._claim = None

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def claim(self, guard, key, value, guard_timeout, timeout):
        if self._claim is None:  # EVALSHA, loading the script once if the server lacks it
            self._claim = self.get_client(write=True).register_script(CLAIM_SCRIPT)
        dumps = self._serializer.dumps
        args = [dumps(1), int(guard_timeout * 1000), dumps(value), int(timeout * 1000)]
        claimed = self._claim(keys=[guard, key], args=args)
        return claimed > 0, claimed > 1


def _breaker_client(server):
    """A ``redis.Redis`` subclass whose every command goes through the breaker of ``server``."""
    import redis

    breaker = Breaker.for_store(
        f"redis ({server.split('@')[-1]})", (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError)
    )

    class BreakerRedis(redis.Redis):
        def execute_command(self, *args, **options):
            with breaker:
                return super().execute_command(*args, **options)

    return BreakerRedis


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledRedisCacheClient

    def claim(self, guard, key, value, guard_timeout, timeout):
        """Like ``DatabaseCache.claim``: one Lua script, atomic on the server."""
        guard = self.make_and_validate_key(guard)
        key = self.make_and_validate_key(key)
        return self._cache.claim(guard, key, value, guard_timeout, timeout)
