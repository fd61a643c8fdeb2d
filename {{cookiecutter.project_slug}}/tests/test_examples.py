"""Tests of the example handlers (handlers/examples.py, or the handlers section of app.py).

This file is yours: when you change the examples, change or delete these tests.
The other files in tests/ test the ``wechat`` package with handlers of their own
(tests/probes.py), so they pass whatever your handlers do.
"""

import pytest

# Pushes in this file reach the project's own handlers, not the probes.
pytestmark = pytest.mark.project_handlers


def test_welcome_on_subscribe(wechat):
    assert wechat.send_event("subscribe")["Content"].startswith("欢迎关注")


def test_text_is_echoed(wechat_any_mode):
    assert wechat_any_mode.send_text("hello")["Content"] == "你说：hello\nYou said: hello"


def test_survey_keeps_the_answers_between_messages(wechat):
    assert "编程语言" in wechat.send_text("调查")["Content"]
    assert "几年" in wechat.send_text("Python")["Content"]
    assert wechat.send_text("10")["Content"] == "谢谢！Thanks! Python / 10"
    # The survey is over: text is echoed again.
    assert wechat.send_text("hello")["Content"].startswith("你说：hello")
