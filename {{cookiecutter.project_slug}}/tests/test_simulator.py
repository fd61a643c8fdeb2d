"""``manage.py wechat_simulate``: pushes built as WeChat builds them, in-process or to a running server."""

import pytest
from django.core.management import CommandError, call_command


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
