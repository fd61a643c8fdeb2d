"""The long hostile-input run: the full hypothesis profile on a project with every endpoint."""

import re

import pytest

from .conftest import generate, run

MINIMUM_CASES = 10_000


@pytest.mark.slow
def test_full_fuzz_run(tmp_path):
    project = generate(tmp_path, wechat_app_type="both")
    result = run(project, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "fuzz", HYPOTHESIS_PROFILE="full")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    cases = int(re.search(r"fuzz cases: (\d+)", result.stdout).group(1))
    print(f"\nfuzz cases in the full run: {cases}")
    assert cases >= MINIMUM_CASES
