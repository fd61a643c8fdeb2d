# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""The official account's followers in ``WeChatUser``: the full sync, and the subscribe pushes.

``sync_followers()`` (``manage.py wechat_sync_users``, the admin's "同步全部关注者"
through the ``sync_followers_task`` task) walks WeChat's follower list 10,000
openids a page (``user/get`` with ``next_openid``), fetches their details 100 at
a time (``user/info/batchget``) and upserts them 1,000 rows at a time: one
``INSERT ... ON CONFLICT DO UPDATE`` per group of rows, on SQLite and PostgreSQL.

- Resumable: ``FollowerSync`` keeps the page's cursor and how much of it is done,
  saved after every 1,000 rows; a sync that stopped (crash, WeChat refusing) goes
  on from there when run again. ``restart=True`` starts over.
- Idempotent: rows are keyed by (app_id, openid); running it twice changes nothing.
- Followers who left: once the whole list has been read, subscribed rows the run
  did not see (and no subscribe push touched since it started) are marked unsubscribed.
- Tags: the account's tags (``tags/get``) first, then each follower's ``tagid_list``.
- One at a time: a sync holds a lock in the shared cache, renewed after every chunk
  and gone two minutes after its process died; another sync meanwhile raises ``SyncRunning``
  (the admin's button clicked twice queues two tasks: the second one stops there).

``on_event(fields)``: the webhook calls it for every event push; a subscribe or
unsubscribe updates (or creates) the follower's row in one query. It never raises.
"""

import contextlib
import logging
import secrets
from datetime import datetime
from datetime import timezone as dt_timezone

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from .conf import app_settings
from .exceptions import shared_cache
from .tasks import task

logger = logging.getLogger("wechat.followers")

BATCH = 100  # user/info/batchget's limit
CHUNK = 1000  # openids fetched and written to the database at a time
SUBSCRIBE_EVENTS = {"subscribe", "subscribe_scan", "subscribe_scan_product"}  # the webhook renames scans
LOCK_TTL = 120  # seconds a sync's lock outlives its last chunk (a chunk is 10 calls to WeChat)


class SyncRunning(Exception):
    """Another sync of the same account's followers is running."""


@contextlib.contextmanager
def sync_lock(app_id):
    """Hold the account's sync lock (raises ``SyncRunning``); yields a function that renews it."""
    key, owner = f"wechat:followers:sync:{app_id}", secrets.token_hex(8)
    with shared_cache():
        if not cache.add(key, owner, LOCK_TTL):
            raise SyncRunning("another follower sync is running: 另一个关注者同步正在进行")

    def renew():
        with shared_cache():
            cache.set(key, owner, LOCK_TTL)

    try:
        yield renew
    finally:
        with contextlib.suppress(Exception), shared_cache():
            if cache.get(key) == owner:
                cache.delete(key)


def sync_running(app_id=None):
    """Whether a sync of the account's followers holds the lock now."""
    with shared_cache():
        return cache.get(f"wechat:followers:sync:{app_id or app_settings.APP_ID}") is not None


def sync_followers(client=None, restart=False, progress=None):
    """Sync every follower of the official account; the finished ``FollowerSync``.

    ``progress(sync)`` is called after each chunk (the command prints it). WeChat's
    errors propagate (wechatpy's ``WeChatClientException``, ``WeChatUnavailable``),
    the progress saved: run it again to continue. ``SyncRunning`` while another runs.
    """
    from .client import get_client

    client = client or get_client()
    app_id = app_settings.APP_ID
    with sync_lock(app_id) as renew_lock:
        return _sync(client, app_id, restart, progress, renew_lock)


def _sync(client, app_id, restart, progress, renew_lock):
    from .models import FollowerSync

    sync, _ = FollowerSync.objects.get_or_create(app_id=app_id)
    if restart or sync.started_at is None or sync.finished_at is not None:
        sync.started_at, sync.finished_at = timezone.now(), None
        sync.cursor, sync.page_done, sync.synced, sync.total = "", 0, 0, 0
    sync.last_error = ""
    sync.save()
    try:
        sync_tags(client, app_id)
        while True:
            page = client.user.get_followers(sync.cursor or None)
            openids = (page.get("data") or {}).get("openid") or []
            sync.total = page.get("total", sync.total)
            for start in range(sync.page_done, len(openids), CHUNK):
                chunk = openids[start : start + CHUNK]
                save_followers(client, app_id, chunk)
                renew_lock()
                sync.page_done, sync.synced = start + len(chunk), sync.synced + len(chunk)
                sync.save(update_fields=["page_done", "synced", "total"])
                if progress:
                    progress(sync)
            if not openids or not page.get("next_openid"):
                break
            sync.cursor, sync.page_done = page["next_openid"], 0
            sync.save(update_fields=["cursor", "page_done", "total"])
    except Exception as exc:
        sync.last_error = f"{exc.__class__.__name__}: {exc}"[:1000]
        sync.save(update_fields=["last_error"])
        raise
    with transaction.atomic():
        left = mark_unsubscribed(app_id, sync.started_at)
        sync.finished_at = timezone.now()
        sync.save(update_fields=["finished_at", "total"])
    logger.info("Synced %s followers of %s (%s no longer follow)", sync.synced, app_id, left)
    return sync


@task()
def sync_followers_task(restart=False):
    """The admin's "同步全部关注者": ``sync_followers()`` in the task worker; the number of followers."""
    try:
        return sync_followers(restart=restart).synced
    except SyncRunning:
        logger.info("A follower sync is already running: this one stops")
        return None


def sync_tags(client, app_id):
    """The account's tags from WeChat (``tags/get``) into ``WeChatTag``; tags WeChat no longer has are deleted."""
    from .models import WeChatTag

    tags = client.tag.get()
    WeChatTag.objects.bulk_create(
        [WeChatTag(app_id=app_id, tag_id=tag["id"], name=tag["name"][:30], count=tag.get("count", 0)) for tag in tags],
        update_conflicts=True,
        unique_fields=["app_id", "tag_id"],
        update_fields=["name", "count"],
    )
    WeChatTag.objects.filter(app_id=app_id).exclude(tag_id__in=[tag["id"] for tag in tags]).delete()


def save_followers(client, app_id, openids):
    """Fetch the details of ``openids`` (100 per call) and upsert their rows and tags."""
    from .models import WeChatTag, WeChatUser

    by_openid = {}  # one row per openid, even if WeChat repeated one (PostgreSQL refuses to upsert a row twice)
    for start in range(0, len(openids), BATCH):
        by_openid.update((info["openid"], info) for info in client.user.get_batch(openids[start : start + BATCH]))
    infos = list(by_openid.values())
    now = timezone.now()
    with transaction.atomic():  # the rows and their tags together (SQLite: tens of ms of write lock)
        groups = {}  # the fields WeChat gave -> rows: one upsert each, never blanking what it did not give
        for info in infos:
            row, fields = follower_row(app_id, info, now)
            groups.setdefault(fields, []).append(row)
        for fields, rows in groups.items():
            WeChatUser.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["app_id", "openid"], update_fields=[*fields, "updated_at"]
            )
        # Tags: this chunk's links replaced by WeChat's.
        user_ids = dict(WeChatUser.objects.filter(app_id=app_id, openid__in=openids).values_list("openid", "pk"))
        tag_ids = dict(WeChatTag.objects.filter(app_id=app_id).values_list("tag_id", "pk"))
        links = WeChatUser.tags.through
        links.objects.filter(wechatuser_id__in=user_ids.values()).delete()
        links.objects.bulk_create(
            [
                links(wechatuser_id=user_ids[info["openid"]], wechattag_id=tag_ids[tag])
                for info in infos
                if info["openid"] in user_ids
                for tag in set(info.get("tagid_list") or ())
                if tag in tag_ids
            ]
        )


def follower_row(app_id, info, now):
    """(unsaved WeChatUser, the names of the fields WeChat gave) for one answer of user/info."""
    from .models import WeChatUser

    values = {"subscribed": bool(info.get("subscribe")), "synced_at": now}
    if values["subscribed"]:  # someone who left has only subscribe and openid
        values.update(
            subscribed_at=_time(info.get("subscribe_time")),
            remark=(info.get("remark") or "")[:30],
            language=(info.get("language") or "")[:16],
            subscribe_scene=(info.get("subscribe_scene") or "")[:32],
        )
        if info.get("unionid"):
            values["unionid"] = info["unionid"][:64]
    return WeChatUser(app_id=app_id, openid=info["openid"], **values), tuple(values)


def mark_unsubscribed(app_id, since):
    """Followers no sync nor subscribe push has seen since ``since`` no longer follow; how many."""
    from .models import WeChatUser

    gone = WeChatUser.objects.filter(app_id=app_id, subscribed=True).exclude(synced_at__gte=since)
    gone = gone.exclude(subscribed_at__gte=since.replace(microsecond=0))  # a push's CreateTime: whole seconds
    return gone.update(subscribed=False, updated_at=timezone.now())


def on_event(fields):
    """Keep ``subscribed`` current from a subscribe/unsubscribe push (one upsert); anything else is ignored.

    ``fields`` are the push's fields (MsgType, Event, FromUserName, CreateTime, ...).
    Failures are logged, never raised: the push is answered whatever happens here.
    """
    event = (fields.get("Event") or "").lower()
    if fields.get("MsgType") != "event" or (event not in SUBSCRIBE_EVENTS and event != "unsubscribe"):
        return
    if not app_settings.APP_ID:
        return  # no official account configured: nobody to attach the follower to
    try:
        from .models import WeChatUser

        when = _time(fields.get("CreateTime")) or timezone.now()
        if event == "unsubscribe":
            values = {"subscribed": False, "unsubscribed_at": when}
        else:
            values = {"subscribed": True, "subscribed_at": when}
        with transaction.atomic():  # a failure here never spoils a transaction around the push
            WeChatUser.objects.bulk_create(
                [WeChatUser(app_id=app_settings.APP_ID, openid=fields["FromUserName"], **values)],
                update_conflicts=True,
                unique_fields=["app_id", "openid"],
                update_fields=[*values, "updated_at"],
            )
    except Exception:
        logger.exception("Could not record the %s of %s", event, fields.get("FromUserName"))


def _time(unix):
    try:
        return datetime.fromtimestamp(int(unix), tz=dt_timezone.utc) if unix else None
    except (TypeError, ValueError, OverflowError, OSError):
        return None
