"""Each combination of answers: generate, inspect, lint, run Django's checks and the project's own tests."""

import json
import re
import tomllib

import pytest
import yaml

from .combinations import PARAMS
from .conftest import create_database, generate, manage, production_env, run

LEFTOVER = re.compile(r"\{\{[^}]*cookiecutter|\{%-?[^%]*cookiecutter|\{%-?\s*(end)?raw\s*-?%\}")
DEPLOY_ENV = {
    "DJANGO_SECRET_KEY": "k3#Lq9!vZr2@Xw8$Tn5^Yp1&Ub7*Sc4(" * 2,
    "DJANGO_ALLOWED_HOSTS": "example.com",
    "WECHAT_TOKEN": "token",
    "WECHAT_ENCRYPT_MODE": "safe",
    "WECHAT_ENCODING_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
}


@pytest.fixture(scope="module", params=PARAMS)
def project(request, tmp_path_factory):
    answers = request.param
    path = generate(tmp_path_factory.mktemp("project"), **answers)
    create_database(path)
    return path, answers


def files(path):
    return [file for file in path.rglob("*") if file.is_file()]


def test_files_match_the_answers(project):
    path, answers = project
    single = answers["layout"] == "single_file"
    assert (path / "app.py").exists() == single
    for full_only in ("manage.py", "config/settings/production.py", "handlers/examples.py"):
        assert (path / full_only).exists() == (not single), full_only
    shared_files = ("wechat/webhook.py", "wechat/router.py", "tests/conftest.py", "pyproject.toml", ".env.example")
    deployment = (
        "gunicorn.conf.py",
        "deploy/nginx.conf",
        "deploy/proxy.conf",
        "deploy/gunicorn.service",
        "deploy/wechat-worker.service",
    )
    for shared in shared_files + deployment:
        assert (path / shared).exists(), shared
    official_account = answers["wechat_app_type"] != "mini_program"
    features = {
        "wechat/jssdk.py": official_account and answers["use_jssdk"],
        "templates/jssdk_demo.html": official_account and answers["use_jssdk"],
        # JSAPI payment needs the payer's openid, which web OAuth gives: use_pay turns it on
        "wechat/oauth/decorators.py": official_account and (answers["use_oauth"] or answers["use_pay"]),
        "wechat/management/commands/wechat_menu.py": official_account,
        "wechat/management/commands/wechat_sync_users.py": official_account,
        "tests/test_followers.py": official_account,
        "tests/test_admin_miniprogram.py": answers["wechat_app_type"] != "official_account",
        "menu.json": official_account,
        "wechat/admin_rules.py": official_account,
        "wechat/management/commands/wechat_import_autoreply.py": official_account,
        "tests/test_rules.py": official_account,
        "wechat/menus.py": official_account,
        "wechat/admin_menus.py": official_account,
        "wechat/materials.py": official_account,
        "wechat/admin_materials.py": official_account,
        "pages.py": not single,
        "core/models.py": not single,
        "tests/test_core.py": not single,
        "wechat/miniprogram/views.py": answers["wechat_app_type"] != "official_account",
        "wechat/jwt_auth.py": answers["wechat_app_type"] != "official_account",
        "wechat/middleware.py": answers["wechat_app_type"] != "official_account",
        "wechat/pay/apps.py": answers["use_pay"],
        "wechat/fake_pay.py": answers["use_pay"],
        "tests/test_pay_notify.py": answers["use_pay"],
        "shop/views.py": answers["use_pay"],
        "tests/test_shop.py": answers["use_pay"],
    }
    for feature, wanted in features.items():
        assert (path / feature).exists() == wanted, feature
    requirements = (path / "requirements.txt").read_text()
    assert ("psycopg" in requirements) == (answers["database"] == "postgresql")
    assert ("redis" in requirements) == (answers["cache"] == "redis")
    assert "wechatpy[cryptography]==" in requirements
    assert ("PyJWT" in requirements) == (answers["wechat_app_type"] != "official_account")


def test_no_template_syntax_is_left(project):
    path, _ = project
    leftovers = [str(file) for file in files(path) if LEFTOVER.search(file.read_text(encoding="utf-8"))]
    assert leftovers == []


def test_every_config_file_parses(project):
    path, _ = project
    parsed = 0
    for file in files(path):
        text = file.read_text(encoding="utf-8")
        if file.suffix == ".toml":
            tomllib.loads(text)
        elif file.suffix == ".json":
            json.loads(text)
        elif file.suffix in (".yml", ".yaml"):
            yaml.safe_load(text)
        else:
            continue
        parsed += 1
    assert parsed >= 1


def test_settings_modules_match_the_layout(project):
    path, answers = project
    settings = tomllib.loads((path / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    expected = "app" if answers["layout"] == "single_file" else "config.settings.test"
    assert settings["DJANGO_SETTINGS_MODULE"] == expected


def test_ruff_passes(project):
    path, _ = project
    result = run(path, "-m", "ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_django_check_passes(project):
    path, _ = project
    result = run(path, *manage(path), "check", "--fail-level", "ERROR")
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_passes_with_production_settings(project):
    path, _ = project
    env = {**production_env(path), **DEPLOY_ENV}
    result = run(path, *manage(path), "check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_migrations_are_complete(project):
    path, _ = project
    result = run(path, *manage(path), "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_test_suite_passes(project):
    path, _ = project
    result = run(path, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert re.search(r"\d+ passed", summary), summary
    assert "skipped" not in summary and "failed" not in summary, summary
