# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""``runserver``, which in development also runs the task worker: no second terminal for late replies.

With ``DEBUG`` on, the process that serves (the autoreloader's child, or the only process
with ``--noreload``) starts ``wechat_worker`` as a subprocess next to it, and stops it when
the server stops or reloads after a code change (the new server starts a new worker).
``--noworker`` leaves it out, e.g. when you run ``wechat_worker`` yourself.

The autoreloader watches the modules already imported; a *new* file in a handler
package (``handlers/``, from ``WECHAT_HANDLERS``) reloads the server too, so that
it is imported: the package's directory is watched, and a change to it that adds,
removes or renames a ``.py`` file restarts the server (an editor's swap file does not).

This command is Django's (with staticfiles' additions): the ``wechat`` app comes before
``django.contrib.staticfiles`` in ``INSTALLED_APPS``, so it is the ``runserver`` Django finds.
"""

import atexit
import importlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import Command as StaticfilesRunserverCommand
from django.utils import autoreload

from wechat.conf import app_settings

STOP_WAIT = 2.0  # seconds to wait for the worker to stop; one busy with a task finishes it, then stops


class Command(StaticfilesRunserverCommand):
    help = StaticfilesRunserverCommand.help + " In DEBUG it also starts wechat_worker, which runs the enqueued tasks."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--noworker",
            action="store_false",
            dest="use_worker",
            help="Do not start wechat_worker next to the server.",
        )

    def run(self, **options):
        autoreload.autoreload_started.connect(watch_handler_packages, dispatch_uid="wechat.watch_handler_packages")
        autoreload.file_changed.connect(handler_files_changed, dispatch_uid="wechat.handler_files_changed")
        serving = not options["use_reloader"] or os.environ.get(autoreload.DJANGO_AUTORELOAD_ENV) == "true"
        if serving and settings.DEBUG and options.get("use_worker", True):
            self.worker = None
            signal.signal(signal.SIGTERM, self.stop_now)
            self.worker = self.start_worker()
        super().run(**options)

    def start_worker(self):
        command = [*python_command(), "wechat_worker", "--parent", str(os.getpid())]
        environment = {key: value for key, value in os.environ.items() if key != autoreload.DJANGO_AUTORELOAD_ENV}
        # Its own session: Ctrl-C reaches the server only, which then stops the worker once.
        worker = subprocess.Popen(command, env=environment, start_new_session=True)
        atexit.register(stop_worker, worker)
        self.stdout.write(f"Started wechat_worker (pid {worker.pid}) for the enqueued tasks; it stops with the server.")
        return worker

    def stop_now(self, signum, frame):
        """SIGTERM: stop the worker, then this server, at once.

        Not by raising ``SystemExit`` (``sys.exit()``): an exception raised by a signal handler is
        swallowed when the signal lands in a finalizer or a weakref callback, and the server would
        serve on. A worker that has just been started, before ``self.worker`` is set, stops by
        itself within a second once its parent is gone.
        """
        if self.worker is not None:
            stop_worker(self.worker)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def python_command():
    """How this process was started (``python manage.py``, ``python app.py``...), without its arguments."""
    arguments = autoreload.get_child_arguments()
    return arguments[: len(arguments) - (len(sys.argv) - 1)]


def stop_worker(worker):
    if worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(STOP_WAIT)
    except subprocess.TimeoutExpired:
        sys.stderr.write(f"wechat_worker (pid {worker.pid}) stops once its running task is finished.\n")


handler_files = {}  # directory of a handler package -> names of its .py files, when the reloader started


def watch_handler_packages(sender, **kwargs):
    """Have the reloader (``sender``) notice files added to the handler packages, which nothing has imported yet."""
    for name in app_settings.HANDLERS:
        for directory in getattr(importlib.import_module(name), "__path__", []):
            directory = Path(directory).resolve()
            handler_files[directory] = python_files(directory)
            sender.watch_dir(directory, "*.py")  # Watchman sees new files matching this
            sender.extra_files.add(directory)  # StatReloader skips new files, but sees the directory's mtime change


def handler_files_changed(sender, file_path, **kwargs):
    """True (no reload) when a handler package's directory changed without a ``.py`` file coming or going."""
    known = handler_files.get(Path(file_path))
    return known is not None and python_files(Path(file_path)) == known


def python_files(directory):
    return sorted(path.name for path in directory.glob("*.py"))
