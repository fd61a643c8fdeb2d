"""Four gunicorn workers, a cold cache, 200 concurrent JSSDK requests: WeChat sees one token and one ticket fetch."""

import concurrent.futures
import json
import secrets
import threading
import urllib.request
from urllib.parse import quote

import pytest

from .conftest import create_database, generate, manage, production_env, run
from .servers import fake_calls, fake_wechat, gunicorn

REQUESTS = 200


def burst(url, count):
    """``count`` GETs released at the same moment; their status codes."""
    start = threading.Barrier(count)

    def get(_):
        start.wait()
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    with concurrent.futures.ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(get, range(count)))


@pytest.mark.slow
@pytest.mark.parametrize("cache", ["database", "redis"])
def test_one_token_and_one_ticket_fetch_for_a_burst_on_four_workers(tmp_path, cache):
    project = generate(tmp_path, cache=cache)
    create_database(project)
    env = {
        **production_env(project),
        "DJANGO_SECRET_KEY": "s9#Kd2!pW9zQ4@xR8$vN1^tY6&bM3*cL" * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "WECHAT_APP_ID": "wx" + secrets.token_hex(8),  # a cold cache, even on a Redis used before
        "WECHAT_APP_SECRET": "stampede-secret",
        "WECHAT_TOKEN": "token",
    }
    assert run(project, *manage(project), "migrate", "--noinput", **env).returncode == 0
    # WeChat answering in 0.3 s keeps the workers' first requests overlapping.
    with fake_wechat(project, env, delay=0.3) as api:
        with gunicorn(project, {**env, "WECHAT_API_BASE_URL": api}, workers=4) as site:
            page = quote("http://127.0.0.1/page?id=1", safe="")
            results = burst(f"{site}wechat/jssdk/config/?url={page}", REQUESTS)
        calls = fake_calls(api)
    assert [status for status, _ in results] == [200] * REQUESTS, results[:3]
    assert len({body["signature"] for _, body in results}) > 1  # each request signed on its own
    print(f"\n[{cache}] {REQUESTS} concurrent requests on 4 workers: WeChat saw {calls}")
    assert calls.get("cgi-bin/stable_token") == 1
    assert calls.get("cgi-bin/ticket/getticket") == 1
