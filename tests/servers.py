"""Background servers for the template's tests: gunicorn and the fake WeChat API, on free loopback ports."""

import contextlib
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .conftest import manage, project_env


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, process, seconds=30, log=None):
    """Wait until ``process`` listens on ``port``; its stderr is a pipe, or the file ``log``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = Path(log).read_text() if log else process.stderr.read()
            raise AssertionError(f"server exited with {process.returncode}: {output}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port}")


@contextlib.contextmanager
def background(project, args, port, env, log=None):
    """Run ``python *args`` in the project until the block ends; yields its base URL.

    Its stderr goes to the file ``log`` when given (a pipe nobody reads fills up under heavy logging).
    """
    with contextlib.ExitStack() as stack:
        stderr = stack.enter_context(open(log, "w", encoding="utf-8")) if log else subprocess.PIPE
        process = subprocess.Popen(
            [sys.executable, *args],
            cwd=project,
            env=project_env(project, **env),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
        )
        try:
            wait_for_port(port, process, log=log)
            yield f"http://127.0.0.1:{port}/"
        finally:
            process.terminate()
            process.wait(timeout=15)


def gunicorn(project, env, workers=2, timeout=10, log=None):
    """gunicorn with the project's gunicorn.conf.py; ``timeout=None`` keeps the project's own worker timeout."""
    port = free_port()
    app = "app" if (project / "app.py").exists() else "config.wsgi"
    args = ["-m", "gunicorn", app, "--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
    if timeout is not None:
        args += ["--timeout", str(timeout)]
    return background(project, args, port, env, log=log)


def start_redis(port):
    """A redis-server of the test's own on ``port`` (to stop or freeze without disturbing anyone)."""
    process = subprocess.Popen(
        [shutil.which("redis-server"), "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_port(port, process)
    return process


def fake_wechat(project, env, openid="o_browser_user", delay=0.0):
    port = free_port()
    args = [*manage(project), "wechat_fake_server", "--port", str(port), "--openid", openid, "--delay", str(delay)]
    return background(project, args, port, env)


def fake_calls(url):
    with urllib.request.urlopen(url + "__fake__/calls", timeout=5) as response:
        return json.loads(response.read())
