"""Generate projects from the template and run things in them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parent.parent
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/{name}"
REDIS_URL = "redis://127.0.0.1:6379/{db}"


def generate(output_dir, **answers):
    """Generate a project with ``answers`` (the rest default); its path."""
    answers.setdefault("project_slug", "proj")
    path = cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(output_dir), extra_context=answers)
    return Path(path)


def project_env(project, **extra):
    """Environment for commands in a generated project: real PostgreSQL and Redis when chosen."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "WECHAT_"))}
    env.pop("DATABASE_URL", None)
    env.pop("CACHE_URL", None)
    env.pop("PYTEST_VERSION", None)  # the project's commands behave as in a user's shell: they read its .env
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    requirements = (project / "requirements.txt").read_text()
    if "psycopg" in requirements:
        env["DATABASE_URL"] = POSTGRES_URL.format(name=f"tpl_{project.parent.name}"[:60])
    env.update(extra)
    return env


def create_database(project):
    """A fresh PostgreSQL database for a generated project that chose PostgreSQL."""
    url = project_env(project).get("DATABASE_URL")
    if url is None:
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def run(project, *args, python=sys.executable, timeout=600, **env):
    """Run ``python *args`` in a generated project; the CompletedProcess."""
    return subprocess.run(
        [str(python), *args],
        cwd=project,
        env=project_env(project, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def manage(project):
    return ["app.py"] if (project / "app.py").exists() else ["manage.py"]


def production_env(project):
    """What selects the production settings in each layout."""
    if (project / "app.py").exists():
        return {"DJANGO_DEBUG": "false"}
    return {"DJANGO_SETTINGS_MODULE": "config.settings.production"}


@pytest.fixture(scope="session")
def output_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("generated")
