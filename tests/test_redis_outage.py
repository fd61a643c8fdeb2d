"""Redis stops in the middle of a run: pushes are still answered, token users get a clear 503,
and everything recovers by itself when Redis comes back."""

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

from .conftest import generate, manage, production_env, project_env, run
from .servers import fake_wechat, free_port, gunicorn, start_redis


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.slow
def test_redis_stopped_and_restarted(tmp_path):
    project = generate(tmp_path, cache="redis")
    port = free_port()
    env = {
        **production_env(project),
        "DJANGO_SECRET_KEY": "r9#Kd2!pW9zQ4@xR8$vN1^tY6&bM3*cL" * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "WECHAT_TOKEN": "outage-token",
        "WECHAT_APP_ID": "wx" + "0" * 16,
        "WECHAT_APP_SECRET": "outage-secret",
        "CACHE_URL": f"redis://127.0.0.1:{port}/0",
    }
    assert run(project, *manage(project), "migrate", "--noinput", **env).returncode == 0
    client = [sys.executable, str(project.parent.parent / "client.py")]
    (project.parent.parent / "client.py").write_text(CLIENT, encoding="utf-8")

    def push(site):
        result = subprocess.run(
            [*client, site], env=project_env(project, PYTHONPATH=str(project)), capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    redis = start_redis(port)
    try:
        with fake_wechat(project, env) as api, gunicorn(project, {**env, "WECHAT_API_BASE_URL": api}) as site:
            jssdk = f"{site}wechat/jssdk/config/?url=" + quote("http://127.0.0.1/page", safe="")
            assert get(jssdk)[0] == 200
            assert push(site)["status"] == 200

            redis.terminate()
            redis.wait(timeout=10)
            outage = push(site)
            assert outage["status"] == 200 and "你说" in outage["reply"] and outage["seconds"] < 1
            status, body = get(jssdk)
            assert status == 503 and "cache" in body["error"]

            redis = start_redis(port)
            # Recovered once the cache's pause after a failure (a couple of seconds) is over: a new token, shared again.
            deadline = time.monotonic() + 10
            while get(jssdk)[0] != 200:
                assert time.monotonic() < deadline, "JSSDK still failing 10 s after Redis came back"
                time.sleep(0.5)
            assert push(site)["status"] == 200
    finally:
        redis.terminate()
        redis.wait(timeout=10)


CLIENT = """
import json, sys, time, urllib.request
from wechat.testing import PushBuilder

push = PushBuilder("outage-token")
query, body = push.text("hello")
started = time.monotonic()
request = urllib.request.Request(sys.argv[1] + "wechat/?" + query, data=body, headers={"Content-Type": "text/xml"})
with urllib.request.urlopen(request, timeout=10) as response:
    reply = push.read_reply(response.read())
print(json.dumps({"status": response.status, "reply": reply["Content"], "seconds": time.monotonic() - started}))
"""
