"""PostgreSQL projects: a database that does not exist yet is explained with the createdb command.

The post-generation hook removes this file from SQLite projects.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
MANAGE = [sys.executable, "app.py" if (PROJECT / "app.py").exists() else "manage.py"]


def test_a_database_that_does_not_exist_gets_the_createdb_command():
    name = "no_such_db_" + secrets.token_hex(4)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "WECHAT_", "JWT_"))}
    keys = {key: secrets.token_urlsafe(50) for key in ("DJANGO_SECRET_KEY", "JWT_SECRET_KEY")}
    env.update(keys, WECHAT_TOKEN="token", DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{name}")
    result = subprocess.run([*MANAGE, "migrate"], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert f"createdb -h 127.0.0.1 -p 5432 -U postgres {name}" in result.stderr, result.stderr
