"""Every file of the ``wechat`` package says that it is the template's, to update with cruft, not to edit."""

from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
HEADER = (
    "# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.\n"
)


def test_every_template_owned_python_file_starts_with_the_header():
    files = sorted(PROJECT.glob("wechat/**/*.py")) + [PROJECT / "environment.py"]
    assert len(files) > 30  # the package is there
    missing = [
        str(path.relative_to(PROJECT)) for path in files if not path.read_text(encoding="utf-8").startswith(HEADER)
    ]
    assert missing == []
