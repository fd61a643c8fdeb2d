"""Background servers for the template's tests: gunicorn and the fake WeChat API, on free loopback ports."""

import contextlib
import json
import socket
import subprocess
import sys
import time
import urllib.request

from .conftest import manage, project_env


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}: {process.stderr.read()}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port}")


@contextlib.contextmanager
def background(project, args, port, env):
    """Run ``python *args`` in the project until the block ends; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, *args],
        cwd=project,
        env=project_env(project, **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=15)


def gunicorn(project, env, workers=2):
    port = free_port()
    app = "app" if (project / "app.py").exists() else "config.wsgi"
    args = ["-m", "gunicorn", app, "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--timeout", "10"]
    return background(project, args, port, env)


def fake_wechat(project, env, openid="o_browser_user", delay=0.0):
    port = free_port()
    args = [*manage(project), "wechat_fake_server", "--port", str(port), "--openid", openid, "--delay", str(delay)]
    return background(project, args, port, env)


def fake_calls(url):
    with urllib.request.urlopen(url + "__fake__/calls", timeout=5) as response:
        return json.loads(response.read())
