"""The shared cache (the project's CACHE_URL): atomic add, no early eviction, errors reach the caller."""

import time
import uuid

import pytest
from django.core.cache import cache


@pytest.fixture
def key():
    return "test:" + uuid.uuid4().hex


def test_add_is_true_once_then_false_while_the_key_lives(db, key):
    assert cache.add(key, "first", 60) is True
    assert cache.add(key, "second", 60) is False
    assert cache.get(key) == "first"


def test_add_replaces_an_expired_key(db, key):
    cache.set(key, "old", 1)
    time.sleep(1.1)
    assert cache.get(key) is None
    assert cache.add(key, "new", 60) is True
    assert cache.get(key) == "new"


def test_set_get_many_delete_touch(db, key):
    cache.set_many({key + "a": 1, key + "b": {"x": [1, 2]}}, 60)
    assert cache.get_many([key + "a", key + "b", key + "c"]) == {key + "a": 1, key + "b": {"x": [1, 2]}}
    assert cache.touch(key + "a", 120) is True
    assert cache.delete(key + "a") is True
    assert cache.get(key + "a", "gone") == "gone"
    assert cache.touch(key + "missing", 10) is False


def test_many_live_keys_are_all_kept(db, key):
    # Django's stock DatabaseCache would start evicting past MAX_ENTRIES=300.
    cache.set_many({f"{key}:{i}": i for i in range(1000)}, 300)
    kept = cache.get_many([f"{key}:{i}" for i in range(1000)])
    assert len(kept) == 1000
