"""What generation tells a new user to do next: PostgreSQL's database is created before migrate."""

import subprocess
import sys

import pytest

from .conftest import TEMPLATE


def generate_and_print(tmp_path, *answers):
    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cookiecutter",
            "--no-input",
            "-o",
            str(out),
            str(TEMPLATE),
            "project_slug=mydb",
            *answers,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout, out / "mydb"


@pytest.mark.parametrize("layout, manage", [("full", "python manage.py"), ("single_file", "python app.py")])
def test_postgresql_gets_createdb_before_migrate(tmp_path, layout, manage):
    printed, project = generate_and_print(tmp_path, "database=postgresql", f"layout={layout}")
    command = "createdb -h 127.0.0.1 -U postgres mydb"
    assert printed.index(command) < printed.index(f"{manage} migrate")
    readme = (project / "README.md").read_text()
    assert readme.index(command) < readme.index(f"{manage} migrate")
    assert (project / "tests" / "test_postgresql.py").exists()


def test_sqlite_needs_no_createdb(tmp_path):
    printed, project = generate_and_print(tmp_path, "database=sqlite")
    assert "createdb" not in printed and "createdb" not in (project / "README.md").read_text()
    assert not (project / "tests" / "test_postgresql.py").exists()
