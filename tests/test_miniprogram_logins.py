"""Concurrent logins of one mini program user on four gunicorn workers: one user row, every login answered."""

import concurrent.futures
import json
import secrets
import threading
import urllib.request

import pytest

from .conftest import create_database, generate, manage, production_env, run
from .servers import fake_wechat, gunicorn

LOGINS = 20


def post_json(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def login_code(api, app_id):
    with urllib.request.urlopen(f"{api}__fake__/login_code?openid=o_same_user&appid={app_id}", timeout=5) as response:
        return json.loads(response.read())["code"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "answers",
    [
        pytest.param({"wechat_app_type": "mini_program"}, id="sqlite-database"),
        pytest.param(
            {"wechat_app_type": "both", "layout": "single_file", "database": "postgresql", "cache": "redis"},
            id="single_file-postgresql-redis",
        ),
    ],
)
def test_concurrent_logins_of_one_user(tmp_path, answers):
    project = generate(tmp_path, **answers)
    create_database(project)
    app_id = "wx" + secrets.token_hex(8)
    env = {
        **production_env(project),
        "DJANGO_SECRET_KEY": "m9#Kd2!pW9zQ4@xR8$vN1^tY6&bM3*cL" * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "WECHAT_TOKEN": "token",
        "MINIPROGRAM_APP_ID": app_id,
        "MINIPROGRAM_APP_SECRET": "mini-secret",
    }
    assert run(project, *manage(project), "migrate", "--noinput", **env).returncode == 0
    with fake_wechat(project, env) as api, gunicorn(project, {**env, "WECHAT_API_BASE_URL": api}, workers=4) as site:
        codes = [login_code(api, app_id) for _ in range(LOGINS)]
        start = threading.Barrier(LOGINS)

        def log_in(code):
            start.wait()
            return post_json(site + "api/miniprogram/login/", {"code": code})

        with concurrent.futures.ThreadPoolExecutor(max_workers=LOGINS) as pool:
            results = list(pool.map(log_in, codes))
        status, tokens = results[-1]
        request = urllib.request.Request(site + "api/miniprogram/me/")
        request.add_header("Authorization", f"Bearer {tokens['access_token']}")
        with urllib.request.urlopen(request, timeout=10) as response:
            me = json.loads(response.read())
    assert [status for status, _ in results] == [200] * LOGINS, results[:3]
    assert me["openid"] == "o_same_user"
    count = run(
        project,
        *manage(project),
        "shell",
        "-c",
        "from wechat.models import WeChatUser; print(WeChatUser.objects.filter(openid='o_same_user').count())",
        **env,
    )
    assert count.stdout.strip().splitlines()[-1] == "1", count.stdout + count.stderr
