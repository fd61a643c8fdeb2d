# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""gunicorn's sync worker, writing what can wait (``wechat.afterwards``) when it has nothing else to do.

``gunicorn.conf.py`` selects it (``worker_class``). Each push costs the shared
store two writes: the claim, before the handler runs, and the record of its
reply, kept for WeChat's retries (``wechat.ledger``); the message log adds a
row. Retries come 5 s after a push and wait for the reply's record, so neither
need be written before the answer. Under this worker they are batched and
written in one round trip each: when the worker goes idle (no connection
waiting), when a batch is 1 s old or 100 items long (checked as each request
starts and ends), and when the worker stops. A busy worker thus makes about one
write per push instead of three. Nothing runs in a thread of its own: the writes
happen in the worker's loop.

Any other server (runserver, another worker class) writes each one at once.
"""

import select

from gunicorn.workers.sync import SyncWorker


class WeChatSyncWorker(SyncWorker):
    def load_wsgi(self):
        super().load_wsgi()  # Django is set up from here on
        from . import afterwards

        self.afterwards = afterwards
        afterwards.start()

    def wait(self, timeout):
        if self.afterwards.waiting() and not select.select(self.wait_fds, [], [], 0)[0]:
            self.flush()  # idle: nobody is waiting for an answer
        return super().wait(timeout)

    def run(self):
        try:
            super().run()
        finally:
            self.flush()

    def flush(self):
        from django.db import close_old_connections

        close_old_connections()  # outside a request: drop a connection the database closed meanwhile
        self.afterwards.flush_all()  # each batch logs its own failures
