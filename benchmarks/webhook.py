"""Benchmark the generated webhook against a bare Django view in the same project, and print the figures.

    python benchmarks/webhook.py                       # the database cache (SQLite), then Redis
    python benchmarks/webhook.py --cache redis --rounds 7 --duration 5
    python benchmarks/webhook.py --handlers examples   # the project's example handlers answer
    python benchmarks/webhook.py --smoke               # under a minute a cache: does the harness work?
    python benchmarks/webhook.py --message-log-days 0  # the message log off (it is on by default)

For each cache it generates a project with the default answers (the cache set to
the one under test), adds a bare view at ``/bare/`` and a probe handler (see
bench_handlers.py), and serves it with gunicorn: production settings, the
project's gunicorn.conf.py with 2 sync workers and the access log off,
compatible mode (one server takes plain and AES pushes). Then, with wrk at 32
connections, rounds interleaved (bare, plain, safe, bare, plain, safe, ...):

  bare   the bare view: same middleware and settings, reads the body, answers "success";
  plain  the webhook, plaintext pushes;
  safe   the webhook, safe-mode (AES) pushes.

Every push is distinct and validly signed (its own MsgId and nonce, timestamps of
the second it was built), generated right before its round and never sent twice:
a wrk thread that runs out stops, and the round is run again with more pushes.
Every response status is counted; a 200 "success" from the webhook (no reply) is
counted apart. For each load it prints req/s, p50/p99 latency, the ratio to the
bare view (median of the per-cycle ratios), the server CPU per request (utime +
stime of the gunicorn workers from /proc, before and after each round, over the
requests served) and its ratio to the bare view's, the load generator's CPU share
(wrk's CPU time over the round's wall time x CPUs) and the share of the machine
used by other processes meanwhile (a cycle where it exceeds --max-other is run
again, up to 3 times as many cycles as asked for).
Then an in-process cross-check (inprocess.py: CPU per call through the WSGI
application, and a cProfile), the dedup check (each message delivered 4 times to
2 workers: handler runs) and the token stampede check (4 workers, 200 concurrent
JSSDK requests on a cold cache: fetches seen by the fake WeChat server).

Needs: Linux (/proc), wrk (apt-get install wrk), the template's virtualenv, and
redis-server on the PATH for the Redis run (a private one is started on a free
port; or give --redis-url). Run by hand, not in CI, on a quiet machine: 3 minutes a
cache, up to 10 when noisy cycles are run again.
"""

import argparse
import concurrent.futures
import contextlib
import json
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from cookiecutter.main import cookiecutter
from gunicorn.config import Config as GunicornConfig
from pushes import AES_KEY, APP_ID, TOKEN, Pushes

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE.parent
SECRET_KEY = "b9#Kd2!pW9zQ4@xR8$vN1^tY6&bM3*cL-bench-only-" * 2
CPUS = os.cpu_count() or 1
TICK = os.sysconf("SC_CLK_TCK")
LOADS = ("bare", "plain", "safe")
VIEWS = {"bare": "/bare/", "plain": "/wechat/", "safe": "/wechat/"}
TARGETS = {"plain": 0.65, "safe": 0.52}
P99_TARGET_MS = 50.0

# The project's own gunicorn settings (its worker class included) with the access log off;
# the command line sets the workers and the bind address on top.
GUNICORN_CONF = '''"""Written by benchmarks/webhook.py: the project's gunicorn.conf.py with the access log off."""
import runpy

globals().update({k: v for k, v in runpy.run_path("gunicorn.conf.py").items() if not k.startswith("_")})
accesslog = None
'''


# -- The project under test ---------------------------------------------------------------
def make_project(workdir, cache, handlers):
    project = Path(
        cookiecutter(
            str(TEMPLATE),
            no_input=True,
            output_dir=str(workdir),
            extra_context={"project_slug": "bench", "cache": cache},
        )
    )
    shutil.copy(HERE / "bench_app.py", project / "bench_app.py")
    with open(project / "config" / "urls.py", "a", encoding="utf-8") as urls:
        urls.write('\nfrom bench_app import bare  # noqa: E402\n\nurlpatterns += [path("bare/", bare)]\n')
    if not (project / "handlers").is_dir():
        raise SystemExit("the generated project has no handlers/ package: update benchmarks/webhook.py")
    shutil.copy(HERE / "bench_handlers.py", project / "handlers" / "bench.py")
    if handlers == "probe":
        (project / "handlers" / "examples.py").unlink(missing_ok=True)
    (project / "bench_gunicorn.conf.py").write_text(GUNICORN_CONF, encoding="utf-8")
    return project


PREFIXES = ("DJANGO_", "WECHAT_", "GUNICORN_", "JWT_", "MINIPROGRAM_", "BENCH_")


def project_env(project, handlers, cache_url=None, **extra):
    env = {key: value for key, value in os.environ.items() if not key.startswith(PREFIXES)}
    env.pop("DATABASE_URL", None)
    env.pop("CACHE_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=SECRET_KEY,
        JWT_SECRET_KEY=SECRET_KEY[::-1],
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        WECHAT_TOKEN=TOKEN,
        WECHAT_ENCODING_AES_KEY=AES_KEY,
        WECHAT_APP_ID=APP_ID,
        WECHAT_APP_SECRET="bench-secret",
        WECHAT_ENCRYPT_MODE="compatible",
        BENCH_RUNS_FILE=str(project / "runs.txt"),
        BENCH_PROBE="1" if handlers == "probe" else "0",
        PYTHONPATH=str(project),
    )
    if cache_url:
        env["CACHE_URL"] = cache_url
    env.update(extra)
    return env


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, process, what):
    deadline = time.monotonic() + 30
    while True:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        if time.monotonic() > deadline or process.poll() is not None:
            raise SystemExit(f"could not start {what}")
        time.sleep(0.1)


@contextlib.contextmanager
def serving(project, args, env, log_path=None):
    """A process serving on a free port (``{port}`` in ``args``); yields ``(base_url, process)``."""
    port = free_port()
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, *[arg.format(port=port) for arg in args]],
        cwd=project,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, process, " ".join(args[:3]))
        yield f"http://127.0.0.1:{port}/", process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log_path:
            log.close()


def gunicorn(project, env, workers, log_path=None):
    args = ["-m", "gunicorn", "config.wsgi", "-c", "bench_gunicorn.conf.py", "--workers", str(workers)]
    args += ["--bind", "127.0.0.1:{port}"]
    if "control_socket_disable" in GunicornConfig().settings:
        args.append("--no-control-socket")  # gunicorn >= 24: one shared path for every master on the machine
    return serving(project, args, env, log_path)


def worker_pids(master, count):
    """The master's ``count`` worker processes, once they have all started."""
    deadline = time.monotonic() + 30
    while len(pids := children(master.pid)) != count:
        if time.monotonic() > deadline:
            raise SystemExit(f"expected {count} gunicorn workers, found {pids}")
        time.sleep(0.1)
    return pids


@contextlib.contextmanager
def private_redis():
    if not shutil.which("redis-server"):
        raise SystemExit("redis-server is not installed: install it, or give --redis-url")
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=15)


# -- CPU accounting from /proc ---------------------------------------------------------------
def process_cpu(pid):
    """utime + stime of a process, in seconds."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return sorted(found)


def machine_busy():
    """CPU seconds the whole machine spent busy (every CPU, steal included)."""
    with open("/proc/stat", encoding="ascii") as stat:
        values = [int(value) for value in stat.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq + steal) / TICK


# -- Load ---------------------------------------------------------------------------------
BENCH_LINE = re.compile(r"(\w+)=([^\s]+)")


def run_wrk(site, load, pushes_file, args, workers, duration):
    url = site.rstrip("/") + VIEWS[load]  # wrk needs a URL; the paths come from the pushes file
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{duration}s"]
    command += ["-s", str(HERE / "requests.lua"), url, "--", str(pushes_file), str(args.threads)]
    server_before = sum(process_cpu(pid) for pid in workers)
    busy_before, window_start = machine_busy(), time.perf_counter()
    with tempfile.TemporaryFile("w+") as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        time.sleep(0.2)  # requests still queued when wrk stopped
        server_cpu = sum(process_cpu(pid) for pid in workers) - server_before
        busy, window = machine_busy() - busy_before, time.perf_counter() - window_start
        output.seek(0)
        text = output.read()
    if process.returncode != 0 or "BENCH summary" not in text:
        raise SystemExit(f"wrk failed ({process.returncode}):\n{text}")
    summary, statuses, ran_out, empty = {}, {}, False, 0
    for line in text.splitlines():
        if line.startswith("BENCH summary"):
            summary = {key: int(value) for key, value in BENCH_LINE.findall(line)}
        elif line.startswith("BENCH thread"):
            fields = dict(BENCH_LINE.findall(line))
            ran_out |= fields["ran_out"] == "1"
            empty += int(fields["empty_replies"])
            for pair in filter(None, fields.get("statuses", "").split(",")):
                code, count = pair.split(":")
                statuses[int(code)] = statuses.get(int(code), 0) + int(count)
    requests = summary["requests"]
    wrk_cpu = usage.ru_utime + usage.ru_stime
    errors = {key: summary[key] for key in ("connect", "read", "write", "timeout") if summary[key]}
    return {
        "rps": requests / (summary["duration_us"] / 1e6),
        "p50": summary["p50_us"] / 1000,
        "p99": summary["p99_us"] / 1000,
        "server_ms": server_cpu / requests * 1000 if requests else math.nan,
        "wrk_share": wrk_cpu / (wall * CPUS),
        "other_share": max(0.0, busy - server_cpu - wrk_cpu) / (window * CPUS),
        "requests": requests,
        "non_2xx": sum(count for code, count in statuses.items() if not 200 <= code < 300),
        "statuses": statuses,
        "empty": empty,
        "errors": errors,
        "ran_out": ran_out,
    }


def check_once(site, load, pushes):
    """One push of ``load`` over HTTP, answered as the benchmark expects (else it stops here)."""
    target, body = pushes.one(content="bench check")
    url = site.rstrip("/") + ("/bare/" if load == "bare" else target)
    request = urllib.request.Request(url, data=body.encode(), headers={"Content-Type": "text/xml"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, reply = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, reply = error.code, error.read()
    content = reply.decode(errors="replace") if load == "bare" else pushes.read_reply(reply)
    expected = "success" if load == "bare" else "bench check"
    if status != 200 or content is None or expected not in content:
        raise SystemExit(f"{load}: expected 200 with {expected!r} in the reply, got {status}: {reply[:300]!r}")
    return content


def measure(project, env, args, log_path):
    """Interleaved wrk rounds of every load: ``{load: [round figures]}``, one entry per kept cycle.

    A cycle is one round of each load (bare, plain, safe). With ``--max-other``, a cycle
    during which other processes used more than that share of the machine is run again
    (at most ``--rounds`` x 3 cycles in all); if too few quiet cycles come, the least
    noisy of the others are kept, and the report says so.
    """
    loads = {"bare": Pushes("plain"), "plain": Pushes("plain"), "safe": Pushes("safe")}
    rate = dict.fromkeys(LOADS, args.expected_rps)
    quiet, noisy = [], []
    with tempfile.TemporaryDirectory() as scratch, gunicorn(project, env, 2, log_path) as (site, master):
        for load in LOADS:
            reply = check_once(site, load, loads[load])
        print(f"  checked: each load answers 200; a plain push gets {reply!r}", flush=True)
        workers = worker_pids(master, 2)
        pushes_file = Path(scratch) / "pushes.txt"

        def one_round(load, duration):
            for _attempt in range(4):
                count = int(rate[load] * duration * 1.5) + 20 * args.connections
                # Right before the round: fresh timestamps. The path in the file is the one wrk requests.
                loads[load].write(pushes_file, count, view=VIEWS[load])
                figures = run_wrk(site, load, pushes_file, args, workers, duration)
                rate[load] = max(rate[load], figures["rps"])
                if children(master.pid) != workers:
                    raise SystemExit(f"a gunicorn worker was replaced (timeout or crash): see {log_path}")
                # The bare view answers "success" and the probe never does: so each round is
                # known to have reached the view it measures.
                if load == "bare" and figures["empty"] != figures["requests"]:
                    raise SystemExit(f"bare round: {figures['requests'] - figures['empty']} answers not from /bare/")
                if not figures["ran_out"]:
                    return figures
                print(f"  {load}: ran out of pushes ({count}); this round runs again with more", flush=True)
                rate[load] *= 2
            raise SystemExit(f"{load}: still out of pushes after 4 attempts")

        for load in LOADS:  # warm-up: imports, connections, first-use caches; sizes the batches
            one_round(load, 1)
        for cycle in range(args.rounds * 3):
            if len(quiet) == args.rounds:
                break
            figures = {load: one_round(load, args.duration) for load in LOADS}
            other = max(f["other_share"] for f in figures.values())
            (quiet if other <= args.max_other else noisy).append(figures)
            for load, f in figures.items():
                print(
                    f"  cycle {cycle + 1} {load:5} {f['rps']:7.0f} req/s  p99 {f['p99']:6.1f} ms  "
                    f"server {f['server_ms']:.3f} ms/req  wrk {f['wrk_share']:4.0%}  other {f['other_share']:4.0%}  "
                    f"statuses {f['statuses']}",
                    flush=True,
                )
            if other > args.max_other:
                print(f"  cycle {cycle + 1} set aside: other processes used {other:.0%} of the machine", flush=True)
    noisy.sort(key=lambda figures: max(f["other_share"] for f in figures.values()))
    kept = quiet + noisy[: args.rounds - len(quiet)]
    noisy_kept = len(kept) - len(quiet)
    return {load: [figures[load] for figures in kept] for load in LOADS}, len(noisy) - noisy_kept, noisy_kept


# -- Report ---------------------------------------------------------------------------------
def report(cache, handlers, results, set_aside, noisy_kept, max_other):
    print(
        f"\n## cache: {cache}, handlers: {handlers}  (median of {len(results['bare'])} interleaved cycles; "
        f"{set_aside} noisy cycles set aside)"
    )
    if noisy_kept:
        print(
            f"WARNING: {noisy_kept} of these cycles are noisy (other processes above {max_other:.0%} of the machine): "
            "the machine was busy, run again when it is quiet"
        )
    header = (
        f"{'load':6} {'req/s':>7} {'range':>13} {'ratio':>6} {'target':>7} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'server ms/req':>13} {'- bare':>7} {'CPU ratio':>9} {'wrk CPU':>7} {'other':>6} {'non-2xx':>7} "
        f"{'no reply':>8} errors"
    )
    print(header)
    bare_ms = statistics.median(r["server_ms"] for r in results["bare"])
    verdicts = []
    for load in LOADS:
        rounds = results[load]
        rps = [r["rps"] for r in rounds]
        ratios = [r["rps"] / b["rps"] for r, b in zip(rounds, results["bare"], strict=True)]
        ratio = statistics.median(ratios)
        target = TARGETS.get(load)
        mark = "" if target is None else f">={target:.2f}{'' if ratio >= target else '!'}"
        p99 = statistics.median(r["p99"] for r in rounds)
        server_ms = statistics.median(r["server_ms"] for r in rounds)
        no_reply = "-" if load == "bare" else sum(r["empty"] for r in rounds)  # bare always answers "success"
        errors = {}
        for r in rounds:
            for key, value in r["errors"].items():
                errors[key] = errors.get(key, 0) + value
        p50 = statistics.median(r["p50"] for r in rounds)
        wrk_share = statistics.median(r["wrk_share"] for r in rounds)
        other = statistics.median(r["other_share"] for r in rounds)
        non_2xx = sum(r["non_2xx"] for r in rounds)
        print(
            f"{load:6} {statistics.median(rps):7.0f} {min(rps):6.0f}-{max(rps):<6.0f} {ratio:6.2f} {mark:>7} "
            f"{p50:7.2f} {p99:7.2f} {server_ms:13.3f} {server_ms - bare_ms:7.3f} {bare_ms / server_ms:9.2f} "
            f"{wrk_share:7.0%} {other:6.0%} {non_2xx:7d} {no_reply:>8} {errors or ''}"
        )
        if target is not None:
            ratio_verdict = "met" if ratio >= target else "MISSED"
            p99_verdict = "met" if p99 < P99_TARGET_MS else "MISSED"
            verdicts.append(f"{load} {ratio:.2f}x (target >= {target:.2f}x): {ratio_verdict}")
            verdicts.append(f"{load} p99 {p99:.1f} ms (target < {P99_TARGET_MS:.0f} ms): {p99_verdict}")
    print("targets: " + "; ".join(verdicts))
    print(
        "ratio: median of the per-cycle ratios of req/s to the bare round just before; server ms/req: gunicorn "
        "workers' CPU over requests served;\nCPU ratio: bare server ms/req over this load's (the ratio a CPU-bound "
        "server would reach with a free load generator); wrk CPU: the load\ngenerator's share of the machine's CPUs; "
        "other: the share used by every other process meanwhile (noise)."
    )
    sys.stdout.flush()


def log_summary(log_path):
    text = Path(log_path).read_text(encoding="utf-8", errors="replace") if Path(log_path).exists() else ""
    lines = text.splitlines()
    access = sum(1 for line in lines if re.search(r'"(GET|POST) /', line))
    problems = [line for line in lines if re.search(r"Traceback|WORKER TIMEOUT|ERROR|CRITICAL", line)]
    print(f"server log: {len(lines)} lines, {access} access-log lines, {len(problems)} errors", end="")
    print(f" (first: {problems[0].strip()})" if problems else "")


def in_process(project, env, args):
    command = [sys.executable, str(HERE / "inprocess.py"), "--pushes", str(args.inprocess_pushes)]
    if args.smoke:
        command += ["--batches", "1", "--top", "10"]
    result = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    print(result.stdout, end="")
    if result.returncode != 0:
        print(f"in-process run failed:\n{result.stderr[-3000:]}")


# -- Correctness checks under concurrency ---------------------------------------------------------
def dedup(project, env, messages=50, deliveries=4):
    """Each message delivered ``deliveries`` times at once (as WeChat retries it) to 2 workers: handler runs."""
    runs_file = project / "runs.txt"
    runs_file.unlink(missing_ok=True)
    pushes = Pushes("plain")
    with gunicorn(project, env, 2) as (site, _):

        def deliver(item):
            target, body = item
            request = urllib.request.Request(site.rstrip("/") + target, data=body.encode())
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code

        # WeChat's retries carry the original MsgId and CreateTime, with a new timestamp and nonce.
        created = int(time.time()) - 6
        bodies = []
        for number in range(messages):
            first_target, first_body = pushes.one(content=f"dedup-probe {number}", create_time=created)
            msg_id = re.search(r"<MsgId>(\d+)</MsgId>", first_body).group(1)
            for _ in range(deliveries):
                target, body = pushes.one(content=f"dedup-probe {number}", create_time=created)
                bodies.append((target, re.sub(r"<MsgId>\d+</MsgId>", f"<MsgId>{msg_id}</MsgId>", body)))
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(deliver, bodies))
    runs = runs_file.read_text(encoding="utf-8").splitlines() if runs_file.exists() else []
    return {"messages": messages, "deliveries": len(bodies), "200": statuses.count(200), "handler runs": len(runs)}


def stampede(project, env, requests_count=200):
    """4 workers, a cold cache, ``requests_count`` concurrent JSSDK requests: fetches seen by WeChat."""
    env = {**env, "WECHAT_APP_ID": "wx" + os.urandom(8).hex()}
    fake_args = ["manage.py", "wechat_fake_server", "--port", "{port}", "--delay", "0.3"]
    with (
        serving(project, fake_args, env) as (api, _),
        gunicorn(project, {**env, "WECHAT_API_BASE_URL": api}, 4) as (
            site,
            _,
        ),
    ):
        url = f"{site}wechat/jssdk/config/?url=" + quote("http://127.0.0.1/page", safe="")
        start = threading.Barrier(requests_count)

        def get(_):
            start.wait()
            try:
                with urllib.request.urlopen(url, timeout=60) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code

        with concurrent.futures.ThreadPoolExecutor(requests_count) as pool:
            statuses = list(pool.map(get, range(requests_count)))
        with urllib.request.urlopen(api + "__fake__/calls", timeout=5) as response:
            calls = json.loads(response.read())
    return {
        "200": statuses.count(200),
        "token fetches": calls.get("cgi-bin/stable_token", 0) + calls.get("cgi-bin/token", 0),
        "ticket fetches": calls.get("cgi-bin/ticket/getticket", 0),
    }


def checks(project, env):
    for name, check in (("dedup", dedup), ("token stampede", stampede)):
        try:
            print(f"{name}: {check(project, env)}", flush=True)
        except Exception as error:  # the harness reports the check as broken and goes on
            print(f"{name}: could not run: {error!r}", flush=True)


# -- Main ---------------------------------------------------------------------------------
def describe_machine(args):
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=TEMPLATE, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=TEMPLATE, capture_output=True, text=True).stdout
    with open("/proc/loadavg", encoding="ascii") as loadavg:
        load = " ".join(loadavg.read().split()[:3])
    print(
        f"template {commit.stdout.strip() or '?'}{' + uncommitted changes' if dirty.strip() else ''}; "
        f"{CPUS} CPUs, load average {load}; Python {sys.version.split()[0]}; {wrk_version.split(' [')[0]}\n"
        f"gunicorn 2 sync workers, access log off, production settings, compatible mode; "
        f"wrk {args.threads} thread(s), {args.connections} connections; "
        f"{args.rounds} x {args.duration} s rounds per load, interleaved; message log: "
        f"{'project default (on, 30 days)' if args.message_log_days is None else args.message_log_days or 'off'}",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", choices=["database", "redis", "both"], default="both")
    parser.add_argument(
        "--handlers",
        choices=["probe", "examples"],
        default="probe",
        help="probe: a fixed text-reply handler (default); examples: the project's examples",
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk round")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--max-other",
        type=float,
        default=0.15,
        help="run a cycle again when other processes used more than this share of the machine (1: never)",
    )
    parser.add_argument("--expected-rps", type=int, default=3000, help="first guess of the rate, to size pushes")
    parser.add_argument("--inprocess-pushes", type=int, default=2000)
    parser.add_argument("--redis-url", help="use this Redis instead of starting a private one")
    parser.add_argument("--no-checks", action="store_true", help="skip the dedup and token stampede checks")
    parser.add_argument("--smoke", action="store_true", help="1 round of 1 s, small in-process run, no checks")
    parser.add_argument("--keep", metavar="DIR", help="generate the projects in DIR and keep them")
    parser.add_argument(
        "--message-log-days",
        type=int,
        default=None,
        help="WECHAT_MESSAGE_LOG_DAYS for the project (0: the message log off); the project's default otherwise",
    )
    args = parser.parse_args()
    # Stopped with Ctrl-C or kill (even when started in the background): stop the servers too.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    if args.smoke:
        args.rounds, args.duration, args.inprocess_pushes, args.no_checks, args.max_other = 1, 1, 200, True, 1.0
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    describe_machine(args)
    for cache in ["database", "redis"] if args.cache == "both" else [args.cache]:
        with contextlib.ExitStack() as stack:
            workdir = Path(args.keep) / cache if args.keep else Path(stack.enter_context(tempfile.TemporaryDirectory()))
            cache_url = None
            if cache == "redis":
                cache_url = args.redis_url or stack.enter_context(private_redis())
            project = make_project(workdir, cache, args.handlers)
            extra = {} if args.message_log_days is None else {"WECHAT_MESSAGE_LOG_DAYS": str(args.message_log_days)}
            env = project_env(project, args.handlers, cache_url, **extra)
            for command in (["migrate"], ["collectstatic", "--noinput"]):  # as deployed
                subprocess.run([sys.executable, "manage.py", *command, "-v0"], cwd=project, env=env, check=True)
            print(f"\n# cache: {cache}{f' ({cache_url})' if cache_url else ' (SQLite)'}; project {project}", flush=True)
            log_path = str(workdir / f"gunicorn-{cache}.log")
            results, set_aside, noisy_kept = measure(project, env, args, log_path)
            report(cache, args.handlers, results, set_aside, noisy_kept, args.max_other)
            log_summary(log_path)
            print()
            in_process(project, env, args)
            if not args.no_checks:
                print()
                checks(project, env)


if __name__ == "__main__":
    main()
