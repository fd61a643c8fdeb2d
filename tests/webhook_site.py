"""A generated project under gunicorn (4 workers, production settings) with a probe handler, and the
signed pushes to send it over real HTTP.

The probe is what a user would add: a module in the project's ``handlers/`` folder. Every run appends one
line to the file named by ``PROBE_RUNS``, so runs are counted across worker processes, and every reply
names what the handler saw, so a reply shows which push it answers.

Pushes are signed (and encrypted) by the generated project's own ``wechat.testing``.
"""

import collections
import concurrent.futures
import contextlib
import importlib
import importlib.util
import secrets
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import xmltodict

from .conftest import generate, manage, production_env, run
from .servers import gunicorn

TOKEN = "adversity-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx5a5a5a5a5a5a5a5a"
ACCOUNT = "gh_test_account"
WORKERS = 4

PROBE = '''"""Test probe: one line per handler run in the file named by PROBE_RUNS; replies name what they saw."""

import os
import time

from wechat import router


def record(kind, label):
    with open(os.environ["PROBE_RUNS"], "a", encoding="utf-8") as runs:
        runs.write(f"{kind}\\t{label}\\t{os.getpid()}\\n")


@router.text(regex=r"^probe ")
def probe_text(message):
    record("text", message.content)
    if message.content.endswith(" slow"):
        time.sleep(0.3)  # keeps a worker busy, so that a burst reaches the others
    return f"saw {message.content}"


@router.event("CLICK")
def probe_click(message):
    record("click", message.key)
    return f"saw key {message.key}"
'''


def prepare(tmp_path, env=(), **answers):
    """A generated project with the probe handler, migrated: ``(project, env)`` for gunicorn.

    Everything production needs is passed explicitly (no ``.env``). Compatible mode accepts plaintext
    and encrypted pushes alike, so one server answers both.
    """
    project = generate(tmp_path / "generated", **answers)
    (project / "handlers" / "probe.py").write_text(PROBE, encoding="utf-8")
    env = {
        **production_env(project),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "JWT_SECRET_KEY": secrets.token_urlsafe(50),
        "WECHAT_TOKEN": TOKEN,
        "WECHAT_APP_ID": APP_ID,
        "WECHAT_ENCODING_AES_KEY": AES_KEY,
        "WECHAT_ENCRYPT_MODE": "compatible",
        "PROBE_RUNS": str(tmp_path / "runs.log"),
        **dict(env),
    }
    migrated = run(project, *manage(project), "migrate", "--noinput", **env)
    assert migrated.returncode == 0, migrated.stderr
    return project, env


@contextlib.contextmanager
def serve(project, env, log):
    """gunicorn with 4 workers and the project's own worker timeout, every worker warmed up; yields a Site."""
    with gunicorn(project, env, workers=WORKERS, timeout=None, log=log) as url:
        site = Site(url + "wechat/", Path(env["PROBE_RUNS"]), Path(log), Wire(project))
        site.warm_up()
        yield site


def load_testing(project):
    """The generated project's own ``wechat.testing``, imported under a package name of its own."""
    name = f"generated_wechat_{secrets.token_hex(4)}"
    package = project / "wechat"
    spec = importlib.util.spec_from_file_location(
        name, package / "__init__.py", submodule_search_locations=[str(package)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return importlib.import_module(f"{name}.testing")


@dataclass
class Push:
    query: str
    body: bytes


class Wire:
    """Signed pushes: ``plain`` and ``safe`` (encrypted) PushBuilders, and raw XML signed by hand."""

    def __init__(self, project):
        self.testing = load_testing(project)
        self.plain = self.testing.PushBuilder(TOKEN, account=ACCOUNT)
        self.safe = self.testing.PushBuilder(TOKEN, mode="safe", aes_key=AES_KEY, app_id=APP_ID, account=ACCOUNT)

    def builder(self, encrypted):
        return self.safe if encrypted else self.plain

    def push(self, fields, encrypted=False):
        """``fields`` signed with a fresh timestamp and nonce (a retry, when sent again)."""
        return Push(*self.builder(encrypted).sign(fields))

    def text(self, content, encrypted=False, **extra):
        return self.push(self.plain.text_fields(content, **extra), encrypted)

    def raw(self, xml, encrypted=False):
        """Any XML, validly signed (and encrypted), as WeChat's servers would send it."""
        timestamp = str(int(time.time()))
        nonce = str(secrets.randbelow(10**10))
        query = {
            "signature": self.testing.signature(TOKEN, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": self.plain.openid,
        }
        if not encrypted:
            return Push(urlencode(query), xml.encode("utf-8"))
        sealed = xmltodict.parse(self.safe.crypto.encrypt_message(xml, nonce, timestamp))["xml"]
        query.update(encrypt_type="aes", msg_signature=sealed["MsgSignature"])
        envelope = self.testing.to_xml({"ToUserName": ACCOUNT, "Encrypt": sealed["Encrypt"]})
        return Push(urlencode(query), envelope.encode("utf-8"))


@dataclass
class Answer:
    status: int  # 0: no answer (connection dropped or timed out)
    body: str  # the reason of a refusal, the raw reply otherwise
    reply: str | None  # the reply's Content, decrypted; None for "success"
    seconds: float


class Site:
    def __init__(self, url, runs_file, log_file, wire):
        self.url = url
        self.runs_file = runs_file
        self.log_file = log_file
        self.wire = wire

    # -- Sending ----------------------------------------------------------------
    def send(self, push, timeout=10):
        request = urllib.request.Request(
            f"{self.url}?{push.query}", data=push.body, headers={"Content-Type": "text/xml"}
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        except OSError as error:  # reset by a killed worker, or no answer in time
            return Answer(0, repr(error), None, time.monotonic() - started)
        seconds = time.monotonic() - started
        reply = None
        if status == 200:
            parsed = self.wire.safe.read_reply(body)  # decrypts encrypted replies, reads plain ones
            reply = parsed.get("Content") if parsed else None
        return Answer(status, body.decode("utf-8", "replace"), reply, seconds)

    def burst(self, pushes):
        """``pushes`` sent at the same moment, one thread each (released by a barrier); their Answers."""
        start = threading.Barrier(len(pushes))

        def send(push):
            start.wait()
            return self.send(push)

        with concurrent.futures.ThreadPoolExecutor(max_workers=len(pushes)) as pool:
            return list(pool.map(send, pushes))

    def load(self, prefix, seconds, senders=WORKERS, pause=0.2):
        """Distinct text pushes from ``senders`` threads for ``seconds``: ``[(content, Answer)]``.

        Every other one is created 6 s before it is sent, as WeChat's retries are (a message the
        server cannot know it missed: it must run once all the same).
        """
        until = time.monotonic() + seconds

        def sender(number):
            sent = []
            while time.monotonic() < until:
                content = f"probe {prefix}-{number}-{len(sent)}"
                created = int(time.time()) - 6 if len(sent) % 2 else None
                sent.append((content, self.send(self.wire.text(content, create_time=created))))
                time.sleep(pause)
            return sent

        with concurrent.futures.ThreadPoolExecutor(max_workers=senders) as pool:
            return [item for part in pool.map(sender, range(senders)) for item in part]

    # -- What happened ----------------------------------------------------------
    def run_lines(self):
        if not self.runs_file.exists():
            return []
        return [line.split("\t") for line in self.runs_file.read_text(encoding="utf-8").splitlines()]

    def runs(self):
        """How many times the probe ran for each content or EventKey."""
        return collections.Counter(label for _, label, _ in self.run_lines())

    def worker_timeouts(self):
        return self.log_file.read_text(encoding="utf-8", errors="replace").count("WORKER TIMEOUT")

    # -- Set-up and recovery ------------------------------------------------------
    def warm_up(self, seconds=60):
        """Until every worker has booted and handled a push (a probe line from each of their pids)."""
        deadline = time.monotonic() + seconds
        tag = f"warm-up-{secrets.token_hex(3)}"  # this server's: the runs file may outlive one
        while len({pid for _, label, pid in self.run_lines() if tag in label}) < WORKERS:
            assert time.monotonic() < deadline, f"not every worker answers: {self.log_file.read_text()}"
            self.burst([self.wire.text(f"probe {tag}-{secrets.token_hex(3)}-{n} slow") for n in range(WORKERS)])

    def dedup_round(self):
        """True when 4 distinct pushes (spread over the workers) are answered and their replays refused."""
        tag = secrets.token_hex(3)
        pushes = [self.wire.text(f"probe recovery-{tag}-{n} slow") for n in range(WORKERS)]
        first = self.burst(pushes)
        again = self.burst(pushes)
        return all(a.status == 200 for a in first) and all(a.status == 403 for a in again)

    def wait_for_dedup(self, seconds=15, rounds=2):
        """Seconds until ``rounds`` rounds in a row show dedup working on every worker (after a store
        outage, a worker may fail fast for a moment); None when it never did within ``seconds``."""
        started = time.monotonic()
        good = 0
        while time.monotonic() - started < seconds:
            good = good + 1 if self.dedup_round() else 0
            if good == rounds:
                return time.monotonic() - started
            time.sleep(0.2)
        return None


def tally(runs, labels):
    """``(runs, duplicates, lost)`` over ``labels``, each expected to run exactly once."""
    counts = [runs[label] for label in labels]
    return sum(counts), sum(max(0, count - 1) for count in counts), sum(count == 0 for count in counts)


def statuses(answers):
    return dict(sorted(collections.Counter(answer.status for answer in answers).items()))
