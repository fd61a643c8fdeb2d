"""In-process cross-check of the server CPU figures: the project's WSGI application called directly.

Run by ``webhook.py`` inside the project under benchmark (working directory = the
project, settings and ``WECHAT_*`` from the environment), or by hand::

    cd <generated project> && DJANGO_SETTINGS_MODULE=config.settings.production ... \\
        python <template>/benchmarks/inprocess.py --pushes 2000

Each call goes through ``config.wsgi.application`` (what gunicorn calls: every
middleware, the URL resolver, the view) with a WSGI environ built in memory, so
no socket, no HTTP parsing and no access log. It prints the CPU and wall time per
call of the bare view and of the webhook with plain and safe pushes (distinct,
fresh pushes; medians of interleaved batches), then a cProfile of each webhook load:
the top functions by cumulative time, with their calls per push. As under the
project's gunicorn worker, reply records (and log rows) are batched, and the batches are written
at the end of each batch of calls (the worker writes it when it goes idle, or
every 100 records under sustained load), inside the timed span.
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, os.getcwd())

from pushes import Pushes  # noqa: E402


def environ(target, body):
    path, _, query = target.partition("?")
    data = body.encode()
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_TYPE": "text/xml",
        "CONTENT_LENGTH": str(len(data)),
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(data),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def batch(loads, name, count):
    """``count`` fresh environs for one load (``bare`` posts plain pushes to /bare/)."""
    pushes = loads["plain" if name == "bare" else name]
    items = []
    for _ in range(count):
        target, body = pushes.one()
        items.append(environ(target.replace("/wechat/", "/bare/", 1) if name == "bare" else target, body))
    return items


def call_all(application, environs, statuses):
    def start_response(status, headers, exc_info=None):
        statuses[status[:3]] = statuses.get(status[:3], 0) + 1

    for env in environs:
        result = application(env, start_response)
        for _ in result:
            pass
        if hasattr(result, "close"):
            result.close()
    idle()


def idle():
    """What the project's gunicorn worker does when no request is waiting: write what was batched."""
    from wechat import afterwards

    afterwards.flush_all()


def timed(application, environs):
    statuses = {}
    cpu, wall = time.process_time(), time.perf_counter()
    call_all(application, environs, statuses)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu / len(environs) * 1e6, wall / len(environs) * 1e6, statuses


# Every statement sent to SQLite, through Django's cursor or straight to the driver's (wechat.cache).
SQLITE_STATEMENTS = (
    "<method 'execute' of 'sqlite3.Cursor' objects>",
    "<method 'executemany' of 'sqlite3.Cursor' objects>",
)


def profile(application, environs, top):
    statuses = {}
    profiler = cProfile.Profile()
    profiler.enable()
    call_all(application, environs, statuses)
    profiler.disable()
    stats = pstats.Stats(profiler)
    n = len(environs)
    rows = []
    for (filename, line, function), (_, ncalls, tottime, cumtime, _) in stats.stats.items():
        rows.append((cumtime, tottime, ncalls, _where(filename, line, function)))
    rows = [row for row in rows if "inprocess.py" not in row[3]]
    counters = {"SQL statements": 0, "socket sends (Redis)": 0, "wechat/conf.py reads": 0}
    for (filename, _line, function), (_, ncalls, _, _, _) in stats.stats.items():
        path = filename.replace(os.sep, "/")
        if filename == "~" and function in SQLITE_STATEMENTS:  # Django's cursor or the driver's, alike
            counters["SQL statements"] += ncalls
        elif function == "<method 'sendall' of '_socket.socket' objects>":
            counters["socket sends (Redis)"] += ncalls
        elif path.endswith("wechat/conf.py") and function != "<module>":
            counters["wechat/conf.py reads"] += ncalls
    print("  per push: " + ", ".join(f"{name} {count / n:.2f}" for name, count in counters.items()))
    print(f"  {'cum µs/push':>11} {'own µs/push':>11} {'calls/push':>10}  function   (statuses {statuses})")
    for cumtime, tottime, ncalls, where in sorted(rows, reverse=True)[:top]:
        print(f"  {cumtime / n * 1e6:11.1f} {tottime / n * 1e6:11.1f} {ncalls / n:10.2f}  {where}")
    print(f"  top {top // 2} by own time:")
    for tottime, cumtime, ncalls, where in sorted(((r[1], r[0], r[2], r[3]) for r in rows), reverse=True)[: top // 2]:
        print(f"  {cumtime / n * 1e6:11.1f} {tottime / n * 1e6:11.1f} {ncalls / n:10.2f}  {where}")


def _where(filename, line, function):
    if filename == "~":
        return function  # a built-in
    parts = Path(filename).parts
    for anchor in ("site-packages", "wechat", "handlers", "config"):
        if anchor in parts:
            index = parts.index(anchor)
            parts = parts[index + 1 :] if anchor == "site-packages" else parts[index:]
            break
    else:
        parts = parts[-2:]
    return f"{'/'.join(parts)}:{line}({function})"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pushes", type=int, default=2000, help="calls per load and batch")
    parser.add_argument("--batches", type=int, default=3, help="interleaved timing batches")
    parser.add_argument("--top", type=int, default=30, help="rows of the profile")
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()

    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    from wechat import afterwards

    afterwards.start()  # as the project's gunicorn worker does (wechat/gunicorn_worker.py)
    loads = {"plain": Pushes("plain"), "safe": Pushes("safe")}
    names = ["bare", "plain", "safe"]
    for name in names:  # warm up: imports, connections, first-use caches
        call_all(application, batch(loads, name, 200), {})
    figures = {name: [] for name in names}
    statuses = {name: {} for name in names}
    for _ in range(args.batches):
        for name in names:
            environs = batch(loads, name, args.pushes)  # built before the clock starts
            cpu, wall, seen = timed(application, environs)
            figures[name].append((cpu, wall))
            for status, count in seen.items():
                statuses[name][status] = statuses[name].get(status, 0) + count
    bare_cpu = statistics.median(cpu for cpu, _ in figures["bare"])
    print(f"in process: {args.pushes} calls x {args.batches} interleaved batches per load, medians")
    print(f"  {'load':6} {'CPU µs/call':>11} {'wall µs/call':>12} {'- bare CPU':>10}  statuses")
    for name in names:
        cpu = statistics.median(cpu for cpu, _ in figures[name])
        wall = statistics.median(wall for _, wall in figures[name])
        print(f"  {name:6} {cpu:11.0f} {wall:12.0f} {cpu - bare_cpu:10.0f}  {statuses[name]}")
    if args.no_profile:
        return
    for name in ("plain", "safe"):
        print(f"\ncProfile, webhook {name}, {args.pushes} pushes (the profiler inflates small calls):")
        profile(application, batch(loads, name, args.pushes), args.top)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
