"""Identical answers give byte-identical projects (so cruft can update them later)."""

from .conftest import generate


def tree(path):
    """Every file but .env, whose keys are random by design (pyproject.toml tells cruft to skip it)."""
    files = sorted(file for file in path.rglob("*") if file.is_file() and file.name != ".env")
    return {str(file.relative_to(path)): file.read_bytes() for file in files}


def test_identical_answers_give_identical_output(tmp_path):
    answers = {"project_name": "微信 Demo", "project_slug": "demo", "layout": "single_file", "cache": "redis"}
    first = generate(tmp_path / "a", **answers)
    second = generate(tmp_path / "b", **answers)
    assert tree(first) == tree(second)


def test_generation_makes_no_network_calls(tmp_path, monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("generation opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert (generate(tmp_path, project_slug="offline") / "manage.py").exists()
