"""WeChat Pay under gunicorn (production settings, 3 workers): one notification delivered at once to
several workers, then again, is applied exactly once."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import create_database, generate, manage, production_env, project_env, run
from .servers import gunicorn

CLIENT = Path(__file__).with_name("pay_gunicorn_client.py")


@pytest.mark.slow
@pytest.mark.parametrize(
    "answers",
    [
        pytest.param({"layout": "full"}, id="full-sqlite"),
        pytest.param({"layout": "single_file", "database": "postgresql", "cache": "redis"}, id="single_file-pg-redis"),
    ],
)
def test_concurrent_notifications_across_gunicorn_workers_pay_once(tmp_path, answers):
    project = generate(tmp_path, use_pay=True, **answers)
    env = {
        "DJANGO_SECRET_KEY": "g7#Kd2!pW9zQ4@xR8$vN1^tY6&bM3*cL" * 2,
        "JWT_SECRET_KEY": "j8#Kd2!pW9zQ4@xR8$vN1^tY6&bM3*cL" * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "WECHAT_TOKEN": "gunicorn-token",
        **production_env(project),
    }
    create_database(project)
    migrated = run(project, *manage(project), "migrate", "--noinput", **env)
    assert migrated.returncode == 0, migrated.stderr
    client = subprocess.Popen(
        [sys.executable, str(CLIENT)],
        cwd=project,
        env=project_env(project, PYTHONPATH=str(project), **env),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        pay_env = json.loads(client.stdout.readline() or "{}")
        assert pay_env, client.stderr.read()
        with gunicorn(project, {**env, **pay_env}, workers=3) as url:
            client.stdin.write(url + "\n")
            client.stdin.flush()
            line = client.stdout.readline()
            assert line, client.stderr.read()
            results = json.loads(line)
    finally:
        client.kill()
        client.wait()
    assert results == {"answers": [204] * 5, "status": "paid", "paid_events": 1, "transaction_id_matches": True}
