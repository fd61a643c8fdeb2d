"""The template's own Python (hooks and these tests) is lint-clean too."""

import subprocess
import sys

from .conftest import TEMPLATE


def test_template_code_passes_ruff():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=TEMPLATE, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
