"""Four gunicorn workers and a burst of concurrent JSSDK requests.

- A cold cache, 200 requests: WeChat sees one token and one ticket fetch.
- WeChat refusing every ticket request (a 40001 storm): at most one forced token refresh, and 503s.
"""

import concurrent.futures
import json
import secrets
import threading
import time
import urllib.request
from urllib.parse import quote

import pytest

from .conftest import create_database, generate, manage, production_env, run
from .servers import background, fake_calls, fake_wechat, free_port, gunicorn

REQUESTS = 200
STORM = 40
FORCED = "cgi-bin/stable_token (force_refresh)"  # how the fake WeChat counts forced refreshes


def burst(url, count):
    """``count`` GETs released at the same moment; their (status code, body, seconds taken)."""
    start = threading.Barrier(count)

    def get(_):
        start.wait()
        started = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        try:
            body = json.loads(body)
        except ValueError:
            body = body.decode(errors="replace")
        return status, body, time.monotonic() - started

    with concurrent.futures.ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(get, range(count)))


def site_env(project):
    return {
        **production_env(project),
        "DJANGO_SECRET_KEY": "s9#Kd2!pW9zQ4@xR8$vN1^tY6&bM3*cL" * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "WECHAT_APP_ID": "wx" + secrets.token_hex(8),  # a cold cache, even on a Redis used before
        "WECHAT_APP_SECRET": "stampede-secret",
        "WECHAT_TOKEN": "token",
    }


@pytest.mark.slow
@pytest.mark.parametrize("cache", ["database", "redis"])
def test_one_token_and_one_ticket_fetch_for_a_burst_on_four_workers(tmp_path, cache):
    project = generate(tmp_path, cache=cache)
    create_database(project)
    env = site_env(project)
    assert run(project, *manage(project), "migrate", "--noinput", **env).returncode == 0
    # WeChat answering in 0.3 s keeps the workers' first requests overlapping.
    with fake_wechat(project, env, delay=0.3) as api:
        with gunicorn(project, {**env, "WECHAT_API_BASE_URL": api}, workers=4) as site:
            page = quote("http://127.0.0.1/page?id=1", safe="")
            results = burst(f"{site}wechat/jssdk/config/?url={page}", REQUESTS)
        calls = fake_calls(api)
    assert [status for status, _, _ in results] == [200] * REQUESTS, results[:3]
    assert len({body["signature"] for _, body, _ in results}) > 1  # each request signed on its own
    print(f"\n[{cache}] {REQUESTS} concurrent requests on 4 workers: WeChat saw {calls}")
    assert calls.get("cgi-bin/stable_token") == 1
    assert calls.get("cgi-bin/ticket/getticket") == 1


@pytest.mark.slow
@pytest.mark.parametrize("cache", ["database", "redis"])
def test_a_40001_storm_on_four_workers_forces_at_most_one_token_refresh(tmp_path, cache):
    project = generate(tmp_path, cache=cache)
    create_database(project)
    env = site_env(project)
    assert run(project, *manage(project), "migrate", "--noinput", **env).returncode == 0
    port = free_port()
    refusing = [*manage(project), "wechat_fake_server", "--port", str(port)]
    refusing += ["--fail", "cgi-bin/ticket/getticket:40001:9999"]  # WeChat refuses every ticket request
    with background(project, refusing, port, env) as api:
        with gunicorn(project, {**env, "WECHAT_API_BASE_URL": api}, workers=4) as site:
            burst(f"{site}wechat/jssdk/config.js", 8)  # wait for the workers to boot: no WeChat call
            page = quote("http://127.0.0.1/page?id=1", safe="")
            results = []
            for _ in range(2):  # two storms, well inside one refresh interval
                results += burst(f"{site}wechat/jssdk/config/?url={page}", STORM)
        calls = fake_calls(api)
    statuses = sorted({status for status, _, _ in results})
    slowest = max(seconds for _, _, seconds in results)
    print(
        f"\n[{cache}] 2 x {STORM} concurrent JSSDK requests on 4 workers while getticket answers 40001: "
        f"{calls.get(FORCED, 0)} forced stable_token refresh(es); statuses {statuses}; slowest {slowest:.2f} s; "
        f"WeChat saw {calls}"
    )
    assert calls.get(FORCED, 0) <= 1
    assert calls["cgi-bin/ticket/getticket"] >= 2 * STORM  # every request did ask WeChat
    assert statuses == [503]  # never a 500
    assert all(isinstance(body, dict) and "unavailable" in body["error"] for _, body, _ in results), results[:3]
    assert slowest < 5  # bounded waits, queueing for a worker included
