"""Docs that cannot drift: the site builds strictly, every prompt and every setting is documented,
and every command in getting started runs."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from .conftest import TEMPLATE

DOCS = TEMPLATE / "docs"
PROJECT_TEMPLATE = TEMPLATE / "{{cookiecutter.project_slug}}"
GETTING_STARTED = [DOCS / "getting-started.md", DOCS / "en" / "getting-started.md"]
SETTINGS_PAGES = [DOCS / "settings.md", DOCS / "en" / "settings.md"]


def bash_blocks(path):
    return re.findall(r"```bash\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def test_site_builds_without_warnings(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=TEMPLATE,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("page", GETTING_STARTED, ids=lambda path: str(path.relative_to(DOCS)))
def test_every_prompt_is_documented(page):
    context = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
    text = page.read_text(encoding="utf-8")
    missing = [name for name in context if not name.startswith("_") and f"`{name}`" not in text]
    assert missing == []


# -- The settings reference ----------------------------------------------------------------
ENV_READ = re.compile(r'\benv\.(?:str|bool|int|float|list|db_url|cache_url|url)\(\s*"([A-Z][A-Z0-9_]*)"')
SECRET_READ = re.compile(r'\bsecret_setting\(\s*env,\s*"([A-Z][A-Z0-9_]*)"')  # environment.py's helper
OS_ENV_READ = re.compile(r'os\.environ\.get\(\s*"([A-Z][A-Z0-9_]*)"')
WECHAT_SETTING = re.compile(r'self\._get\(\s*"([A-Z][A-Z0-9_]*)"')
SETTING = re.compile(r'getattr\(settings,\s*"([A-Z][A-Z0-9_]*)"\s*[,)]')
DOCUMENTED = re.compile(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|", re.M)


def settings_read():
    """Every environment variable and setting the generated project reads, from its sources."""
    names = set()
    for path in PROJECT_TEMPLATE.rglob("*.py"):
        if "tests" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        names |= set(ENV_READ.findall(text)) | set(OS_ENV_READ.findall(text)) | set(SETTING.findall(text))
        names |= set(SECRET_READ.findall(text))
        names |= {"WECHAT_" + name for name in WECHAT_SETTING.findall(text)}
    return names


def test_the_settings_scan_finds_the_known_names():
    # Guards the scan itself: if these vanish, the regular expressions no longer see the code.
    assert {
        "DJANGO_SECRET_KEY",
        "DATABASE_URL",
        "WECHAT_TOKEN",
        "WECHAT_REPLY_BUDGET",
        "GUNICORN_WORKERS",
    } <= settings_read()


@pytest.mark.parametrize("page", SETTINGS_PAGES, ids=lambda path: str(path.relative_to(DOCS)))
def test_settings_reference_matches_what_the_project_reads(page):
    documented = set(DOCUMENTED.findall(page.read_text(encoding="utf-8")))
    read = settings_read()
    assert sorted(read - documented) == [], "read by the project but not documented"
    assert sorted(documented - read) == [], "documented but not read by the project"


# -- Getting started, word for word ---------------------------------------------------------
def readme_blocks():
    return bash_blocks(TEMPLATE / "README.md")


def test_readme_and_getting_started_show_the_same_commands():
    for page in GETTING_STARTED:
        assert bash_blocks(page)[:2] == readme_blocks()


def test_ci_runs_exactly_the_readme_test_command():
    test_command = readme_blocks()[1].strip()
    ci_lines = [line.strip() for line in (TEMPLATE / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines


def port_open(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def fresh_checkout(tmp_path):
    """The repository as a clean clone has it, in a folder of its own (commands may write to ..)."""
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=TEMPLATE, capture_output=True, text=True
    )
    checkout = tmp_path / "parent" / "repo"
    for name in files.stdout.splitlines():
        source = TEMPLATE / name
        if source.is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, checkout / name)
    return checkout


def run_block(block, cwd, env):
    """Run a command block; a block that ends by starting a server runs until it answers, then stops."""
    server = re.search(r"runserver 0\.0\.0\.0:(\d+)\s*$", block.strip())
    process = subprocess.Popen(
        ["bash", "-e", "-c", block],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    if not server:
        output, _ = process.communicate(timeout=900)
        return process.returncode, output
    port = int(server.group(1))
    deadline = time.monotonic() + 900
    while not port_open(port) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.5)
    try:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        return (0 if status == 200 else status), f"GET / answered {status}"
    except OSError as error:
        return 1, f"the server did not answer: {error}\n" + (
            process.stdout.read() if process.poll() is not None else ""
        )
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def commands_to_run():
    """Every block of getting started but the template's test command, which .ci/run itself runs."""
    if not GETTING_STARTED[0].exists():
        return []
    return [block for block in bash_blocks(GETTING_STARTED[0]) if block != readme_blocks()[1]]


@pytest.mark.slow
@pytest.mark.parametrize("block", commands_to_run(), ids=lambda block: block.strip().split("&&")[-1].strip()[:40])
def test_getting_started_command_runs(tmp_path, block):
    # A user's shell: no virtualenv of ours, and no PYTEST_VERSION (with it, the project would skip its .env).
    hidden = ("VIRTUAL_ENV", "PYTHONPATH", "PYTEST_VERSION")
    env = {key: value for key, value in os.environ.items() if key not in hidden}
    env["PATH"] = os.pathsep.join(part for part in env["PATH"].split(os.pathsep) if ".venv" not in part)
    code, output = run_block(block, fresh_checkout(tmp_path), env)
    assert code == 0, output[-5000:]


def test_readme_names_the_template_repository_once_and_uses_it():
    text = (TEMPLATE / "README.md").read_text(encoding="utf-8")
    definitions = re.findall(r"^TEMPLATE_REPO=(\S+)", text, re.M)
    assert len(definitions) == 1 and re.fullmatch(r"[\w.-]+/[\w.-]+", definitions[0]), definitions
    assert text.index("TEMPLATE_REPO=") < text.index("\n## "), "the variable belongs at the top"
    assert text.count(definitions[0]) == 1, "the repository path is written once, in the variable"
    uses = re.findall(r"cookiecutter \"?gh:\S+", text)
    assert uses and all(use.replace('"', "") == "cookiecutter gh:$TEMPLATE_REPO" for use in uses), uses
