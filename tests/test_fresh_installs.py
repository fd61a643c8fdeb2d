"""The generated requirements install into fresh virtualenvs, with pip and with uv, on the
oldest and newest supported Pythons, and the project's own tests pass there: on Python 3.10
with Django 5.2 LTS (the newest Django for it), on Python 3.13 with Django 6.1."""

import glob
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import generate, run


def find_python(version):
    """pyenv's interpreter for ``version`` (this machine's kind ships 3.10 to 3.13)."""
    root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    found = sorted(glob.glob(f"{root}/versions/{version}.*/bin/python{version}"))
    assert found, f"Python {version} not found under {root}/versions (install it with pyenv)"
    return found[-1]


def check(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, **kwargs)
    assert result.returncode == 0, " ".join(map(str, command)) + "\n" + result.stdout[-4000:] + result.stderr[-4000:]
    return result


# What pip resolves ``Django>=5.2,<6.2`` to: Django 6 needs Python 3.12 or later.
DJANGO_FOR_PYTHON = {"3.10": "5.2", "3.13": "6.1"}


def assert_django(python, version):
    """The Django the venv got is the series expected for its Python."""
    installed = check([python, "-c", "import django; print(django.get_version())"]).stdout.strip()
    assert installed.startswith(DJANGO_FOR_PYTHON[version] + "."), f"Python {version} got Django {installed}"


def run_project_tests(project, python):
    result = run(project, "-m", "pytest", "-q", "-p", "no:cacheprovider", python=python)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert re.search(r"\d+ passed", result.stdout), result.stdout[-500:]


def fresh_venv_with_pip(tmp_path, version, project):
    venv = tmp_path / "venv"
    check([find_python(version), "-m", "venv", str(venv)])
    check([venv / "bin/python", "-m", "pip", "install", "-q", "-r", "requirements-dev.txt"], cwd=project)
    return venv / "bin/python"


@pytest.mark.slow
@pytest.mark.parametrize("version", ["3.10", "3.13"])
def test_default_project_installs_with_pip_and_passes_its_tests(tmp_path, version):
    project = generate(tmp_path / "out")
    python = fresh_venv_with_pip(tmp_path, version, project)
    assert_django(python, version)
    run_project_tests(project, python)


@pytest.mark.slow
def test_single_file_project_installs_with_uv_and_passes_its_tests(tmp_path):
    project = generate(tmp_path / "out", layout="single_file")
    venv = tmp_path / "venv"
    check([sys.executable, "-m", "uv", "venv", "-q", "--python", find_python("3.13"), str(venv)])
    check(
        [
            sys.executable,
            "-m",
            "uv",
            "pip",
            "install",
            "-q",
            "--python",
            str(venv / "bin/python"),
            "-r",
            "requirements-dev.txt",
        ],
        cwd=project,
    )
    assert_django(venv / "bin/python", "3.13")
    run_project_tests(project, venv / "bin/python")
