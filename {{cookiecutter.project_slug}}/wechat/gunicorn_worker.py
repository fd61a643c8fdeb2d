"""gunicorn's sync worker, writing the webhook's reply records when it has nothing else to do.

``gunicorn.conf.py`` selects it (``worker_class``). Each push costs the shared
store two writes: the claim, before the handler runs, and the record of its
reply, kept for WeChat's retries (``wechat.ledger``). Retries come 5 s after a
push and wait for that record, so it need not be written before the answer.
Under this worker the ledger batches those records and writes them in one round
trip: when the worker goes idle (no connection waiting), when the batch is 1 s
old or 100 records long (checked as each request finishes), and when the worker
stops. A busy worker thus makes about one write per push instead of two.
Nothing runs in a thread of its own: the writes happen in the worker's loop.

Any other server (runserver, another worker class) writes each record at once.
"""

import logging
import select

from gunicorn.workers.sync import SyncWorker

logger = logging.getLogger("wechat.webhook")


class WeChatSyncWorker(SyncWorker):
    def load_wsgi(self):
        super().load_wsgi()  # Django is set up from here on
        from .ledger import ledger

        self.ledger = ledger
        ledger.start_batching()

    def wait(self, timeout):
        if self.ledger.batched and not select.select(self.wait_fds, [], [], 0)[0]:
            self.flush()  # idle: nobody is waiting for an answer
        return super().wait(timeout)

    def run(self):
        try:
            super().run()
        finally:
            self.flush()

    def flush(self):
        from django.db import close_old_connections

        try:
            close_old_connections()  # outside a request: drop a connection the database closed
            self.ledger.flush()
        except Exception:
            logger.exception("Could not write the batched reply records")
