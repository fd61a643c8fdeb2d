"""Settings: development needs only the generated .env; production refuses to start without real secrets.

The commands run here see only the variables each test gives them: pytest's PYTEST_VERSION, which they
inherit, keeps them from reading your .env.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import environ
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from environment import PUBLISHED_SECRETS, secret_setting
from wechat.checks import check_deploy_settings

PROJECT = Path(__file__).resolve().parent.parent
SINGLE_FILE = (PROJECT / "app.py").exists()
MINI_PROGRAM = (PROJECT / "wechat" / "jwt_auth.py").exists()
MANAGE = [sys.executable, "app.py" if SINGLE_FILE else "manage.py"]
CLEAN_ENV = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "WECHAT_", "JWT_"))}
KEY_NAMES = ["DJANGO_SECRET_KEY", "JWT_SECRET_KEY"] if MINI_PROGRAM else ["DJANGO_SECRET_KEY"]
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def keys():
    """Fresh random keys, as the generated .env holds."""
    return {name: secrets.token_urlsafe(50) for name in KEY_NAMES}


def run(*args, **env):
    """``manage.py *args`` as a command in a user's shell, but with no .env: the settings are what the test gives."""
    return subprocess.run([*MANAGE, *args], cwd=PROJECT, env={**CLEAN_ENV, **env}, capture_output=True, text=True)


def assert_one_line(result):
    """A settings error is one line on stderr, not a traceback."""
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("Error: ")


def development(**env):
    """How the development settings are chosen: ``manage.py``'s default, ``python app.py``'s default."""
    return {**keys(), **env}


def production(**env):
    chosen = {"DJANGO_DEBUG": "false"} if SINGLE_FILE else {"DJANGO_SETTINGS_MODULE": "config.settings.production"}
    return {**chosen, **keys(), "DJANGO_ALLOWED_HOSTS": "example.com", **env}


def test_development_works_with_the_generated_keys():
    result = run("check", **development())
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", KEY_NAMES)
def test_development_without_a_key_says_how_to_fix_it(name):
    result = run("check", **development(**{name: ""}))
    assert result.returncode != 0
    assert f"{name} is not set" in result.stderr and ".env.example" in result.stderr
    assert_one_line(result)


@pytest.mark.parametrize("name", KEY_NAMES)
def test_production_refuses_to_start_without_a_key(name):
    result = run("check", **production(**{name: ""}))
    assert result.returncode != 0
    assert f"{name} is not set" in result.stderr
    assert_one_line(result)
    assert "settings/production.py, line" in result.stderr or "app.py, line" in result.stderr


@pytest.mark.parametrize(
    "key",
    ["django-insecure-" + "x7k2pQ9z" * 6, "too-short-to-be-random", "ab" * 30, sorted(PUBLISHED_SECRETS)[0]],
    ids=["django-insecure", "short", "repetitive", "published"],
)
@pytest.mark.parametrize("name", KEY_NAMES)
def test_production_refuses_placeholder_keys(name, key):
    result = run("check", **production(**{name: key}))
    assert result.returncode != 0
    assert name in result.stderr
    assert_one_line(result)


def test_production_passes_the_deploy_checks():
    wechat = {"WECHAT_TOKEN": "token", "WECHAT_ENCRYPT_MODE": "safe", "WECHAT_ENCODING_AES_KEY": AES_KEY}
    result = run("check", "--deploy", "--fail-level", "WARNING", **production(**wechat))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_dev_console_is_not_even_imported_in_production():
    code = "import sys; from django.urls import get_resolver; get_resolver().url_patterns; print(sorted(sys.modules))"
    loaded = run("shell", "-c", code, **production()).stdout
    assert "'wechat.webhook'" in loaded and "'wechat.devconsole'" not in loaded
    assert "'wechat.devconsole'" in run("shell", "-c", code, **development()).stdout


def test_invalid_encrypt_mode_fails_the_checks():
    result = run("check", **development(WECHAT_ENCRYPT_MODE="secure"))
    assert result.returncode != 0
    assert "wechat.E001" in result.stderr


def test_an_unknown_store_outage_policy_fails_the_checks():
    result = run("check", **development(WECHAT_ON_STORE_OUTAGE="ignore"))
    assert result.returncode != 0
    assert "wechat.E004" in result.stderr


def test_safe_mode_without_aes_key_fails_the_checks():
    result = run("check", **development(WECHAT_ENCRYPT_MODE="safe"))
    assert result.returncode != 0
    assert "wechat.E002" in result.stderr


@pytest.mark.parametrize("mode", ["plain", "compatible"])
def test_deploy_check_warns_for_modes_that_accept_unsigned_bodies(mode):
    with override_settings(WECHAT_ENCRYPT_MODE=mode):
        warnings = check_deploy_settings(None)
    assert [warning.id for warning in warnings] == ["wechat.W002"]
    assert mode in warnings[0].msg


def test_deploy_check_is_quiet_in_safe_mode():
    with override_settings(WECHAT_ENCRYPT_MODE="safe", WECHAT_ENCODING_AES_KEY=AES_KEY):
        assert check_deploy_settings(None) == []


def test_secret_setting_takes_a_random_key_everywhere(monkeypatch):
    key = secrets.token_urlsafe(50)
    monkeypatch.setenv("SOME_SECRET_KEY", key)
    assert secret_setting(environ.Env(), "SOME_SECRET_KEY") == key
    assert secret_setting(environ.Env(), "SOME_SECRET_KEY", production=True) == key


def test_secret_setting_takes_a_short_key_in_development_only(monkeypatch):
    monkeypatch.setenv("SOME_SECRET_KEY", "my-dev-key")
    assert secret_setting(environ.Env(), "SOME_SECRET_KEY") == "my-dev-key"
    with pytest.raises(ImproperlyConfigured, match="SOME_SECRET_KEY looks like a placeholder"):
        secret_setting(environ.Env(), "SOME_SECRET_KEY", production=True)


@pytest.mark.parametrize("key", ["", *sorted(PUBLISHED_SECRETS)])
def test_secret_setting_refuses_missing_and_published_keys_everywhere(monkeypatch, key):
    monkeypatch.setenv("SOME_SECRET_KEY", key)
    for production in (False, True):
        with pytest.raises(ImproperlyConfigured, match="SOME_SECRET_KEY"):
            secret_setting(environ.Env(), "SOME_SECRET_KEY", production=production)


def test_tests_run_on_random_keys_not_the_env_file(settings):
    assert len(settings.SECRET_KEY) >= 50 and settings.SECRET_KEY not in (PROJECT / ".env.example").read_text()
    if MINI_PROGRAM:
        assert len(settings.JWT_SECRET_KEY) >= 50 and settings.JWT_SECRET_KEY != settings.SECRET_KEY
    env_file = PROJECT / ".env"
    if env_file.exists():  # the generated one: none of its keys is in use here
        assert settings.SECRET_KEY not in env_file.read_text()
