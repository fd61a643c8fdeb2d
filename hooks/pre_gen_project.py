"""Validate the answers before any file is generated.

Each rule prints one clear sentence and exits with status 1, so cookiecutter
stops without leaving a half-generated project behind.
"""

import json
import keyword
import re
import sys

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")

CHOICES = {
    "layout": ("full", "single_file"),
    "wechat_app_type": ("official_account", "mini_program", "both"),
    "database": ("sqlite", "postgresql"),
    "cache": ("database", "redis"),
}
BOOLEANS = ("use_jssdk", "use_oauth", "use_pay")
# Top-level names the generated project already uses for itself.
RESERVED_SLUGS = {
    "app",
    "config",
    "core",
    "shop",
    "environment",
    "handlers",
    "pages",
    "tests",
    "wechat",
    "django",
    "environ",
    "test",
}


def fail(message):
    print(f"ERROR: {message}", file=sys.stderr)
    sys.exit(1)


def validate_slug(slug):
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", slug) or keyword.iskeyword(slug):
        fail(
            f"project_slug '{slug}' is not a lowercase Python identifier "
            "(letters a-z, digits and _, not starting with a digit); "
            "项目包名必须是小写的 Python 标识符，例如 my_wechat。"
        )
    if slug in RESERVED_SLUGS:
        fail(f"project_slug '{slug}' clashes with a module of the generated project; pick another name.")


def validate_choices(answers):
    for name, allowed in CHOICES.items():
        if answers[name] not in allowed:
            fail(f"{name} must be one of {', '.join(allowed)}, not '{answers[name]}'.")
    for name in BOOLEANS:
        if not isinstance(answers[name], bool):
            fail(f"{name} must be yes or no, not '{answers[name]}'.")


def validate_text(answers):
    for name in ("project_name", "author_name"):
        if not str(answers[name]).strip():
            fail(f"{name} must not be empty.")
    for name in ("project_name", "description", "author_name"):
        if any(ch in str(answers[name]) for ch in '"\\\n'):
            fail(f"{name} must not contain quotes, backslashes or line breaks.")


def main():
    validate_slug(ANSWERS["project_slug"])
    validate_choices(ANSWERS)
    validate_text(ANSWERS)


if __name__ == "__main__":
    main()
