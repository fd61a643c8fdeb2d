"""Fixtures that speak WeChat: pushes signed (and encrypted) exactly as WeChat sends them."""

import contextlib
import os
import secrets
from importlib.util import find_spec

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from wechat import router
from wechat.testing import PushBuilder

from . import probes

# Property-based fuzzing: a quick pass by default, HYPOTHESIS_PROFILE=full for the long run.
_fuzz = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]}
hypothesis_settings.register_profile("default", max_examples=60, **_fuzz)
hypothesis_settings.register_profile("full", max_examples=600, **_fuzz)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
FUZZ_CASES = []


def pytest_terminal_summary(terminalreporter):
    if FUZZ_CASES:
        terminalreporter.write_line(f"fuzz cases: {len(FUZZ_CASES)}")


TOKEN = "test-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx1234567890abcdef"
MODES = ("plain", "compatible", "safe")


@pytest.fixture(autouse=True)
def store_answering():
    """Each test starts with the shared store answering: no outage remembered from an earlier test."""
    from wechat.cache import Breaker

    for breaker in Breaker._by_store.values():
        breaker.closed_at = 0.0


@pytest.fixture(autouse=True)
def fresh_rules():
    """Each test starts with no auto-reply rules loaded in memory: an earlier test's were rolled back."""
    from wechat.rules import rule_cache

    rule_cache.forget()


@pytest.fixture(autouse=True)
def wechat_settings(settings):
    settings.WECHAT_TOKEN = TOKEN
    settings.WECHAT_ENCODING_AES_KEY = AES_KEY
    settings.WECHAT_APP_ID = APP_ID
    settings.WECHAT_ENCRYPT_MODE = "plain"
    settings.WECHAT_TIMESTAMP_TOLERANCE = 300
    return settings


def pytest_configure(config):
    config.addinivalue_line("markers", "project_handlers: pushes reach the project's own handlers, not the probes")


@pytest.fixture(autouse=True)
def wechat_handlers(request):
    """The router pushes reach: the probe handlers of tests/probes.py, never the project's own.

    So the package's tests pass whatever your handlers do. Tests of your own handlers
    opt out with ``pytestmark = pytest.mark.project_handlers`` (see test_examples.py).
    """
    if request.node.get_closest_marker("project_handlers"):
        yield router
        return
    with router.replaced_by(probes.router):
        yield probes.router


class WeChat:
    """Sends pushes to ``/wechat/`` through Django's test client, as WeChat's servers would."""

    url = "/wechat/"

    def __init__(self, client, mode="plain", **builder_options):
        builder_options.setdefault("openid", "o_" + secrets.token_hex(8))
        self.client = client
        self.mode = mode
        self.push = PushBuilder(TOKEN, mode=mode, aes_key=AES_KEY, app_id=APP_ID, **builder_options)

    def post(self, query, body, **extra):
        return self.client.generic("POST", f"{self.url}?{query}", body, content_type="text/xml", **extra)

    def deliver(self, fields, **sign_options):
        """POST a push of ``fields``; the raw response."""
        return self.post(*self.push.sign(fields, **sign_options))

    def send(self, fields, **sign_options):
        """POST a push and return the decrypted reply as a dict (None for ``success``)."""
        response = self.deliver(fields, **sign_options)
        assert response.status_code == 200, response.content
        return self.push.read_reply(response.content)

    def send_text(self, content, **extra):
        return self.send(self.push.text_fields(content, **extra))

    def send_event(self, event, key=None, **extra):
        return self.send(self.push.event_fields(event, key, **extra))


@pytest.fixture
def wechat(client, db, wechat_settings):
    """A WeChat server pushing in plain mode."""
    return WeChat(client)


@pytest.fixture(params=MODES)
def wechat_any_mode(request, client, db, wechat_settings):
    """The same WeChat server in each encryption mode: plain, compatible, safe."""
    wechat_settings.WECHAT_ENCRYPT_MODE = request.param
    return WeChat(client, mode=request.param)


@pytest.fixture
def wechat_in(client, db, wechat_settings):
    """``wechat_in("safe")``: a WeChat server for one mode, with the setting to match."""

    def make(mode, **builder_options):
        wechat_settings.WECHAT_ENCRYPT_MODE = mode
        return WeChat(client, mode=mode, **builder_options)

    return make


@pytest.fixture
def fake_wechat(settings, db):
    """A fake WeChat API server over real HTTP on 127.0.0.1, for a fresh app (cold token cache)."""
    from wechat.fake_server import FakeWeChat

    app_id = "wx" + secrets.token_hex(8)
    miniprogram_app_id = "wx" + secrets.token_hex(8)
    with FakeWeChat(app_id, "test-app-secret", apps={miniprogram_app_id: "test-mp-secret"}) as fake:
        settings.WECHAT_APP_ID = app_id
        settings.WECHAT_APP_SECRET = "test-app-secret"
        settings.MINIPROGRAM_APP_ID = miniprogram_app_id
        settings.MINIPROGRAM_APP_SECRET = "test-mp-secret"
        settings.WECHAT_API_BASE_URL = fake.url
        settings.WECHAT_OPEN_BASE_URL = fake.url
        settings.WECHAT_API_TIMEOUT = 2
        yield fake


@pytest.fixture
def unreachable_wechat(settings, db):
    """WeChat's API on a port where nothing listens."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.WECHAT_API_BASE_URL = f"http://127.0.0.1:{port}/"
    settings.WECHAT_APP_ID = "wx" + secrets.token_hex(8)
    settings.WECHAT_API_TIMEOUT = 1


@pytest.fixture
def slow_wechat(fake_wechat, settings):
    """WeChat's API answering after 2 s, with calls timing out after 0.5 s."""
    settings.WECHAT_API_TIMEOUT = 0.5
    fake_wechat.delay = 2
    return fake_wechat


@pytest.fixture
def broken_cache(settings, db):
    """The shared cache stops answering (its table is gone, or Redis is unreachable)."""
    from django.core.cache import caches
    from django.db import connection

    from wechat.cache import DatabaseCache

    if isinstance(caches["default"], DatabaseCache):
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE wechat_cache")
    else:
        settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:9/0"}}


# WeChat Pay's fixtures (fake_pay, pay_mode, paid_signals, refunded_signals), in projects that chose it.
if find_spec("wechat.pay") is not None:
    from .pay_fixtures import fake_pay, paid_signals, pay_mode, refunded_signals  # noqa: E402, F401


@contextlib.contextmanager
def table_away(table):
    """The database fails under the code inside: ``table`` is renamed away, and back afterwards."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_away")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table}_away RENAME TO {table}")
