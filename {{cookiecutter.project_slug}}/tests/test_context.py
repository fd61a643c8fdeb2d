"""message.context: a per-user dict in the shared cache, saved after the handler, with seed 003's API."""

import datetime
import time
import uuid

import pytest
from django.core.cache import cache
from django.utils import timezone

from wechat.store import UserStore


@pytest.fixture
def store(db):
    return UserStore("test:store:" + uuid.uuid4().hex, default_age=7200)


def test_dict_api(store):
    store["color"] = "blue"
    assert store["color"] == "blue" and store.get("size", "M") == "M" and "color" in store
    assert store.setdefault("size", "L") == "L"
    assert sorted(store.keys()) == ["color", "size"] and dict(store.items()) == {"color": "blue", "size": "L"}
    assert store.pop("size") == "L"
    del store["color"]
    assert len(store) == 0
    store["x"] = 1
    store.clear()
    assert dict(store) == {}


def test_saved_values_are_there_for_the_next_message(store):
    store["step"] = 2
    store.save()
    again = UserStore(store.key, 7200)
    assert again["step"] == 2


def test_in_place_changes_are_saved(store):
    store["cart"] = []
    store.save()
    again = UserStore(store.key, 7200)
    again["cart"].append("tea")
    again.save()
    assert UserStore(store.key, 7200)["cart"] == ["tea"]


def test_two_messages_changing_different_keys_both_keep_their_change(store):
    store["a"] = 0
    store.save()
    first, second = UserStore(store.key, 7200), UserStore(store.key, 7200)
    first["a"], second["b"] = 1, 2  # both loaded before either saved
    first.save()
    second.save()
    assert dict(UserStore(store.key, 7200)) == {"a": 1, "b": 2}


def test_the_later_save_wins_on_the_same_key(store):
    first, second = UserStore(store.key, 7200), UserStore(store.key, 7200)
    first["a"], second["a"] = 1, 2
    first.save()
    second.save()
    assert UserStore(store.key, 7200)["a"] == 2


def test_deleting_a_key_is_saved(store):
    store.update(a=1, b=2)
    store.save()
    again = UserStore(store.key, 7200)
    del again["a"]
    again.save()
    assert dict(UserStore(store.key, 7200)) == {"b": 2}


def test_flush_deletes_everything_now(store):
    store["a"] = 1
    store.save()
    store.flush()
    assert cache.get(store.key) is None and dict(store) == {}


def test_an_unused_store_touches_nothing(store):
    store.save()
    assert cache.get(store.key) is None


def test_expiry_defaults_to_the_default_age(store):
    assert store.get_expiry_age() == 7200
    expected = timezone.now() + datetime.timedelta(seconds=7200)
    assert abs((store.get_expiry_date() - expected).total_seconds()) < 2


def test_set_expiry_seconds_date_and_reset(store):
    store["a"] = 1
    store.set_expiry(300)
    store.save()
    assert UserStore(store.key, 7200).get_expiry_age() == 300
    store.set_expiry(timezone.now() + datetime.timedelta(minutes=10))
    assert 598 <= store.get_expiry_age() <= 600
    store.set_expiry(datetime.timedelta(seconds=90))
    assert 88 <= store.get_expiry_age() <= 90
    store.set_expiry(None)
    assert store.get_expiry_age() == 7200


def test_expired_context_is_gone(store):
    store["a"] = 1
    store.set_expiry(1)
    store.save()
    time.sleep(1.1)
    assert "a" not in UserStore(store.key, 7200)


# -- Through the webhook ------------------------------------------------------------------


def test_context_is_saved_after_the_handler_returns(wechat):
    assert wechat.send_text("__probe: remember__")["Content"] == "visit 1"
    assert wechat.send_text("__probe: remember__")["Content"] == "visit 2"


def test_context_is_per_user(wechat, client):
    from .conftest import WeChat

    wechat.send_text("__probe: remember__")
    other = WeChat(client)
    assert other.send_text("__probe: remember__")["Content"] == "visit 1"


def test_a_failing_handler_leaves_the_context_as_it_was(wechat):
    wechat.send_text("__probe: remember__")
    wechat.send_text("__probe: remember then fail__")
    assert wechat.send_text("__probe: remember__")["Content"] == "visit 2"


def test_context_expires_after_the_context_age(wechat, wechat_settings):
    wechat_settings.WECHAT_CONTEXT_AGE = 1
    assert wechat.send_text("__probe: remember__")["Content"] == "visit 1"
    time.sleep(1.1)
    assert wechat.send_text("__probe: remember__")["Content"] == "visit 1"
