# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""The message log: every push the webhook accepted, and the answer it got.

``record()`` is called once per accepted push, after its answer is decided. The
row is written after the answer, batched with others where the server allows it
(``wechat.afterwards``), so the log costs a push a few microseconds, not a
write. What is kept: the decrypted push's fields, the passive reply (plaintext
XML, or ``success``), the handler or rule that answered, and the time taken.
Never kept: signatures, nonces, ciphertext, keys.

``WECHAT_MESSAGE_LOG_DAYS`` (default 30) is how long rows are kept; ``0`` turns
the log off (and leaves the rows already written alone). ``prune()`` deletes
older rows: ``wechat_worker`` runs it every hour, and the ``prune_message_log``
task does the same on demand.
"""

import logging
import time
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.db import DatabaseError, connections, router, transaction
from django.utils import timezone

from .afterwards import Batch
from .conf import app_settings
from .tasks import task

logger = logging.getLogger("wechat.webhook")

MAX_CONTENT = 2000  # characters of a text message kept in the content column
PRUNE_BATCH = 1000  # rows per DELETE: the web processes never wait long for the database


def record(fields, *, outcome, reply, handler, arrived, encrypted):
    """Log one accepted push; ``reply`` is the passive reply's bytes (or ``success``). Cheap: the row is built later."""
    if not app_settings.MESSAGE_LOG_DAYS:
        return
    took = max(0.0, time.monotonic() - arrived)
    _rows.add((time.time() - took, took, fields, outcome, reply, handler, encrypted))


# The columns written, in order: one multi-row INSERT per batch, without a model instance per row
# (building and saving one costs several times the push it logs).
COLUMNS = (
    "received_at",
    "account",
    "openid",
    "msg_type",
    "event",
    "event_key",
    "msg_id",
    "content",
    "fields",
    "encrypted",
    "outcome",
    "handler",
    "reply",
    "latency_ms",
)


def _row(item):
    received, took, fields, outcome, reply, handler, encrypted = item
    return (
        datetime.fromtimestamp(received, tz=dt_timezone.utc),
        _text(fields.get("ToUserName"), 64),
        _text(fields.get("FromUserName"), 64),
        _text(fields.get("MsgType"), 32),
        _text(fields.get("Event"), 64),
        _text(fields.get("EventKey"), 256),
        _text(fields.get("MsgId"), 20),
        _text(fields.get("Content"), MAX_CONTENT) if fields.get("MsgType") == "text" else "",
        fields,
        encrypted,
        outcome,
        handler or "",
        reply.decode("utf-8", "replace") if isinstance(reply, bytes) else (reply or ""),
        int(took * 1000),
    )


def _write(items):
    from .models import MessageLog

    alias = router.db_for_write(MessageLog)
    connection = connections[alias]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(MessageLog._meta.get_field(name).column) for name in COLUMNS)
    sql = f"INSERT INTO {quote(MessageLog._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
    # Text, numbers and booleans go to the driver as they are; the time and the JSON as their fields adapt them.
    adapted = [(COLUMNS.index(name), MessageLog._meta.get_field(name)) for name in ("received_at", "fields")]
    try:
        rows = []
        for item in items:
            row = list(_row(item))
            for index, field in adapted:
                row[index] = field.get_db_prep_save(row[index], connection)
            rows.append(row)
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
    except DatabaseError as exc:
        logger.warning("Could not write %d message log row(s): %s", len(items), exc)


def _text(value, limit):
    return value[:limit] if isinstance(value, str) else ""


_rows = Batch(_write)


def prune():
    """Delete the rows older than ``WECHAT_MESSAGE_LOG_DAYS``: how many. With the log off (0), keep what is there."""
    from .models import MessageLog

    days = app_settings.MESSAGE_LOG_DAYS
    if not days:
        return 0
    old = MessageLog.objects.filter(received_at__lt=timezone.now() - timedelta(days=days))
    deleted = 0
    while batch := list(old.values_list("pk", flat=True)[:PRUNE_BATCH]):
        deleted += MessageLog.objects.filter(pk__in=batch).delete()[0]
    return deleted


@task()
def prune_message_log():
    """``prune()`` as a task: ``prune_message_log.enqueue()``."""
    return prune()
