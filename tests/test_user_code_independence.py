"""The generated project's tests test the ``wechat`` package, not the user's code or files.

A user replaces the example handlers with their own (a catch-all text handler, a
default handler, a handler for the example menu's CLICK key) and writes a ``.env``
whose values would break the tests if they were read: only ``tests/test_examples.py``,
the user-owned tests of the examples, may fail.
"""

import re
import xml.etree.ElementTree as ET

import pytest

from .conftest import generate, run

USER_HANDLERS = """from wechat import router


@router.text()
def mine(message):
    return "mine"


@router.default
def fallback(message):
    return "fallback"


@router.event("CLICK", key="TODAY_PICK")
def today_pick(message):
    return "today's pick"
"""

# Every value here would break some test if the test settings read the file.
HOSTILE_ENV = """\
DJANGO_SECRET_KEY=from-the-developers-dotenv
DJANGO_DEBUG=false
WECHAT_TOKEN=from-the-developers-dotenv
WECHAT_ENCRYPT_MODE=safe
WECHAT_APP_ID=wx-from-dotenv
DATABASE_URL=postgres://nobody@127.0.0.1:9/nothing
CACHE_URL=redis://127.0.0.1:9/0
"""

EXAMPLE_TESTS = {
    "test_welcome_on_subscribe",
    "test_text_is_echoed[plain]",
    "test_text_is_echoed[compatible]",
    "test_text_is_echoed[safe]",
    "test_survey_keeps_the_answers_between_messages",
    "test_the_chatbot_answers_and_remembers_the_conversation",
    "test_the_chatbot_apologises_when_the_api_fails",
    "test_the_chatbot_is_off_by_default",
    "test_the_chatbot_is_registered_when_llm_api_url_is_set",
}


def replace_the_examples(project):
    """Put the user's handlers where the examples were: handlers/examples.py, or the section of app.py."""
    app = project / "app.py"
    if not app.exists():
        (project / "handlers" / "examples.py").write_text(USER_HANDLERS, encoding="utf-8")
        return
    # In app.py the examples run from their "# Handlers:" comment to the next "# ----" section rule.
    source, replaced = re.subn(
        r"^# Handlers: .*?(?=^# -{10,})", USER_HANDLERS + "\n\n", app.read_text(encoding="utf-8"), flags=re.S | re.M
    )
    assert replaced == 1, "the examples section of app.py was not found: update this test"
    app.write_text(source, encoding="utf-8")


def failed_tests(junit_xml):
    """``{(module, test name)}`` of every test that failed or errored."""
    failed = set()
    for case in ET.parse(junit_xml).iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed.add((case.get("classname"), case.get("name")))
    return failed


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["full", "single_file"])
def test_only_the_example_tests_fail_when_the_user_rewrites_the_examples(tmp_path, layout):
    project = generate(tmp_path / "out", layout=layout)
    replace_the_examples(project)
    (project / ".env").write_text(HOSTILE_ENV, encoding="utf-8")
    report = tmp_path / "report.xml"
    result = run(project, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}")
    output = result.stdout[-6000:] + result.stderr[-2000:]
    assert report.exists(), output
    failed = failed_tests(report)
    assert {module for module, _ in failed} == {"tests.test_examples"}, output
    assert {name for _, name in failed} == EXAMPLE_TESTS, output
    assert re.search(r"\d{3} passed", result.stdout), output
