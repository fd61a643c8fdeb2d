"""Settings: local development needs no .env; production refuses to start without its secrets."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SINGLE_FILE = (PROJECT / "app.py").exists()
MANAGE = [sys.executable, "app.py" if SINGLE_FILE else "manage.py"]
CLEAN_ENV = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "WECHAT_"))}


def run(*args, **env):
    return subprocess.run([*MANAGE, *args], cwd=PROJECT, env={**CLEAN_ENV, **env}, capture_output=True, text=True)


def production(**env):
    if SINGLE_FILE:
        return {"DJANGO_DEBUG": "false", **env}
    return {"DJANGO_SETTINGS_MODULE": "config.settings.production", **env}


def test_local_development_works_without_any_environment():
    result = run("check")
    assert result.returncode == 0, result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = run("check", **production(DJANGO_ALLOWED_HOSTS="example.com"))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_passes_the_deploy_checks():
    secrets = {
        "DJANGO_SECRET_KEY": "x7#k2!pQ9z" * 6,
        "DJANGO_ALLOWED_HOSTS": "example.com",
        "WECHAT_TOKEN": "token",
        "WECHAT_ENCRYPT_MODE": "safe",
        "WECHAT_ENCODING_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    }
    result = run("check", "--deploy", "--fail-level", "WARNING", **production(**secrets))
    assert result.returncode == 0, result.stdout + result.stderr


def test_invalid_encrypt_mode_fails_the_checks():
    result = run("check", WECHAT_ENCRYPT_MODE="secure")
    assert result.returncode != 0
    assert "wechat.E001" in result.stderr


def test_safe_mode_without_aes_key_fails_the_checks():
    result = run("check", WECHAT_ENCRYPT_MODE="safe")
    assert result.returncode != 0
    assert "wechat.E002" in result.stderr
