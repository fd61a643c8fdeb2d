# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Replies that go out later, as customer-service messages, exactly once, surviving restarts.

Two kinds of push end up here, each as one ``PendingReply`` row and one task:

- a push for a **deferred handler** (``@router.text(..., defer=True)``): WeChat got
  ``success`` or the ``ack`` text at once; the task runs the handler and sends
  its reply;
- the **late reply** of a handler that overran WeChat's 5 s: the task waits until
  WeChat's retries are over (a retry that arrives after the reply is ready
  carries it as a passive reply instead, see ``wechat.ledger``), then sends it.

Exactly once: the row is claimed with one conditional UPDATE (queued → running),
so a task delivered twice, or enqueued again by the sweep, runs once. The reply
is stored on the row before the first message is sent and ``parts_sent`` is
counted up after each one, so a task run again after its worker died neither
calls the handler again nor resends what went out (the one window left is a
crash between WeChat accepting a message and the counter's UPDATE).

Never lost: the row is written in the same transaction as the task (database
backend) or before it (Redis). ``sweep()``, run by ``wechat_worker`` before each
pass, puts back rows whose worker is gone (same machine: its process no longer
exists; another machine: no progress for ``LEASE`` seconds) and re-enqueues rows
whose task went missing.

WeChat's errors: transient ones (system busy, time-outs, a refused token) are
retried with exponential backoff, at most ``MAX_ATTEMPTS`` times; permanent ones
(45015 the user has not written for 48 h, 45047 too many messages, 48001 no
permission, ...) are logged once and the reply is dropped.
"""

import logging
import os
import socket
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from wechatpy.exceptions import WeChatClientException

from .client import get_client
from .exceptions import WeChatUnavailable
from .ledger import ledger
from .models import PendingReply
from .router import handler_name
from .tasks import default_task_backend, task

logger = logging.getLogger("wechat.deferred")

MAX_ATTEMPTS = 6
BACKOFF = 2  # seconds before the first retry; doubled each time
LEASE = 600  # a row running this long without progress on another machine is taken back
LOST_TASK_AFTER = 60  # a queued row this old whose time has come gets its task again
TEXT_LIMIT = 2048  # bytes of UTF-8 in one customer-service text message
# errcodes worth another try: system busy, the token refused (refreshed by the client), daily quota.
TRANSIENT_ERRORS = {-1, 40001, 40014, 42001, 45009}

Q_QUEUED = PendingReply.State.QUEUED
Q_RUNNING = PendingReply.State.RUNNING


# -- Creating rows (the webhook) ---------------------------------------------------------
def defer_handler(key, fields, handler):
    """Queue a deferred handler's push; the worker runs it."""
    _create(key, fields, handler=handler, messages=None, late=False, run_after=None)


def send_late(key, fields, handler, reply, not_before):
    """Queue the late reply of a handler that overran; sent after ``not_before`` unless a retry carried it."""
    _create(key, fields, handler=handler, messages=customer_service_messages(reply), late=True, run_after=not_before)


def _create(key, fields, handler, messages, late, run_after):
    with transaction.atomic():
        _, created = PendingReply.objects.get_or_create(
            push_key=key,
            defaults={
                "openid": fields["FromUserName"],
                "fields": fields,
                "handler": handler_name(handler),
                "messages": messages,
                "late": late,
                "run_after": run_after,
            },
        )
        if created:  # enqueued with the row: on the database backend, committed together
            transaction.on_commit(lambda: enqueue(key, run_after))


def enqueue(key, run_after=None):
    if run_after is not None and default_task_backend.supports_defer:
        deliver.using(run_after=run_after).enqueue(key)
    else:
        deliver.enqueue(key)


# -- The task (the worker) ---------------------------------------------------------------
@task()
def deliver(key):
    """Run a pending reply's handler if it has not run yet, then send what is left of its reply."""
    claim = {"state": Q_RUNNING, "owner": worker_id(), "attempts": F("attempts") + 1, "updated_at": timezone.now()}
    if not PendingReply.objects.filter(push_key=key, state=Q_QUEUED).update(**claim):
        return  # done, dropped, or being delivered by another worker
    pending = PendingReply.objects.get(push_key=key)
    try:
        if pending.late and not _still_undelivered(key):
            return _finish(pending, PendingReply.State.DONE, "carried by one of WeChat's retries")
        if pending.messages is None:
            pending.messages = _run_handler(pending)
            pending.save(update_fields=["messages", "updated_at"])
        _send(pending)
    except (WeChatUnavailable, WeChatClientException) as exc:
        _after_error(pending, exc)
    except Exception as exc:  # the handler itself failed: running it again would fail again
        logger.exception("Deferred handler %s failed for %s", pending.handler, pending.openid)
        _finish(pending, PendingReply.State.DROPPED, f"handler failed: {exc!r}")
    else:
        _finish(pending, PendingReply.State.DONE, "")


def _run_handler(pending):
    from .webhook import make_message, run_deferred_handler

    return customer_service_messages(run_deferred_handler(make_message(dict(pending.fields))))


def _still_undelivered(key):
    return ledger.claim_delivery(key)


def _send(pending):
    client = get_client()
    for method, args in pending.messages[pending.parts_sent :]:
        getattr(client.message, method)(pending.openid, *args)
        PendingReply.objects.filter(pk=pending.pk).update(parts_sent=F("parts_sent") + 1, updated_at=timezone.now())
        pending.parts_sent += 1
    logger.info("Sent %s late message(s) to %s", len(pending.messages), pending.openid)


def _after_error(pending, exc):
    errcode = getattr(exc, "errcode", None)
    transient = isinstance(exc, WeChatUnavailable) or errcode in TRANSIENT_ERRORS
    if not transient:
        logger.error("WeChat refused the reply to %s for good (%s): dropped", pending.openid, exc)
        return _finish(pending, PendingReply.State.DROPPED, str(exc))
    if pending.attempts >= MAX_ATTEMPTS:
        logger.error("Gave up on the reply to %s after %s attempts: %s", pending.openid, pending.attempts, exc)
        return _finish(pending, PendingReply.State.DROPPED, str(exc))
    retry_at = timezone.now() + timedelta(seconds=BACKOFF * 2 ** (pending.attempts - 1))
    logger.warning("Could not send the reply to %s (%s): trying again at %s", pending.openid, exc, retry_at)
    PendingReply.objects.filter(pk=pending.pk).update(
        state=Q_QUEUED, run_after=retry_at, last_error=str(exc), owner="", updated_at=timezone.now()
    )
    enqueue(pending.push_key, retry_at)


def _finish(pending, state, note):
    PendingReply.objects.filter(pk=pending.pk).update(state=state, last_error=note, updated_at=timezone.now())


# -- Recovery (wechat_worker runs it before each pass) -------------------------------------
def sweep():
    """Put back rows whose worker died and give queued rows whose task went missing a new one; how many."""
    now = timezone.now()
    keys = []
    for pending in PendingReply.objects.filter(state=Q_RUNNING).only("push_key", "owner", "updated_at"):
        gone = _owner_gone(pending.owner, stale=pending.updated_at < now - timedelta(seconds=LEASE))
        if gone and PendingReply.objects.filter(pk=pending.pk, state=Q_RUNNING, owner=pending.owner).update(
            state=Q_QUEUED, owner="", updated_at=now
        ):
            logger.warning("The worker delivering the reply to %s is gone: queued again", pending.openid)
            keys.append(pending.push_key)
    due = Q(run_after__isnull=True) | Q(run_after__lte=now)
    lost = PendingReply.objects.filter(due, state=Q_QUEUED, updated_at__lt=now - timedelta(seconds=LOST_TASK_AFTER))
    keys += lost.values_list("push_key", flat=True)
    for key in keys:
        enqueue(key)  # a second task for a row is harmless: only one claims it
    return len(keys)


def worker_id():
    """host:pid:start of this process; another process can tell whether it still runs."""
    return f"{socket.gethostname()}:{os.getpid()}:{_start_time(os.getpid())}"


def _owner_gone(owner, stale):
    """This machine's worker: its process no longer runs. Another machine's: no progress for LEASE (``stale``)."""
    host, _, rest = owner.partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return stale
    return _start_time(int(pid)) != started


def _start_time(pid):
    """When the process started (clock ticks since boot, from /proc); '' when it does not exist."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[19].decode()
    except OSError:
        return ""


# -- Replies as customer-service messages ----------------------------------------------
def customer_service_messages(reply):
    """[method, [arguments]] of ``get_client().message`` for a wechatpy reply (None: nothing to send)."""
    if reply is None:
        return []
    if reply.type == "text":
        return [["send_text", [part]] for part in split_text(reply.content)]
    if reply.type == "news":
        return [["send_articles", [reply.articles]]]
    if reply.type in ("image", "voice"):
        return [[f"send_{reply.type}", [reply.media_id]]]
    if reply.type == "video":
        return [["send_video", [reply.media_id, reply.title, reply.description]]]
    if reply.type == "music":
        args = [reply.music_url, reply.hq_music_url, reply.thumb_media_id, reply.title, reply.description]
        return [["send_music", args]]
    raise TypeError(f"a {reply.type} reply cannot be sent as a customer-service message")


def split_text(text, limit=TEXT_LIMIT):
    """``text`` in pieces of at most ``limit`` UTF-8 bytes, cut between characters, in order."""
    parts, start, size = [], 0, 0
    for index, char in enumerate(text):
        width = len(char.encode("utf-8", "surrogatepass"))
        if size + width > limit:
            parts.append(text[start:index])
            start, size = index, 0
        size += width
    parts.append(text[start:])
    return [part for part in parts if part]
