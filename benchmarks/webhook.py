"""Benchmark the generated webhook against a bare Django view, and print the figures.

    python benchmarks/webhook.py                 # default cache, then Redis
    python benchmarks/webhook.py --cache redis --rounds 5

For each cache it generates a default project, serves it with gunicorn (2 sync
workers, production settings, compatible mode so one server takes plain and
encrypted pushes) and runs interleaved wrk rounds of:

  (a) a bare Django view behind the same middleware,
  (b) the webhook with plaintext pushes,
  (c) the webhook with safe-mode (AES) pushes,

every push distinct and validly signed (unique MsgId and nonce, fresh
timestamps), with dedup and replay protection on. It prints requests/s,
p50/p99 latency and the ratios to (a); then the token-stampede figure (4
workers, 200 concurrent JSSDK requests on a cold cache: token and ticket
fetches seen by the fake WeChat server) and the dedup figure (messages
re-delivered to the workers as WeChat retries them: handler runs counted).

Needs: wrk (apt-get install wrk), PostgreSQL not needed, Redis on 127.0.0.1:6379
for the Redis run, and the template's virtualenv (pip install -r requirements.txt).
"""

import argparse
import concurrent.futures
import contextlib
import json
import os
import re
import secrets
import shutil
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

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE.parent
TOKEN = "bench-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx" + "b" * 16
SECRET_KEY = "b9#Kd2!pW9zQ4@xR8$vN1^tY6&bM3*cL" * 2


# -- The project under test ---------------------------------------------------------------
def make_project(workdir, cache):
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
    return project


def project_env(project, **extra):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "WECHAT_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        WECHAT_TOKEN=TOKEN,
        WECHAT_ENCODING_AES_KEY=AES_KEY,
        WECHAT_APP_ID=APP_ID,
        WECHAT_APP_SECRET="bench-secret",
        WECHAT_ENCRYPT_MODE="compatible",
        BENCH_RUNS_FILE=str(project / "runs.txt"),
        PYTHONPATH=str(project),
    )
    env.update(extra)
    return env


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serving(project, args, env):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, *[arg.format(port=port) for arg in args]],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
        if time.monotonic() > deadline or process.poll() is not None:
            raise SystemExit(f"could not start {args}")
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=15)


def gunicorn(project, env, workers):
    args = ["-m", "gunicorn", "config.wsgi", "--workers", str(workers), "--bind", "127.0.0.1:{port}", "--timeout", "30"]
    return serving(project, args, env)


# -- Load ---------------------------------------------------------------------------------
def push_builder(project, mode):
    sys.path.insert(0, str(project))
    from wechat.testing import PushBuilder

    return PushBuilder(TOKEN, mode=mode, aes_key=AES_KEY, app_id=APP_ID)


def write_pushes(path, builder, count):
    """``count`` distinct signed pushes, generated now so that their timestamps are fresh."""
    with open(path, "w", encoding="utf-8") as file:
        for number in range(count):
            query, body = builder.sign(builder.text_fields(f"bench {number}"))
            file.write(f"/wechat/?{query}\t{body.decode()}\n")


def wrk(url, pushes, duration, connections):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(HERE / "requests.lua"), url]
    output = subprocess.run([*command, "--", str(pushes), "2"], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = {pct: _ms(value) for pct, value in re.findall(r"\s(50|99)\.000%\s+([\d.]+\w+)", output)}
    if not latency:
        latency = {pct: _ms(value) for pct, value in re.findall(r"\s(50|99)%\s+([\d.]+\w+)", output)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": rps, "p50": latency["50"], "p99": latency["99"], "errors": int(errors.group(1)) if errors else 0}


def _ms(value):
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def benchmark_cache(project, args):
    env = project_env(project)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=project, env=env, check=True)
    builders = {"plain": push_builder(project, "plain"), "safe": push_builder(project, "safe")}
    results = {"a bare view": [], "b plain": [], "c safe": []}
    with tempfile.TemporaryDirectory() as scratch, gunicorn(project, env, workers=2) as site:
        pushes = Path(scratch) / "pushes.txt"
        count = args.expected_rps * (args.duration + 1)
        # Warm up: imports, connections, caches.
        write_pushes(pushes, builders["plain"], count)
        wrk(site + "wechat/", pushes, 1, args.connections)
        for _ in range(args.rounds):
            for name, url, builder in (
                ("a bare view", site + "bare/", builders["plain"]),
                ("b plain", site + "wechat/", builders["plain"]),
                ("c safe", site + "wechat/", builders["safe"]),
            ):
                write_pushes(pushes, builder, count)
                results[name].append(wrk(url, pushes, args.duration, args.connections))
    return {name: _median(rounds) for name, rounds in results.items()}


def _median(rounds):
    return {key: statistics.median(round_[key] for round_ in rounds) for key in rounds[0]} | {
        "errors": sum(round_["errors"] for round_ in rounds)
    }


# -- Token stampede and dedup ------------------------------------------------------------------
def stampede(project, requests_count=200):
    """4 workers, a cold cache, ``requests_count`` concurrent JSSDK requests: fetches seen by WeChat."""
    env = project_env(project, WECHAT_APP_ID="wx" + secrets.token_hex(8))
    fake_args = ["manage.py", "wechat_fake_server", "--port", "{port}", "--delay", "0.3"]
    with serving(project, fake_args, env) as api, gunicorn(project, {**env, "WECHAT_API_BASE_URL": api}, 4) as site:
        url = f"{site}wechat/jssdk/config/?url=" + quote("http://127.0.0.1/page", safe="")
        start = threading.Barrier(requests_count)

        def get(_):
            start.wait()
            with urllib.request.urlopen(url, timeout=60) as response:
                return response.status

        with concurrent.futures.ThreadPoolExecutor(requests_count) as pool:
            statuses = list(pool.map(get, range(requests_count)))
        with urllib.request.urlopen(api + "__fake__/calls", timeout=5) as response:
            calls = json.loads(response.read())
    return {
        "ok": statuses.count(200),
        "token fetches": calls.get("cgi-bin/stable_token", 0),
        "ticket fetches": calls.get("cgi-bin/ticket/getticket", 0),
    }


def dedup(project, messages=50, deliveries=4):
    """Each message delivered ``deliveries`` times (as WeChat retries it) to 2 workers: handler runs."""
    env = project_env(project)
    runs_file = project / "runs.txt"
    runs_file.unlink(missing_ok=True)
    builder = push_builder(project, "plain")
    with gunicorn(project, env, workers=2) as site:

        def deliver(fields):
            query, body = builder.sign(fields)
            request = urllib.request.Request(f"{site}wechat/?{query}", data=body, headers={"Content-Type": "text/xml"})
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.read()

        # WeChat's retries carry the original CreateTime: a message sent 6 s ago.
        batch = [builder.text_fields(f"dedup-probe {n}", create_time=int(time.time()) - 6) for n in range(messages)]
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            replies = list(pool.map(deliver, [fields for fields in batch for _ in range(deliveries)]))
    runs = runs_file.read_text(encoding="utf-8").splitlines() if runs_file.exists() else []
    return {"deliveries": len(replies), "messages": messages, "handler runs": len(runs)}


# -- Report ---------------------------------------------------------------------------------
def report(cache, figures, stampede_figures, dedup_figures):
    base = figures["a bare view"]["rps"]
    print(f"\n## cache: {cache}")
    print(f"{'':14} {'req/s':>9} {'ratio':>7} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    for name, values in figures.items():
        ratio = values["rps"] / base
        rps, p50, p99, errors = values["rps"], values["p50"], values["p99"], values["errors"]
        print(f"{name:14} {rps:9.0f} {ratio:7.2f} {p50:8.2f} {p99:8.2f} {errors:8d}")
    print(f"token stampede: {stampede_figures}")
    print(f"dedup: {dedup_figures}")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", choices=["database", "redis", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=2, help="seconds per wrk round (pushes stay fresh)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--expected-rps", type=int, default=4000, help="pushes generated per second of a round")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    print(
        f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; gunicorn 2 sync workers; "
        f"wrk 2 threads, {args.connections} connections, {args.rounds} x {args.duration} s rounds"
    )
    for cache in ["database", "redis"] if args.cache == "both" else [args.cache]:
        with tempfile.TemporaryDirectory() as workdir:
            project = make_project(Path(workdir), cache)
            figures = benchmark_cache(project, args)
            report(cache, figures, stampede(project), dedup(project))
            sys.path.remove(str(project))
            for name in [module for module in sys.modules if module == "wechat" or module.startswith("wechat.")]:
                del sys.modules[name]


if __name__ == "__main__":
    main()
