"""Remove what was not chosen, then say what to do next.

Every file ships in the template as plain Python; this hook (not Jinja in
every file) decides which ones the generated project keeps.
"""

import secrets
import shutil
from pathlib import Path

LAYOUT = "{{ cookiecutter.layout }}"
APP_TYPE = "{{ cookiecutter.wechat_app_type }}"
DATABASE = "{{ cookiecutter.database }}"
CACHE = "{{ cookiecutter.cache }}"
USE_JSSDK = "{{ cookiecutter.use_jssdk }}" == "True"
USE_OAUTH = "{{ cookiecutter.use_oauth }}" == "True"
USE_PAY = "{{ cookiecutter.use_pay }}" == "True"
# Official-account features: a mini_program project has none of them.
OFFICIAL_ACCOUNT = "{{ cookiecutter.__official_account }}" == "True"
JSSDK = "{{ cookiecutter.__jssdk }}" == "True"
OAUTH = "{{ cookiecutter.__oauth }}" == "True"
MINI_PROGRAM = "{{ cookiecutter.__miniprogram }}" == "True"

PROJECT = Path.cwd()


def remove(*paths):
    for path in paths:
        target = PROJECT / path
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def edit_line(path, line, replacement=None):
    """Replace (or, without ``replacement``, remove) a line the template ships, with the comment lines just above it."""
    target = PROJECT / path
    lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, text in enumerate(lines) if text.rstrip("\n") == line)  # StopIteration: the template changed
    if replacement is not None:
        lines[index] = replacement + "\n"
    else:
        start = index
        while start > 0 and lines[start - 1].startswith("#"):
            start -= 1
        if start > 0 and not lines[start - 1].strip():
            start -= 1  # the blank line before the block
        del lines[start : index + 1]
    target.write_text("".join(lines), encoding="utf-8")


def remove_requirement(package, filename="requirements.txt"):
    requirements = PROJECT / filename
    lines = requirements.read_text(encoding="utf-8").splitlines(keepends=True)
    requirements.write_text("".join(line for line in lines if not line.startswith(package)), encoding="utf-8")


def remove_full_layout():
    # app.py already holds handlers/examples.py and pages.py (included when rendered).
    remove("manage.py", "config", "core", "handlers", "pages.py", "tests/test_core.py")


def remove_jssdk():
    remove(
        "wechat/jssdk.py",
        "wechat/templatetags",
        "templates/jssdk_demo.html",
        "tests/test_jssdk.py",
        "tests/test_fuzz_jssdk.py",
    )


def remove_oauth():
    remove(
        "wechat/oauth",
        "wechat/templates/wechat/oauth_declined.html",
        "wechat/templates/wechat/oauth_unavailable.html",
        "tests/test_oauth.py",
    )


def remove_menus():
    remove(
        "wechat/management/commands/wechat_menu.py",
        "menu.json",
        "wechat/menus.py",
        "wechat/admin_menus.py",
        "wechat/templates/admin/wechat/menu",
        "wechat/templates/wechat/menu_phone.html",
        "tests/test_menu.py",
        "tests/test_menu_json.py",
        "tests/test_menus.py",
        "tests/test_menus_admin.py",
    )


def remove_materials():
    remove(
        "wechat/materials.py",
        "wechat/admin_materials.py",
        "wechat/templates/admin/wechat/material",
        "tests/test_materials.py",
    )


def remove_follower_sync():
    # wechat/followers.py stays: the webhook hands it every event, and it ignores what is not a follow.
    remove("wechat/management/commands/wechat_sync_users.py", "tests/test_followers.py")
    edit_line("wechat/admin_followers.py", "OFFICIAL_ACCOUNT = True", "OFFICIAL_ACCOUNT = False")


def remove_official_account_admin():
    edit_line("wechat/admin.py", "from . import admin_materials, admin_menus, admin_rules  # noqa: E402, F401")


def remove_autoreply_admin():
    # The models and wechat/rules.py stay (one migration history for every project); with no rule
    # in the database the router finds none.
    remove(
        "wechat/admin_rules.py",
        "wechat/autoreply_import.py",
        "wechat/management/commands/wechat_import_autoreply.py",
        "wechat/templates/admin/wechat/autoreplyrule",
        "tests/test_rules.py",
        "tests/test_rules_admin.py",
    )


def remove_mini_program():
    remove(
        "wechat/miniprogram",
        "wechat/jwt_auth.py",
        "wechat/middleware.py",
        "wechat/drf.py",
        "tests/test_miniprogram.py",
        "tests/test_fuzz_miniprogram.py",
        "tests/test_admin_miniprogram.py",
    )
    remove_requirement("PyJWT")
    remove_requirement("djangorestframework", "requirements-dev.txt")


def remove_pay():
    remove("wechat/pay", "wechat/fake_pay.py", "tests/test_fake_pay.py", "tests/pay_fixtures.py")
    remove("shop", "tests/test_shop.py")  # the example shop, yours once generated
    remove(*(path.relative_to(PROJECT) for path in PROJECT.glob("tests/test_pay*.py")))
    remove_requirement("cryptography")


def remove_empty_folders():
    for folder in ("templates", "wechat/templates/admin/wechat", "wechat/templates/admin"):
        if (PROJECT / folder).is_dir() and not any((PROJECT / folder).iterdir()):
            (PROJECT / folder).rmdir()


def remove_single_file_layout():
    remove("app.py")


def remove_postgresql():
    remove_requirement("psycopg")
    remove("tests/test_postgresql.py")


def remove_redis():
    remove_requirement("redis")
    # The task queue is then a table in the database (django-tasks-db), not RQ.
    for package in ("django-tasks-rq", "django-rq", "rq>="):
        remove_requirement(package)


def remove_database_cache_tests():
    remove("tests/test_cache_database.py")


def write_env_file():
    """A git-ignored ``.env`` with random development keys: nothing the template ships signs anything.

    WECHAT_TOKEN is 32 hex digits, a Token WeChat's configuration page accepts; the
    simulator and the dev console sign with it. A ``.env`` already there is kept.
    """
    env_file = PROJECT / ".env"
    if env_file.exists():
        return
    lines = [
        "# Random keys written when the project was generated: yours alone. Never commit this file (.gitignore).",
        "# 生成项目时写入的随机密钥，只属于你；切勿提交（已在 .gitignore 中）。Settings: see .env.example.",
        f"DJANGO_SECRET_KEY={secrets.token_urlsafe(50)}",
        f"WECHAT_TOKEN={secrets.token_hex(16)}",
    ]
    if MINI_PROGRAM:
        lines.append(f"JWT_SECRET_KEY={secrets.token_urlsafe(50)}")
    env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env_file.chmod(0o600)


def notes():
    lines = []
    if APP_TYPE == "mini_program" and (USE_JSSDK or USE_OAUTH):
        lines.append("Note: JSSDK and web OAuth are official-account features, ignored for a mini_program project.")
        lines.append("注意：JSSDK 与网页授权是公众号功能，小程序项目会忽略这两个选项。")
    if USE_PAY and OFFICIAL_ACCOUNT and not USE_OAUTH:
        lines.append("Note: web OAuth is on anyway: WeChat Pay on official-account pages needs the payer's openid.")
        lines.append("注意：已启用网页授权：公众号网页里的微信支付需要付款人的 openid。")
    return lines


def create_database():
    """PostgreSQL's database must exist before ``migrate``: the command that makes it."""
    if DATABASE != "postgresql":
        return []
    command = f"createdb -h 127.0.0.1 -U postgres {PROJECT.name}"
    return [f"  {command}   # the database DATABASE_URL names 创建 DATABASE_URL 里的数据库"]


def next_steps():
    manage = "python app.py" if LAYOUT == "single_file" else "python manage.py"
    return [
        "",
        "Next steps 下一步:",
        f"  cd {PROJECT.name}",
        "  python -m venv .venv && . .venv/bin/activate",
        "  pip install -r requirements-dev.txt",
        *create_database(),
        f"  {manage} migrate",
        f"  {manage} createsuperuser   # the admin's login, for /admin/ 管理后台账号",
        f"  {manage} runserver 0.0.0.0:80",
        "",
        ".env holds this project's random keys (git-ignored); add your AppID and secrets there.",
        ".env 里是本项目的随机密钥（不会提交）；AppID 等配置也填在那里。",
        "",
    ]


def main():
    if LAYOUT == "single_file":
        remove_full_layout()
    else:
        remove_single_file_layout()
    if not JSSDK:
        remove_jssdk()
    if not OAUTH:
        remove_oauth()
    if not OFFICIAL_ACCOUNT:
        remove_menus()
        remove_follower_sync()
        remove_autoreply_admin()
        remove_materials()
        remove_official_account_admin()
    if not MINI_PROGRAM:
        remove_mini_program()
    if not USE_PAY:
        remove_pay()
    remove_empty_folders()
    write_env_file()
    if DATABASE != "postgresql":
        remove_postgresql()
    if CACHE != "redis":
        remove_redis()
    else:
        remove_database_cache_tests()
    print("\n".join(notes() + next_steps()))


if __name__ == "__main__":
    main()
