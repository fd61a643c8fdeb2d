"""Docs that cannot drift: the site builds strictly in both languages, with a language switch, copy buttons
and a search that finds API names; every page says the same in Chinese and English; every prompt and every
setting is documented; and every command in getting started runs."""

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
GETTING_STARTED = [DOCS / "getting-started.md", DOCS / "getting-started.en.md"]
SETTINGS_PAGES = [DOCS / "settings.md", DOCS / "settings.en.md"]


def bash_blocks(path):
    return re.findall(r"```bash\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site, built once with `mkdocs build --strict`."""
    site_dir = tmp_path_factory.mktemp("docs") / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=TEMPLATE,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return site_dir


def test_site_builds_without_warnings(site):
    assert (site / "index.html").is_file()


# -- Two languages: page.md is Chinese (the default), page.en.md English --------------------
def nav_pages():
    config = (TEMPLATE / "mkdocs.yml").read_text(encoding="utf-8")
    return re.findall(r"^  - [^:]+: (\S+\.md)$", config, re.M)


def test_every_page_is_in_the_nav_in_both_languages():
    pages = nav_pages()
    assert "index.md" in pages and "handlers.md" in pages, pages
    files = {path.name for path in DOCS.glob("*.md")}
    chinese = {name for name in files if not name.endswith(".en.md")}
    assert sorted(chinese) == sorted(pages), "every Chinese page is in the nav, and nothing else"
    assert sorted(files - chinese) == sorted(page[: -len(".md")] + ".en.md" for page in pages)
    assert not [path for path in DOCS.rglob("*") if path.is_dir()], "no folders: one language per file suffix"


def page_html(site, page, language):
    stem = page[: -len(".md")]
    path = site / ("en" if language == "en" else "") / ("" if stem == "index" else stem) / "index.html"
    return path.read_text(encoding="utf-8")


def switch(html):
    return {
        lang: href for href, lang in re.findall(r'<a href="([^"]+)" hreflang="(\w+)" class="md-select__link">', html)
    }


@pytest.mark.parametrize("page", nav_pages())
def test_both_languages_are_built_with_a_switch_between_them(site, page):
    chinese, english = page_html(site, page, "zh"), page_html(site, page, "en")
    assert '<html lang="zh"' in chinese and '<html lang="en"' in english
    # The selector on each page leads to the same page in the other language.
    if page == "index.md":  # the plugin links the home pages from the site's root
        assert switch(chinese) == switch(english) == {"zh": "/", "en": "/en/"}
        return
    target = page[: -len(".md")] + "/"
    assert switch(chinese) == {"zh": "./", "en": "../" * target.count("/") + "en/" + target}
    assert switch(english) == {"zh": "../" * (target.count("/") + 1) + target, "en": "./"}
    # Each page's own title is in its own language.
    assert re.search(r"<h1[^>]*>[^<]*[\u4e00-\u9fff]", chinese) or page == "index.md"
    assert not re.search(r"<h1[^>]*>[^<]*[\u4e00-\u9fff]", english)


@pytest.mark.parametrize("page", nav_pages())
def test_both_languages_have_the_same_anchors(site, page):
    # Links such as handlers.md#slow-handlers work in either language.
    def anchors(html):
        return re.findall(r'<h[2-6] id="([^"]+)"', html)

    assert anchors(page_html(site, page, "zh")) == anchors(page_html(site, page, "en"))


def fenced_blocks(text):
    return re.findall(r"^```.*?^```", text, re.S | re.M)


def blocks_outside_code(text):
    return [
        block for block in re.split(r"\n\s*\n", re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)) if block.strip()
    ]


def code(block):
    """A code block without its comments, which may be translated; a text block is only its kind."""
    kind = block.split("\n", 1)[0]
    if kind == "```text":
        return kind
    return [re.sub(r"\s*(?:#|//) .*$|\s*#$", "", line) for line in block.splitlines()]


HAN = re.compile(r"[\u4e00-\u9fff]")


def prose(block):
    """A block's words, without code spans and link targets."""
    return re.sub(r"\]\([^)]*\)", "]", re.sub(r"`[^`]*`", "", block))


@pytest.mark.parametrize("page", nav_pages())
def test_both_languages_keep_every_command_and_table(page):
    chinese = (DOCS / page).read_text(encoding="utf-8")
    english = (DOCS / page.replace(".md", ".en.md")).read_text(encoding="utf-8")
    assert [code(block) for block in fenced_blocks(chinese)] == [code(block) for block in fenced_blocks(english)]
    for pattern in (r"^\|", r"^#+ ", r"^(?:- |\d+\. )"):
        assert len(re.findall(pattern, chinese, re.M)) == len(re.findall(pattern, english, re.M)), pattern


@pytest.mark.parametrize("page", nav_pages())
def test_no_paragraph_is_doubled(page):
    chinese = (DOCS / page).read_text(encoding="utf-8")
    english = (DOCS / page.replace(".md", ".en.md")).read_text(encoding="utf-8")
    # An English page quotes Chinese labels (菜单名, 按钮) in running English; a Chinese block is a leftover.
    for block in blocks_outside_code(english):
        han, letters = len(HAN.findall(prose(block))), len(re.findall(r"[A-Za-z]", prose(block)))
        assert han <= letters * 0.4, block[:200]
    # A Chinese page has no English sentence: eight English words in a row outside code.
    for block in blocks_outside_code(chinese):
        if block.startswith("<!--"):
            continue
        assert not re.search(r"(?:[A-Za-z']+[,;:]? ){7}[A-Za-z']+", prose(block)), block[:200]


def test_code_blocks_have_copy_buttons(site):
    config = re.search(
        r'<script id="__config" type="application/json">(.*?)</script>', page_html(site, "index.md", "zh")
    )
    assert "content.code.copy" in json.loads(config.group(1))["features"]


# -- Search finds API names -------------------------------------------------------------------
SEARCHED = {
    "wechat_simulate": "developer-tools",
    "jwt_required": "miniprogram",
    "WECHAT_TOKEN": "settings",
    "router.text": "handlers",
}


def search_index(site):
    return json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("term", SEARCHED)
@pytest.mark.parametrize("language", ["zh", "en"])
def test_search_index_holds_api_names_as_whole_words(site, term, language):
    # Tokenised as the browser's lunr does it, with the site's separator: the name is one word of the page.
    index = search_index(site)
    separator = re.compile(index["config"]["separator"])
    page = ("en/" if language == "en" else "") + SEARCHED[term] + "/"
    words = set()
    for doc in index["docs"]:
        if doc["location"].split("#")[0] == page:
            text = re.sub(r"<[^>]+>", " ", doc["title"] + " " + doc["text"])
            words |= {word.lower() for word in separator.split(text)}
    assert words, f"{page} is not in the search index"
    assert term.lower() in words
    assert "stemmer" not in index["config"]["pipeline"], "a stemmer cuts wechat_simulate to wechat_simul"


def test_search_index_segments_chinese(site):
    index = search_index(site)
    text = next(doc["text"] for doc in index["docs"] if doc["location"] == "developer-tools/")
    assert "\u200b" in text, "jieba cuts Chinese into words at build time"


@pytest.mark.slow
def test_search_box_finds_an_api_name_in_the_browser(site):
    from playwright.sync_api import sync_playwright

    from .test_browser import CHROMIUM, CHROMIUM_ARGS

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not port_open(port) and time.monotonic() < deadline:
            time.sleep(0.1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                for path, expected in (("/", "/developer-tools/"), ("/en/", "/en/developer-tools/")):
                    page.goto(f"http://127.0.0.1:{port}{path}")
                    page.locator("input.md-search__input").click()
                    page.keyboard.type("wechat_simulate")
                    results = page.locator(".md-search-result__item > a")
                    results.first.wait_for(timeout=20000)
                    links = [link.get_attribute("href") for link in results.all()]
                    assert any(expected + "?h=wechat_simulate" in link for link in links), links
            finally:
                browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


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
# The prefix a settings class's _get() puts before the name: "WECHAT_" in wechat/conf.py, "WECHAT_PAY_" in
# wechat/pay/conf.py. Read from the same file, so that a class with another prefix is scanned right too.
SETTING_PREFIX = re.compile(r'getattr\(settings,\s*"([A-Z][A-Z0-9_]*_)"\s*\+\s*name\b')
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
        short_names = WECHAT_SETTING.findall(text)
        if short_names:
            prefixes = set(SETTING_PREFIX.findall(text))
            assert len(prefixes) == 1, f"{path}: _get() with no single settings prefix to read: {prefixes}"
            (prefix,) = prefixes
            names |= {prefix + name for name in short_names}
    return names


def test_the_settings_scan_finds_the_known_names():
    # Guards the scan itself: if these vanish, the regular expressions no longer see the code.
    assert {
        "DJANGO_SECRET_KEY",
        "DATABASE_URL",
        "WECHAT_TOKEN",
        "WECHAT_REPLY_BUDGET",
        "WECHAT_PAY_NOTIFY_TOLERANCE",  # only read through wechat/pay/conf.py's _get(), never from the env
        "GUNICORN_WORKERS",
    } <= settings_read()
    # Each settings class's own prefix: wechat/pay/conf.py's MCH_ID is WECHAT_PAY_MCH_ID, not WECHAT_MCH_ID.
    assert not {"WECHAT_MCH_ID", "WECHAT_NOTIFY_TOLERANCE"} & settings_read()


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
