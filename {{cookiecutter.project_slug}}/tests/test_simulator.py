"""``manage.py wechat_simulate``: pushes built as WeChat builds them, in-process or to a running server."""

import socket

import pytest
from django.core.management import CommandError, call_command
from django.db import connections
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler, _StaticFilesHandler

from wechat.management.commands.wechat_simulate import DEFAULT_URLS


def simulate(capsys, *args):
    call_command("wechat_simulate", *args)
    return capsys.readouterr().out


@pytest.mark.django_db
def test_text_in_process(capsys):
    out = simulate(capsys, "你好", "--in-process")
    assert "echo: 你好" in out and "text" in out


@pytest.mark.django_db
def test_subscribe_event_gets_the_welcome(capsys):
    assert "welcome" in simulate(capsys, "--event", "subscribe", "--in-process")


@pytest.mark.django_db
def test_menu_click_carries_its_key(capsys):
    assert "clicked MENU_KEY" in simulate(capsys, "--event", "CLICK", "--key", "MENU_KEY", "--in-process")


@pytest.mark.django_db
@pytest.mark.parametrize("args", [["--image"], ["--location", "23.13,113.26"]], ids=["image", "location"])
def test_unhandled_kinds_get_success(capsys, args):
    assert "success" in simulate(capsys, *args, "--in-process")


@pytest.mark.django_db
def test_encrypted_push_in_safe_mode(capsys, wechat_settings):
    wechat_settings.WECHAT_ENCRYPT_MODE = "safe"
    out = simulate(capsys, "secret hello", "--encrypt", "--in-process")
    assert "secret hello" in out and "(safe)" in out


@pytest.mark.django_db
def test_safe_mode_encrypts_without_being_asked(capsys, wechat_settings):
    wechat_settings.WECHAT_ENCRYPT_MODE = "safe"
    assert "hello" in simulate(capsys, "hello", "--in-process")


def test_echostr_dry_run(capsys):
    assert "URL check OK" in simulate(capsys, "--echostr", "abc123", "--in-process")


def test_refusals_are_clear(wechat_settings):
    wechat_settings.WECHAT_TOKEN = ""
    with pytest.raises(CommandError, match="WECHAT_TOKEN"):
        call_command("wechat_simulate", "hi", "--in-process")


def test_bad_location_is_clear():
    with pytest.raises(CommandError, match="LAT,LNG"):
        call_command("wechat_simulate", "--location", "north", "--in-process")


def test_to_a_running_server(capsys, live_server):
    out = simulate(capsys, "over http", "--url", live_server.url + "/wechat/")
    assert "echo: over http" in out


def test_to_a_server_that_is_not_running():
    with pytest.raises(CommandError, match="Cannot reach"):
        call_command("wechat_simulate", "hi", "--url", "http://127.0.0.1:9/wechat/")


def test_encrypting_without_an_aes_key_is_clear(wechat_settings):
    wechat_settings.WECHAT_ENCODING_AES_KEY = ""
    with pytest.raises(CommandError, match="WECHAT_ENCODING_AES_KEY"):
        call_command("wechat_simulate", "hi", "--encrypt", "--in-process")


def port_is_free(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_without_url_and_no_server_names_both_addresses_and_url():
    if not (port_is_free(8000) and port_is_free(80)):
        pytest.skip("something else listens on 127.0.0.1:8000 or :80 on this machine")
    with pytest.raises(CommandError) as refusal:
        call_command("wechat_simulate", "hi")
    message = str(refusal.value)
    assert "http://127.0.0.1:8000/wechat/" in message and "http://127.0.0.1/wechat/" in message
    assert "--url" in message and "\n" not in message


class PortReusingServerThread(LiveServerThread):
    """Django's live server, able to listen again on port 80 while the last run's connections linger (TIME_WAIT)."""

    def _create_server(self, connections_override=None):
        return self.server_class(
            (self.host, self.port),
            QuietWSGIRequestHandler,
            allow_reuse_address=True,
            connections_override=connections_override,
        )


@pytest.fixture
def server_on_port_80(transactional_db, settings):
    """The project served on 127.0.0.1:80, as the quick start's ``runserver 0.0.0.0:80`` serves it."""
    if not (port_is_free(8000) and port_is_free(80)):
        pytest.skip("something else listens on 127.0.0.1:8000 or :80 on this machine")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    shared = {alias: connections[alias] for alias in connections if connections[alias].vendor == "sqlite"}
    shared = {alias: conn for alias, conn in shared.items() if conn.is_in_memory_db()}
    server = PortReusingServerThread("127.0.0.1", _StaticFilesHandler, connections_override=shared, port=80)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:  # PermissionError when not root
        pytest.skip(f"cannot listen on port 80 here: {server.error}")
    yield server
    server.terminate()


def test_without_url_falls_back_to_the_quick_starts_port_80(capsys, server_on_port_80):
    assert DEFAULT_URLS[1] == "http://127.0.0.1/wechat/" and server_on_port_80.port == 80
    assert "echo: on port 80" in simulate(capsys, "on port 80")


@pytest.mark.django_db
def test_in_debug_a_failing_handler_is_shown_with_its_name(capsys, settings):
    settings.DEBUG = True
    call_command("wechat_simulate", "__probe: raise__", "--in-process")
    output = capsys.readouterr()
    assert "success (no reply)" in output.out
    assert "handler error: tests.probes.broken: RuntimeError: this handler is broken on purpose" in output.err


def test_in_debug_an_unsupported_reply_is_shown_over_http(capsys, settings, live_server):
    settings.DEBUG = True
    call_command("wechat_simulate", "__probe: unsupported reply__", "--url", live_server.url + "/wechat/")
    assert "handler error: tests.probes.unsupported: TypeError: a handler returned int" in capsys.readouterr().err


@pytest.mark.django_db
def test_without_debug_the_simulator_shows_no_handler_error(capsys, settings):
    settings.DEBUG = False
    call_command("wechat_simulate", "__probe: raise__", "--in-process")
    assert "handler error" not in capsys.readouterr().err
