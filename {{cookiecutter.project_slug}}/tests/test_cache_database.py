"""The default cache lives in the database: ``migrate`` creates it and its errors are never swallowed."""

import pytest
from django.core.cache import cache, caches
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from wechat.cache import DatabaseCache

from .conftest import table_away


def test_the_default_cache_is_the_multi_process_database_cache():
    assert isinstance(caches["default"], DatabaseCache)


def test_migrate_creates_the_cache_table(db):
    assert "wechat_cache" in connection.introspection.table_names()


def test_database_errors_reach_the_caller(db):
    # Django's stock DatabaseCache returns False here, which would read as "already handled".
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE wechat_cache")
    with pytest.raises(DatabaseError):
        cache.add("test:key", 1, 60)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_claim_is_atomic_and_errors_are_still_djangos():
    # Autocommit, no query logging: the statements go to the driver's connection itself.
    backend = caches["default"]
    assert not connection.in_atomic_block and not connection.queries_logged
    assert backend.claim("test:guard", "test:key", "first", 60, 60) == (True, True)
    assert backend.claim("test:guard", "test:other", "replay", 60, 60) == (False, False)
    assert backend.claim("test:guard2", "test:key", "retry", 60, 60) == (True, False)
    assert cache.get("test:key") == "first" and cache.get("test:other") is None
    with table_away("wechat_cache"), pytest.raises(DatabaseError):
        cache.get("test:key")


@pytest.mark.django_db(transaction=True)
def test_query_logging_and_transactions_still_see_the_cache_statements():
    with CaptureQueriesContext(connection) as queries:
        cache.set("test:key", 1, 60)
        assert cache.get("test:key") == 1
    assert [query["sql"].split()[0] for query in queries] == ["INSERT", "SELECT"]
    with pytest.raises(RuntimeError), transaction.atomic():
        cache.set("test:key", 2, 60)
        raise RuntimeError  # rolls the write back with the rest of the transaction
    assert cache.get("test:key") == 1
