"""Tests of the example handlers (handlers/examples.py, or the handlers section of app.py).

This file is yours: when you change the examples, change or delete these tests.
The other files in tests/ test the ``wechat`` package with handlers of their own
(tests/probes.py), so they pass whatever your handlers do.
"""

import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import threading
import types
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

# Pushes in this file reach the project's own handlers, not the probes.
pytestmark = pytest.mark.project_handlers

PROJECT = Path(__file__).resolve().parent.parent
# Where the examples are: handlers/examples.py, or app.py in the single-file layout.
EXAMPLES = "handlers.examples" if importlib.util.find_spec("handlers") else "app"


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


# -- The LLM chatbot: tested against a chat API played by a local server, so nothing leaves this machine.
class ChatAPI:
    """An OpenAI-compatible chat API on 127.0.0.1: answers "answer 1", "answer 2"... and keeps the requests."""

    def __init__(self):
        self.requests = []  # (headers, JSON body)
        self.status = 200
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                api.requests.append((dict(self.headers), body))
                answer = {"choices": [{"message": {"role": "assistant", "content": f"answer {len(api.requests)}"}}]}
                payload = json.dumps(answer).encode()
                self.send_response(api.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/chat/completions"


@pytest.fixture
def chat_api(settings):
    api = ChatAPI()
    thread = threading.Thread(target=api.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.LLM_API_URL = api.url
    settings.LLM_API_KEY = "test-llm-key"
    settings.LLM_MODEL = "test-model"
    yield api
    api.server.shutdown()
    api.server.server_close()


def question(text):
    """A message as the chatbot's regex leaves it: message.match holds the question."""
    return types.SimpleNamespace(content=text, match=re.match("(.+)", text), context={})


def test_the_chatbot_answers_and_remembers_the_conversation(chat_api):
    chat = importlib.import_module(EXAMPLES).chat
    message = question("什么是微信？")
    assert chat(message) == "answer 1"
    message.match = re.match("(.+)", "再说一遍")
    assert chat(message) == "answer 2"

    headers, body = chat_api.requests[-1]
    assert headers["Authorization"] == "Bearer test-llm-key" and body["model"] == "test-model"
    assert body["messages"][0]["role"] == "system"
    assert body["messages"][1:] == [
        {"role": "user", "content": "什么是微信？"},
        {"role": "assistant", "content": "answer 1"},
        {"role": "user", "content": "再说一遍"},
    ]
    assert len(message.context["llm_history"]) == 4


def test_the_chatbot_apologises_when_the_api_fails(chat_api):
    chat_api.status = 500
    message = question("你好")
    assert importlib.import_module(EXAMPLES).chat(message).startswith("抱歉")
    assert message.context == {}  # the unanswered question is not kept


# The chatbot is registered at start-up, when LLM_API_URL is set: each case starts the project afresh.
REGISTERED = """
import django, json, wechatpy
django.setup()
from wechat import router
from wechat.testing import PushBuilder, to_xml
message = wechatpy.parse_message(to_xml(PushBuilder("token").text_fields("问 什么是微信？")))
message.context = {}  # as the webhook gives it
handler = router.resolve(message)
found = {"handler": handler.__name__, "defer": getattr(handler, "wechat_defer", None)}
if handler.__name__ == "chat":
    found.update(ack=handler.wechat_ack, answer=handler(message), history=message.context["llm_history"])
print(json.dumps(found))
"""


def resolve_at_start_up(**llm_settings):
    """Start the project with only ``llm_settings`` for LLM_*: what its router does with "问 什么是微信？"."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("LLM_")}
    result = subprocess.run(
        [sys.executable, "-c", REGISTERED],
        cwd=PROJECT,
        env={**env, **llm_settings},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_the_chatbot_is_off_by_default(chat_api):
    assert resolve_at_start_up() == {"handler": "echo", "defer": False}
    assert chat_api.requests == []  # no call to any chat API


def test_the_chatbot_is_registered_when_llm_api_url_is_set(chat_api):
    found = resolve_at_start_up(LLM_API_URL=chat_api.url, LLM_API_KEY="test-llm-key", LLM_MODEL="test-model")
    assert found == {
        "handler": "chat",
        "defer": True,
        "ack": "正在思考…",
        "answer": "answer 1",
        "history": [{"role": "user", "content": "什么是微信？"}, {"role": "assistant", "content": "answer 1"}],
    }
    assert chat_api.requests[0][1]["messages"][-1] == {"role": "user", "content": "什么是微信？"}
