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
from datetime import timedelta

from django.db import DatabaseError
from django.utils import timezone

from .afterwards import Batch
from .conf import app_settings
from .tasks import task

logger = logging.getLogger("wechat.webhook")

MAX_CONTENT = 2000  # characters of a text message kept in the content column
PRUNE_BATCH = 1000  # rows per DELETE: the web processes never wait long for the database


def record(fields, *, outcome, reply, handler, arrived, encrypted):
    """Log one accepted push; ``reply`` is the passive reply's bytes (or ``success``)."""
    if not app_settings.MESSAGE_LOG_DAYS:
        return
    took = max(0.0, time.monotonic() - arrived)
    _rows.add(
        {
            "received_at": timezone.now() - timedelta(seconds=took),
            "fields": fields,
            "outcome": outcome,
            "reply": reply.decode("utf-8", "replace") if isinstance(reply, bytes) else (reply or ""),
            "handler": handler or "",
            "latency_ms": int(took * 1000),
            "encrypted": encrypted,
        }
    )


def _write(items):
    from .models import MessageLog

    rows = []
    for item in items:
        fields = item.pop("fields")
        rows.append(
            MessageLog(
                account=_text(fields.get("ToUserName"), 64),
                openid=_text(fields.get("FromUserName"), 64),
                msg_type=_text(fields.get("MsgType"), 32),
                event=_text(fields.get("Event"), 64),
                event_key=_text(fields.get("EventKey"), 256),
                msg_id=_text(fields.get("MsgId"), 20),
                content=_text(fields.get("Content"), MAX_CONTENT) if fields.get("MsgType") == "text" else "",
                fields=fields,
                **item,
            )
        )
    try:
        MessageLog.objects.bulk_create(rows)
    except DatabaseError as exc:
        logger.warning("Could not write %d message log row(s): %s", len(rows), exc)


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
