# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Writes that can wait until after the answer, batched in each process.

Some of the webhook's writes need not happen before WeChat gets its answer: the
record of a reply, which WeChat's retries (5 s later) wait for, and the message
log. A ``Batch`` keeps them in memory and writes them together, in one round
trip, when the server goes idle (``flush_all``: the project's gunicorn worker
calls it when no connection is waiting, and when it stops), or once a batch is
``BATCH_AGE`` seconds old or ``BATCH_ROWS`` long (checked as each request
starts and ends). Nothing runs in a thread of its own.

Batching is on only where something promises to call ``flush_all`` when idle
(``start()``, called by ``wechat.gunicorn_worker``); everywhere else (runserver,
tests, another server) ``add`` writes at once.
"""

import logging
import threading
import time

logger = logging.getLogger("wechat.webhook")

BATCH_AGE = 1.0  # seconds: a batch is written at the latest this long after its first item (plus one request)
BATCH_ROWS = 100  # ... or once it holds this many

_batches = []
_state = {"on": False}


class Batch:
    """Items written together by ``write(items)``, which handles (and logs) its own store errors."""

    def __init__(self, write):
        self._write = write
        self._items = []
        self._since = 0.0
        self._lock = threading.Lock()
        _batches.append(self)

    def add(self, item):
        if not _state["on"]:
            self._write_safely([item])
            return
        with self._lock:
            if not self._items:
                self._since = time.monotonic()
            self._items.append(item)

    def __len__(self):
        return len(self._items)

    def due(self):
        return bool(self._items) and (len(self._items) >= BATCH_ROWS or time.monotonic() - self._since >= BATCH_AGE)

    def flush(self):
        with self._lock:
            items, self._items = self._items, []
        if items:
            self._write_safely(items)

    def _write_safely(self, items):
        try:
            self._write(items)
        except Exception:  # never a 5xx, never a dead worker, for a write that could wait
            logger.exception("Could not write %d batched item(s)", len(items))


def start():
    """Batch from now on; the caller promises to call ``flush_all()`` whenever it goes idle, and when it stops."""
    from django.core.signals import request_finished, request_started

    _state["on"] = True
    request_started.connect(flush_due, dispatch_uid="wechat.afterwards.flush_due.started")
    request_finished.connect(flush_due, dispatch_uid="wechat.afterwards.flush_due.finished")


def waiting():
    """How many items wait, in every batch of this process."""
    return sum(len(batch) for batch in _batches)


def flush_due(**kwargs):
    for batch in _batches:
        if batch.due():
            batch.flush()


def flush_all():
    for batch in _batches:
        batch.flush()
