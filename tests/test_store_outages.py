"""The shared store stalls or goes away while pushes arrive: Redis stopped, Redis frozen (SIGSTOP) for
10 s, SQLite write-locked by another process for 8 s. Every push still gets a fast answer decided by
``WECHAT_ON_STORE_OUTAGE`` (``handle``, the default: handled without dedup, answered 200; ``retry``:
503, so that WeChat sends it again), no gunicorn worker times out, and dedup holds again once the
store is back.

gunicorn runs with 4 workers, production settings and the project's own worker timeout; each phase
prints its counts (``pytest -rP`` shows them) and every failed expectation is listed at the end.
"""

import contextlib
import os
import signal
import sqlite3
import threading

import pytest

from .servers import free_port, start_redis
from .webhook_site import WORKERS, prepare, serve, statuses, tally

ANSWER_WITHIN = 3.0  # seconds; WeChat gives up after 5
REDIS_FROZEN = 10.0
SQLITE_LOCKED = 8.0
MARGIN = 1.5  # the last push starts this long before the store is back, so that every push meets the outage


class Redis:
    """A redis-server of the test's own, to stop, restart, freeze and thaw."""

    def __init__(self):
        self.port = free_port()
        self.process = start_redis(self.port)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)

    def start(self):
        self.process = start_redis(self.port)

    def freeze(self):
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self):
        os.kill(self.process.pid, signal.SIGCONT)

    def close(self):
        if self.process.poll() is None:
            self.thaw()
            self.stop()


class SqliteLock:
    """Another process's write lock on the project's SQLite file (this test process holds it)."""

    def __init__(self, path):
        self.path = path
        self.connection = None

    def take(self):
        self.connection = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        self.connection.execute("BEGIN EXCLUSIVE")

    def release(self):  # from the timer's thread
        self.connection.execute("ROLLBACK")
        self.connection.close()


@pytest.fixture(scope="module")
def redis_project(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("redis-outage")
    redis = Redis()
    try:
        project, env = prepare(tmp_path, cache="redis", env={"CACHE_URL": f"redis://127.0.0.1:{redis.port}/0"})
        yield project, env, redis
    finally:
        redis.close()


@contextlib.contextmanager
def lasting(begin, end, seconds):
    """``begin()`` now and ``end()`` ``seconds`` later, however long the block's pushes wait."""
    failures = []

    def finish():
        try:
            end()
        except Exception as error:
            failures.append(error)

    begin()
    timer = threading.Timer(seconds, finish)
    timer.start()
    try:
        yield
    finally:
        timer.join()
    if failures:
        raise failures[0]


class Outages:
    """Runs outages against a site under one policy; collects what went wrong instead of stopping at it."""

    def __init__(self, site, policy):
        self.site = site
        self.policy = policy
        self.problems = []

    def expect(self, condition, problem):
        if not condition:
            self.problems.append(problem)

    def outage(self, name, begin, end, seconds):
        """Pushes from 4 senders while the store is out for ``seconds``; then recovery and dedup."""
        case = f"{name}, {self.policy}"
        prefix = f"{self.policy}-{name.replace(' ', '_')}"
        timeouts_before = self.site.worker_timeouts()
        with lasting(begin, end, seconds):
            sent = self.site.load(prefix, seconds - MARGIN)
        answers = [answer for _, answer in sent]
        runs, duplicates, lost = tally(self.site.runs(), [content for content, _ in sent])
        slowest = max(answer.seconds for answer in answers)
        worker_timeouts = self.site.worker_timeouts() - timeouts_before
        counts = f"runs={runs} duplicates={duplicates} lost={lost}"
        if self.policy == "retry":
            counts = f"runs={runs} (none expected: WeChat retries a 503)"
        print(
            f"\n[{case}] pushes={len(sent)} statuses={statuses(answers)} slowest={slowest:.2f}s {counts} "
            f"worker_timeouts={worker_timeouts}"
        )
        self.expect(slowest < ANSWER_WITHIN, f"{case}: slowest answer took {slowest:.2f}s")
        self.expect(worker_timeouts == 0, f"{case}: {worker_timeouts} gunicorn WORKER TIMEOUT")
        if self.policy == "handle":
            wrong = [(content, a.status, a.reply) for content, a in sent if a.reply != f"saw {content}"]
            self.expect(not wrong, f"{case}: {len(wrong)} pushes not answered with their reply, e.g. {wrong[:3]}")
            self.expect((duplicates, lost) == (0, 0), f"{case}: duplicates={duplicates} lost={lost}")
        else:
            self.expect(statuses(answers) == {503: len(sent)}, f"{case}: statuses {statuses(answers)}, not all 503")
            self.expect(runs == 0, f"{case}: the handler ran {runs} times for pushes WeChat will retry")
        self.after(case, prefix)

    def after(self, case, prefix):
        """The store is back: dedup works again on every worker, within a few seconds."""
        recovered = self.site.wait_for_dedup()
        print(f"[{case}] dedup works again after {'never' if recovered is None else f'{recovered:.1f}s'}")
        self.expect(recovered is not None, f"{case}: dedup did not work again within 15 s")
        if recovered is None:
            return
        site = self.site
        content = f"probe {prefix}-after-identical"
        identical = site.burst([site.wire.text(content)] * WORKERS)
        self.expect(
            sorted(answer.status for answer in identical) == [200, 403, 403, 403] and site.runs()[content] == 1,
            f"{case}: afterwards, 4 identical pushes got {statuses(identical)} and ran {site.runs()[content]} times",
        )
        content = f"probe {prefix}-after-retried"
        fields = site.wire.plain.text_fields(content)
        retried = site.burst([site.wire.push(fields) for _ in range(WORKERS)])
        self.expect(
            [(a.status, a.reply) for a in retried] == [(200, f"saw {content}")] * WORKERS and site.runs()[content] == 1,
            f"{case}: afterwards, 4 retries got {[(a.status, a.reply) for a in retried]} "
            f"and ran {site.runs()[content]} times",
        )

    def assert_no_problems(self):
        assert not self.problems, "\n".join(self.problems)


@pytest.mark.slow
@pytest.mark.parametrize("policy", ["handle", "retry"])
def test_redis_stopped_or_frozen_pushes_answered_fast_by_the_outage_policy(redis_project, tmp_path, policy):
    project, env, redis = redis_project
    if policy == "retry":
        env = {**env, "WECHAT_ON_STORE_OUTAGE": "retry"}  # "handle" is the default: not set
    with serve(project, env, tmp_path / "gunicorn.log") as site:
        outages = Outages(site, policy)
        outages.outage("redis stopped", redis.stop, redis.start, seconds=4)
        outages.outage(f"redis frozen {REDIS_FROZEN:.0f}s", redis.freeze, redis.thaw, seconds=REDIS_FROZEN)
    outages.assert_no_problems()


@pytest.mark.slow
def test_sqlite_locked_by_another_process_pushes_answered_fast_by_the_outage_policy(tmp_path):
    project, env = prepare(tmp_path)
    lock = SqliteLock(project / "db.sqlite3")
    problems = []
    for policy, seconds in (("handle", SQLITE_LOCKED), ("retry", 4.0)):
        policy_env = env if policy == "handle" else {**env, "WECHAT_ON_STORE_OUTAGE": "retry"}
        with serve(project, policy_env, tmp_path / f"gunicorn-{policy}.log") as site:
            outages = Outages(site, policy)
            outages.outage(f"sqlite locked {seconds:.0f}s", lock.take, lock.release, seconds=seconds)
            problems += outages.problems
    assert not problems, "\n".join(problems)
