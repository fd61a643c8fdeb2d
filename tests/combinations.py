"""The answer sets the template is tested with: every value of every prompt, and
every pair of values of two prompts (pairwise), in eight projects."""

import pytest

FIELDS = ("layout", "wechat_app_type", "database", "cache", "use_jssdk", "use_oauth", "use_pay")
ROWS = [
    ("full", "official_account", "sqlite", "database", True, True, False),  # the defaults
    ("single_file", "mini_program", "postgresql", "redis", False, False, True),
    ("single_file", "both", "sqlite", "redis", False, True, True),
    ("full", "both", "postgresql", "database", True, False, False),
    ("single_file", "official_account", "sqlite", "database", False, False, True),
    ("full", "mini_program", "postgresql", "redis", True, True, True),
    ("full", "mini_program", "sqlite", "database", False, False, False),
    ("single_file", "official_account", "postgresql", "redis", True, True, False),
]


def _id(answers):
    flags = [name for name in ("use_jssdk", "use_oauth", "use_pay") if answers[name]]
    parts = [answers["layout"], answers["wechat_app_type"], answers["database"], answers["cache"], *flags]
    return "-".join(parts)


COMBINATIONS = [dict(zip(FIELDS, row, strict=True)) for row in ROWS]
PARAMS = [pytest.param(answers, id=_id(answers)) for answers in COMBINATIONS]
