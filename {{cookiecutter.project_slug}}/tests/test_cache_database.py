"""The default cache lives in the database: ``migrate`` creates it and its errors are never swallowed."""

import pytest
from django.core.cache import cache, caches
from django.db import DatabaseError, connection

from wechat.cache import DatabaseCache


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
