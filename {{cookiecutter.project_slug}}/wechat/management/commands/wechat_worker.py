# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""``manage.py wechat_worker`` (``app.py wechat_worker``): runs the enqueued tasks, whatever the backend.

One command for both task queues (``TASKS``, written out in the project's settings): a
table in the database (django-tasks-db) or RQ on Redis (django-tasks-rq). It loops:

1. ``wechat.deferred.sweep()`` puts back on the queue the work whose worker died mid-task
   (neither backend recovers it by itself);
2. the backend's own worker runs every task that is ready, then returns (burst mode);
3. when that ran nothing, it sleeps ``--interval`` seconds.

Once an hour it also deletes what is past keeping: message log rows older than
``WECHAT_MESSAGE_LOG_DAYS`` and, with the database backend, old task results.

SIGTERM or Ctrl-C stops it after the task that is running; a second one stops it at once
(the sweep of the next worker recovers that task). ``--once`` makes one pass and exits.
In development ``runserver`` starts one for you; in production run it as a service
(``deploy/wechat-worker.service``), one or more per machine.
"""

import argparse
import importlib
import logging
import os
import signal
import socket
import threading
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone
from django.utils.crypto import get_random_string

from wechat import messagelog
from wechat.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

logger = logging.getLogger("wechat.worker")
MAX_BACKOFF = 30.0  # seconds between passes while the queue's store keeps failing
KEEP_RESULTS = timedelta(days=14)  # finished tasks' rows (database backend); RQ expires its own results
PRUNE_EVERY = 3600.0  # seconds
PRUNE_BATCH = 500  # rows per DELETE: the web processes never wait long for the database


class Command(BaseCommand):
    help = "Run the enqueued tasks (Django's Tasks framework), whatever the backend; Ctrl-C to stop."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds to wait when there was nothing to run (default 1)"
        )
        parser.add_argument("--once", action="store_true", help="one pass (sweep, then every ready task), then exit")
        # runserver's worker: stop when the server that started it is gone.
        parser.add_argument("--parent", type=int, default=None, help=argparse.SUPPRESS)

    def handle(self, *args, interval, once, parent, **options):
        if interval < 0:
            raise CommandError("--interval must be zero or more")
        worker = Worker(interval=interval, parent=parent)
        if once:
            if worker.run_pass() is None:
                raise CommandError("the pass failed (see the log)")
            return
        worker.run()


class Worker:
    """The loop: sweep, one burst of the backend's worker, sleep when idle; stops on SIGTERM/SIGINT."""

    def __init__(self, interval=1.0, parent=None, backend_alias=DEFAULT_TASK_BACKEND_ALIAS):
        self.interval = interval
        self.parent = parent
        self.backend_alias = backend_alias
        self.backend = task_backends[backend_alias]
        self.kind = backend_kind(self.backend)
        self.stopping = threading.Event()
        self.current = None  # django-tasks-db's worker, during its pass
        self.failures = {}  # consecutive failures of each step of a pass
        self.pruned_at = None
        host = socket.gethostname().split(".")[0][:30]
        self.worker_id = f"{host}-{os.getpid()}-{get_random_string(8)}"

    # -- the loop ---------------------------------------------------------------------------------------------

    def run(self):
        self.install_signal_handlers()
        logger.info(
            "wechat_worker %s started: %s queue (%s), every %g s when idle",
            self.worker_id,
            self.kind,
            type(self.backend).__name__,
            self.interval,
        )
        while not self.stopping.is_set() and not self.orphaned():
            ran = self.run_pass()
            failures = max(self.failures.values(), default=0)
            if failures:  # back off, up to MAX_BACKOFF
                self.pause(min(MAX_BACKOFF, max(self.interval, 1.0) * 2 ** min(failures - 1, 5)))
            elif not ran:
                self.pause(self.interval)
        logger.info("wechat_worker %s stopped", self.worker_id)

    def orphaned(self):
        """Started by runserver (``--parent``), and that server is gone (killed: it could not stop us)."""
        if self.parent is None or os.getppid() == self.parent:
            return False
        logger.info("wechat_worker %s: the server that started it is gone", self.worker_id)
        return True

    def pause(self, seconds):
        """Sleep ``seconds``, less when asked to stop (or, for runserver's worker, every second to look for it)."""
        deadline = time.monotonic() + seconds
        while not self.stopping.is_set() and (remaining := deadline - time.monotonic()) > 0:
            self.stopping.wait(remaining if self.parent is None else min(remaining, 1.0))
            if self.parent is not None and os.getppid() != self.parent:
                return

    def run_pass(self):
        """Sweep, then run every ready task: how many ran (True for "some" with RQ), or None when either step failed.

        The steps fail apart: a sweep that fails does not keep the ready tasks from running.
        """
        try:
            swept = self.step("the sweep", self.sweep)
            self.step("pruning", self.prune)  # a failure here keeps no task from running
            ran = self.step("running the tasks", self.run_ready_tasks)
        finally:
            close_old_connections()
        if ran:
            logger.debug("wechat_worker %s: ran %s task(s)", self.worker_id, ran)
        return None if swept is None or ran is None else ran

    def step(self, name, function):
        """``function()``, or None when it raised: logged in full the first time, in one line while it goes on."""
        try:
            result = function()
        except Exception as error:
            self.failures[name] = self.failures.get(name, 0) + 1
            if self.failures[name] == 1:
                logger.exception("wechat_worker %s: %s failed; retrying", self.worker_id, name)
            else:
                logger.warning("wechat_worker %s: %s failed again: %r", self.worker_id, name, error)
            return None
        if self.failures.get(name):
            logger.info("wechat_worker %s: %s works again after %d failures", self.worker_id, name, self.failures[name])
            self.failures[name] = 0
        return result

    def sweep(self):
        """``wechat.deferred.sweep()``, when the project has it: requeue the work whose worker died."""
        try:
            deferred = importlib.import_module("wechat.deferred")
        except ModuleNotFoundError as error:
            if error.name != "wechat.deferred":
                raise
            return 0
        sweep = getattr(deferred, "sweep", None)
        if sweep is None:
            return 0
        swept = sweep()
        if swept:
            logger.info("wechat_worker %s: the sweep put %s unfinished task(s) back", self.worker_id, swept)
        return swept or 0

    def run_ready_tasks(self):
        if self.kind == "rq":
            return self.run_rq_burst()
        return self.run_database_batch()

    def prune(self):
        """Once an hour: the message log's old rows, and (database backend) old task results."""
        if self.pruned_at is not None and time.monotonic() - self.pruned_at < PRUNE_EVERY:
            return
        self.pruned_at = time.monotonic()
        deleted = messagelog.prune()
        if deleted:
            logger.info("wechat_worker %s: deleted %d message log row(s)", self.worker_id, deleted)
        if self.kind != "rq":
            self.prune_database_results()

    # -- the backends -----------------------------------------------------------------------------------------

    def run_database_batch(self):
        """django-tasks-db's worker in batch mode: every ready task (all queues), then return."""
        from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker

        self.current = DatabaseWorker(
            queue_names=["*"],
            interval=min(self.interval, 0.5) or 0.1,  # its pause while the database is locked
            batch=True,
            backend_name=self.backend_alias,
            startup_delay=False,
            max_tasks=None,
            worker_id=self.worker_id,
            excluded_queue_names=[],
        )
        try:
            if not self.stopping.is_set():
                self.current.run()  # our signal handlers stay: a stop lets the running task finish
            return self.current._run_tasks
        finally:
            self.current = None

    def prune_database_results(self):
        """Delete the rows of the tasks finished more than ``KEEP_RESULTS`` ago."""
        from django_tasks_db.models import DBTaskResult

        finished = DBTaskResult.objects.finished().filter(
            backend_name=self.backend_alias, finished_at__lte=timezone.now() - KEEP_RESULTS
        )
        deleted = 0
        while batch := list(finished.values_list("pk", flat=True)[:PRUNE_BATCH]):
            deleted += DBTaskResult.objects.filter(pk__in=batch).delete()[0]
        if deleted:
            logger.info(
                "wechat_worker %s: deleted %d task(s) finished before %s ago", self.worker_id, deleted, KEEP_RESULTS
            )

    def run_rq_burst(self):
        """RQ's worker in burst mode on the backend's queues, its scheduler included (tasks with ``run_after``)."""
        from django_rq.utils import reset_db_connections
        from django_rq.workers import get_worker, get_worker_class

        stopping = self.stopping

        class StoppableWorker(get_worker_class()):
            def request_stop(self, signum, frame):  # RQ's own warm shutdown, and our loop stops too
                stopping.set()
                super().request_stop(signum, frame)

        worker = get_worker(*sorted(self.backend.queues), worker_class=StoppableWorker)
        reset_db_connections()  # in case the configured worker class forks
        if self.stopping.is_set():
            return 0
        # RQ installs its own SIGTERM/SIGINT handlers for the pass (the same two steps as ours); ours come back after.
        handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
        try:
            worked = worker.work(burst=True, with_scheduler=True, logging_level="WARNING")
        finally:
            for signum, handler in handlers.items():
                signal.signal(signum, handler)
        return (worker.successful_job_count + worker.failed_job_count) or worked

    # -- signals ----------------------------------------------------------------------------------------------

    def install_signal_handlers(self):
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)

    def request_stop(self, signum, frame):
        if self.stopping.is_set():  # the second time: now, whatever runs
            logger.warning("wechat_worker %s: %s again, stopping now", self.worker_id, signal.Signals(signum).name)
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        logger.info(
            "wechat_worker %s: %s, stopping once the running task, if any, is done (send it again to stop now)",
            self.worker_id,
            signal.Signals(signum).name,
        )
        self.stopping.set()
        if self.current is not None:
            self.current.running = False  # django-tasks-db's worker: no next task


def backend_kind(backend):
    """``"database"`` (django-tasks-db) or ``"rq"`` (django-tasks-rq): the backends this worker runs."""
    module = type(backend).__module__
    if module.startswith("django_tasks_db"):
        return "database"
    if module.startswith("django_tasks_rq"):
        return "rq"
    raise CommandError(
        f"wechat_worker runs the tasks of django_tasks_db.DatabaseBackend or django_tasks_rq.RQBackend, "
        f"not of {type(backend).__module__}.{type(backend).__name__} (the TASKS setting)"
    )
