"""The answer sets the template is tested with: every value of every prompt, and
every pair of values of two prompts (pairwise), in eight projects."""

import pytest

FIELDS = ("layout", "wechat_app_type", "database", "cache", "use_jssdk", "use_oauth")
ROWS = [
    ("full", "official_account", "sqlite", "database", True, True),  # the defaults
    ("single_file", "mini_program", "postgresql", "redis", False, False),
    ("single_file", "both", "sqlite", "redis", False, True),
    ("full", "both", "postgresql", "database", True, False),
    ("single_file", "official_account", "sqlite", "database", False, False),
    ("full", "mini_program", "postgresql", "redis", True, True),
    ("full", "mini_program", "sqlite", "database", False, False),
    ("single_file", "official_account", "postgresql", "redis", True, True),
]


def _id(answers):
    flags = [name for name in ("use_jssdk", "use_oauth") if answers[name]]
    parts = [answers["layout"], answers["wechat_app_type"], answers["database"], answers["cache"], *flags]
    return "-".join(parts)


COMBINATIONS = [dict(zip(FIELDS, row, strict=True)) for row in ROWS]
PARAMS = [pytest.param(answers, id=_id(answers)) for answers in COMBINATIONS]
