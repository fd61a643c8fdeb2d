"""A generated project under gunicorn (production settings, 2 workers), spoken to over real HTTP."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import create_database, generate, manage, production_env, project_env, run
from .servers import gunicorn
from .wechat_http_client import AES_KEY, APP_ID, TOKEN

CLIENT = Path(__file__).with_name("wechat_http_client.py")


@pytest.mark.slow
@pytest.mark.parametrize(
    "answers",
    [
        pytest.param({"layout": "full"}, id="full-sqlite-database"),
        pytest.param(
            {"layout": "single_file", "database": "postgresql", "cache": "redis"}, id="single_file-postgresql-redis"
        ),
    ],
)
def test_gunicorn_serves_echostr_plain_and_encrypted_pushes(tmp_path, answers):
    project = generate(tmp_path, **answers)
    env = {
        "DJANGO_SECRET_KEY": "g7#Kd2!pW9zQ4@xR8$vN1^tY6&bM3*cL" * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "WECHAT_TOKEN": TOKEN,
        "WECHAT_ENCODING_AES_KEY": AES_KEY,
        "WECHAT_APP_ID": APP_ID,
        "WECHAT_ENCRYPT_MODE": "compatible",  # accepts plaintext and encrypted pushes alike
        **production_env(project),
    }
    create_database(project)
    migrated = run(project, *manage(project), "migrate", "--noinput", **env)
    assert migrated.returncode == 0, migrated.stderr
    with gunicorn(project, env) as url:
        client = subprocess.run(
            [sys.executable, str(CLIENT), url + "wechat/"],
            env=project_env(project, PYTHONPATH=str(project)),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert client.returncode == 0, client.stderr
    results = json.loads(client.stdout)
    assert results["echostr"] == [200, "echo-42"]
    assert results["plain"][0] == 200 and "plain hello" in results["plain"][1]
    assert results["encrypted_is_ciphertext"] is True
    assert results["encrypted"][0] == 200 and "encrypted 你好" in results["encrypted"][1]
    first, *retries = results["retries"]
    assert "retried 你好" in first["Content"]
    assert retries == [first] * 4  # same reply, CreateTime included: the handler ran once


@pytest.mark.parametrize("layout", ["full", "single_file"])
def test_a_missing_key_stops_gunicorn_with_one_line_saying_what_to_set(tmp_path, layout):
    project = generate(tmp_path, layout=layout)
    (project / ".env").unlink()  # a server whose environment lacks the key
    app = "app" if layout == "single_file" else "config.wsgi"
    env = {"DJANGO_ALLOWED_HOSTS": "example.com", **production_env(project)}
    started = run(project, "-m", "gunicorn", app, "--workers", "2", "--bind", "127.0.0.1:0", timeout=60, **env)
    assert started.returncode == 1
    assert "Traceback" not in started.stderr and "Worker failed to boot" not in started.stderr, started.stderr
    errors = [line for line in started.stderr.splitlines() if "[INFO]" not in line]  # gunicorn's "Starting gunicorn"
    assert len(errors) == 1 and errors[0].startswith("Error: DJANGO_SECRET_KEY is not set."), started.stderr
    assert len(started.stderr.splitlines()) <= 2, started.stderr
