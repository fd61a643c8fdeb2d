"""``wechat_worker`` runs the enqueued tasks, whatever the backend; ``runserver`` starts one in development.

With the database backend the tasks wait in the test database (a file, so the worker sees
what the test wrote: ``transactional_db``); with Redis they wait in the real Redis of
``CACHE_URL``, on a queue of the test's own, which no other worker takes from.
"""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from wechat.tasks import TaskResultStatus, task

PROJECT = Path(__file__).resolve().parent.parent
SINGLE_FILE = (PROJECT / "app.py").exists()
MANAGE = [sys.executable, "app.py" if SINGLE_FILE else "manage.py"]


@task()
def add(a, b):
    return a + b


@task()
def fail():
    raise ValueError("this task fails on purpose")


@task()
def slow(seconds):
    time.sleep(seconds)
    return "done"


@pytest.fixture
def queue(settings, transactional_db, monkeypatch):
    """The queue the test's tasks go to (``task.using(queue_name=queue)``): one of its own with Redis."""
    if settings.TASKS["default"]["BACKEND"] != "django_tasks_rq.RQBackend":
        yield "default"
        return
    import django_rq

    from wechat.management.commands.wechat_worker import Worker

    name = "test-" + secrets.token_hex(6)
    settings.RQ_QUEUES = {**settings.RQ_QUEUES, name: settings.RQ_QUEUES["default"]}
    settings.TASKS = {"default": {**settings.TASKS["default"], "QUEUES": [name]}}  # the worker's queues too
    # The project's sweep puts work back on the project's queue, which these settings leave out.
    monkeypatch.setattr(Worker, "sweep", lambda worker: 0)
    yield name
    test_queue = django_rq.get_queue(name)
    test_queue.delete(delete_jobs=True)  # the jobs run expire by themselves
    for key in test_queue.connection.scan_iter(f"rq:*:{name}*"):  # its registries
        test_queue.connection.delete(key)


def statuses(*results):
    for result in results:
        result.refresh()
    return [result.status for result in results]


def test_once_runs_an_enqueued_task_to_completion(queue):
    result = add.using(queue_name=queue).enqueue(2, 3)
    assert statuses(result) == [TaskResultStatus.READY]

    call_command("wechat_worker", "--once")

    assert statuses(result) == [TaskResultStatus.SUCCESSFUL]
    assert result.return_value == 5


def test_a_failing_task_is_recorded_and_the_next_one_still_runs(queue):
    failing = fail.using(queue_name=queue).enqueue()
    fine = add.using(queue_name=queue).enqueue(1, 1)

    call_command("wechat_worker", "--once")

    assert statuses(failing, fine) == [TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL]


def test_a_failing_sweep_does_not_keep_the_ready_tasks_from_running(queue, monkeypatch):
    from wechat.management.commands.wechat_worker import Worker

    monkeypatch.setattr(Worker, "sweep", lambda worker: 1 / 0)
    result = add.using(queue_name=queue).enqueue(3, 4)

    with pytest.raises(CommandError, match="failed"):
        call_command("wechat_worker", "--once")

    assert statuses(result) == [TaskResultStatus.SUCCESSFUL]


def test_a_task_runs_once_its_time_has_come(queue):
    run_after = timezone.now() + timedelta(seconds=3)  # room for a slow start on a busy machine
    later = add.using(queue_name=queue, run_after=run_after).enqueue(1, 2)
    call_command("wechat_worker", "--once")
    assert statuses(later) == [TaskResultStatus.READY]

    time.sleep(max(0.0, (run_after - timezone.now()).total_seconds()) + 0.2)
    call_command("wechat_worker", "--once")
    assert statuses(later) == [TaskResultStatus.SUCCESSFUL]


def test_sigterm_lets_the_running_task_finish_and_starts_no_other(queue):
    from wechat.management.commands.wechat_worker import Worker

    first = slow.using(queue_name=queue).enqueue(1)
    second = slow.using(queue_name=queue).enqueue(1)
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    started = time.monotonic()
    try:
        Worker(interval=0.1).run()  # returns once stopped
    finally:
        timer.cancel()
        for signum, handler in handlers.items():
            signal.signal(signum, handler)

    assert statuses(first, second) == [TaskResultStatus.SUCCESSFUL, TaskResultStatus.READY]
    assert time.monotonic() - started < 5


# -- runserver starts the worker next to it, and stops it ------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def processes():
    """{pid: (parent pid, command line)} of every process, from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z":  # a zombie has stopped
            found[int(entry.name)] = (int(fields[1]), [part.decode(errors="replace") for part in command])
    return found


def workers_under(pid):
    """The ``wechat_worker`` processes started by ``pid`` or by its descendants."""
    table = processes()
    family, workers = {pid}, []
    for _ in range(5):
        family |= {child for child, (parent, _) in table.items() if parent in family}
    for child in family:
        if "wechat_worker" in table.get(child, (0, []))[1]:
            workers.append(child)
    return workers


def wait_for(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    return condition()


# Lands a SIGTERM inside a finalizer while runserver runs its system checks (a sitecustomize module:
# Python imports it at start, so the server is started as a user starts it).
SIGTERM_IN_A_FINALIZER = """
import signal
import sys

from django.core import checks


class LandsInAFinalizer:
    def __del__(self):
        signal.raise_signal(signal.SIGTERM)


if "runserver" in sys.argv:

    @checks.register()
    def sigterm_in_a_finalizer(**kwargs):
        LandsInAFinalizer()  # collected at once: the handler runs inside __del__
        print("checks done", flush=True)
        return []
"""


class Runserver:
    """``runserver`` (in DEBUG) in a process group of its own, as a terminal starts it; its output read as it comes."""

    def __init__(self, tmp_path, settings, *options, **env):
        redis = settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend"
        environment = {
            key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "WECHAT_", "JWT_"))
        }
        environment.update(
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            JWT_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_DEBUG="true",
            PYTHONUNBUFFERED="1",
            # This worker must take no one's tasks: a database of its own, and no Redis it can reach.
            DATABASE_URL=f"sqlite:///{tmp_path / 'runserver.sqlite3'}",
            CACHE_URL="redis://127.0.0.1:9/0" if redis else "dbcache://wechat_cache",
            **env,
        )
        self.process = subprocess.Popen(
            [*MANAGE, "runserver", f"127.0.0.1:{free_port()}", *options],
            cwd=PROJECT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines = []  # read as they come: the pipe never fills, and a test sees what the server has done
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.process.stdout), daemon=True)
        self.reader.start()

    @property
    def output(self):
        return "".join(self.lines)

    def worker(self):
        """The pid of the worker the server started, once it says so."""
        started = wait_for(lambda: re.search(r"Started wechat_worker \(pid (\d+)\)", self.output))
        assert started, self.output
        return int(started[1])

    def stopped(self, timeout=15):
        """Whether the server stopped within ``timeout`` seconds (with its output all read)."""
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        self.reader.join(timeout=10)
        return True

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.process.poll() is None:  # a failed test leaves no server behind
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize(
    "reload, stop",
    [(True, "ctrl-c"), (False, "sigterm")],
    ids=["autoreloader, Ctrl-C", "noreload, SIGTERM"],
)
def test_runserver_starts_the_worker_and_stops_it(tmp_path, settings, reload, stop):
    with Runserver(tmp_path, settings, *([] if reload else ["--noreload"])) as server:
        worker = server.worker()
        assert workers_under(server.process.pid) == [worker]
        if stop == "ctrl-c":
            os.killpg(server.process.pid, signal.SIGINT)
        else:
            os.kill(server.process.pid, signal.SIGTERM)
        assert server.stopped(), "the server did not stop:\n" + server.output
    assert wait_for(lambda: worker not in processes(), timeout=10), "the worker outlived the server"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_a_sigterm_landing_in_a_finalizer_still_stops_the_server(tmp_path, settings):
    """An exception raised by a signal handler inside ``__del__`` is swallowed: SIGTERM must not rely on one."""
    (tmp_path / "sitecustomize.py").write_text(SIGTERM_IN_A_FINALIZER, encoding="utf-8")
    pythonpath = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    with Runserver(tmp_path, settings, "--noreload", PYTHONPATH=pythonpath) as server:
        worker = server.worker()
        assert server.stopped(), "the server served on:\n" + server.output
    assert "checks done" not in server.output, server.output
    assert wait_for(lambda: worker not in processes(), timeout=10), "the worker outlived the server"
