"""Slow handlers over real processes: gunicorn, the project's task worker and the fake WeChat server.

A declared slow handler (``defer=True``) whose worker is killed mid-task is finished by a new worker,
and its reply reaches WeChat exactly once, whatever WeChat's retries do meanwhile; an undeclared 7 s
handler's reply rides on WeChat's retry as a passive reply and is not sent again. Both task backends:
the database (the default) and RQ on Redis.
"""

import json
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from .conftest import manage, project_env
from .servers import fake_wechat
from .webhook_site import prepare, serve

SLOW = '''"""Test handlers: a declared slow handler and an undeclared one."""

import os
import time

from wechat import router


def record(label):
    with open(os.environ["PROBE_RUNS"], "a", encoding="utf-8") as runs:
        runs.write(f"{label}\\t{os.getpid()}\\n")


@router.text(regex=r"^llm ", defer=True, ack="正在思考…")
def llm(message):
    record("llm start")
    time.sleep(3)  # long enough to kill the worker half-way
    record("llm end")
    return f"answer to {message.content}"


@router.text(regex=r"^slow7 ")
def slow7(message):
    time.sleep(7)
    return f"slow answer to {message.content}"
'''


def custom_messages(api, openid):
    with urllib.request.urlopen(f"{api}__fake__/custom_messages?touser={openid}", timeout=5) as response:
        return json.loads(response.read())


def start_worker(project, env):
    return subprocess.Popen(
        [sys.executable, *manage(project), "wechat_worker", "--interval", "0.2"],
        cwd=project,
        env=project_env(project, **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.mark.slow
@pytest.mark.parametrize("cache", ["database", "redis"])
def test_a_killed_worker_s_task_is_finished_once_and_a_slow_reply_rides_on_a_retry(tmp_path, cache):
    project, env = prepare(tmp_path, cache=cache)
    (project / "handlers" / "slow.py").write_text(SLOW, encoding="utf-8")
    runs = tmp_path / "runs.log"
    runs.touch()
    env = {**env, "WECHAT_APP_SECRET": "deferred-secret"}
    with fake_wechat(project, env) as api:
        env = {**env, "WECHAT_API_BASE_URL": api}
        with serve(project, env, tmp_path / "gunicorn.log") as site:
            openid = site.wire.plain.openid
            worker = start_worker(project, env)
            try:
                # 1. A declared slow handler; its worker is killed while the handler runs.
                fields = site.wire.plain.text_fields("llm 1")
                first = site.send(site.wire.push(fields))
                assert (first.status, first.reply) == (200, "正在思考…")
                assert wait_for(lambda: "llm start" in runs.read_text(), 30), "the worker never started the task"
                worker.send_signal(signal.SIGKILL)
                worker.wait(timeout=10)
                retries = [site.send(site.wire.push(fields)) for _ in range(2)]  # WeChat retries meanwhile
                assert [(r.status, r.reply) for r in retries] == [(200, "正在思考…")] * 2
                restarted = time.monotonic()
                worker = start_worker(project, env)
                assert wait_for(lambda: custom_messages(api, openid), 60), "the reply never went out"
                finished_after = time.monotonic() - restarted
                time.sleep(4)  # a second delivery would show by now
                sent = custom_messages(api, openid)
                print(
                    f"\n[{cache}] kill test: handler runs started={runs.read_text().count('llm start')}, "
                    f"customer-service messages={len(sent)}, finished {finished_after:.1f} s after the new worker"
                )
                assert [m["content"] for m in sent] == ["answer to llm 1"]
                assert finished_after < 60

                # 2. An undeclared 7 s handler: WeChat's retry at 5 s carries its reply.
                slow_fields = site.wire.plain.text_fields("slow7 x", openid="o_slow7_user")
                original = {}
                thread = threading.Thread(
                    target=lambda: original.update(answer=site.send(site.wire.push(slow_fields), timeout=15))
                )
                thread.start()
                time.sleep(5)
                retry = site.send(site.wire.push(slow_fields), timeout=15)
                thread.join()
                assert (retry.status, retry.reply) == (200, "slow answer to slow7 x")
                time.sleep(14)  # past WeChat's retries, when the late reply would go out
                print(f"[{cache}] 7 s handler: retry answered after {retry.seconds:.1f} s with its reply")
                assert custom_messages(api, "o_slow7_user") == []  # carried once, not sent again
            finally:
                worker.terminate()
                worker.wait(timeout=15)
