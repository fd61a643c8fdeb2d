"""The wechat.* loggers as the settings configure them: useful lines, and never a secret."""

import io
import logging
import logging.config

import pytest
from django.conf import settings
from wechatpy.exceptions import WeChatClientException

from wechat.client import get_client
from wechat.exceptions import WeChatUnavailable
from wechat.tokens import access_token


@pytest.fixture
def log_output():
    """Everything the configured handlers would print, at DEBUG for every wechat logger."""
    buffer = io.StringIO()
    config = {
        **settings.LOGGING,
        "handlers": {name: dict(handler) for name, handler in settings.LOGGING["handlers"].items()},
    }
    config["handlers"]["console"]["stream"] = buffer
    config["loggers"] = {name: {**logger, "level": "DEBUG"} for name, logger in settings.LOGGING["loggers"].items()}
    logging.config.dictConfig(config)
    try:
        yield buffer
    finally:
        logging.config.dictConfig(settings.LOGGING)


def test_every_configured_handler_redacts_secrets():
    for handler in settings.LOGGING["handlers"].values():
        assert "redact_secrets" in handler.get("filters", [])


def test_api_calls_are_logged_without_tokens_or_secrets(log_output, fake_wechat, settings):
    token = access_token.get()
    get_client().menu.delete()
    output = log_output.getvalue()
    assert "wechat.api.request" in output and "cgi-bin/menu/delete" in output
    assert "wechat.api.response" in output
    for secret in (token, settings.WECHAT_APP_SECRET):
        assert secret not in output


def test_api_errors_are_logged_at_warning(log_output, fake_wechat):
    fake_wechat.fail("cgi-bin/menu/delete", 45009)
    with pytest.raises(WeChatClientException):
        get_client().menu.delete()
    assert "WARNING wechat.api.error" in log_output.getvalue() and "45009" in log_output.getvalue()


def test_outages_are_logged_without_the_url_query(log_output, unreachable_wechat):
    with pytest.raises(WeChatUnavailable):
        access_token.get()
    errors = [line for line in log_output.getvalue().splitlines() if "wechat.api.error" in line]
    assert errors and all("?" not in line and "secret" not in line for line in errors)


def test_the_webhook_and_handlers_log_no_keys(log_output, wechat_in, settings):
    wechat = wechat_in("safe")
    wechat.send_text("hello")
    wechat.deliver(wechat.push.text_fields("__probe: raise__"))
    output = log_output.getvalue()
    assert "wechat.handler" in output and "broken on purpose" in output
    for secret in (settings.WECHAT_TOKEN, settings.WECHAT_ENCODING_AES_KEY, settings.SECRET_KEY):
        assert secret not in output


@pytest.mark.parametrize(
    "line",
    [
        "GET https://api.weixin.qq.com/cgi-bin/menu/get?access_token=SECRET123456789 HTTP/1.1",
        'answer {"access_token": "SECRET123456789", "expires_in": 7200}',
        "jscode2session?appid=wx1&secret=SECRET123456789&js_code=SECRET123456789",
        '{"session_key": "SECRET123456789"}',
        "Authorization: Bearer SECRET123456789.abc.def",
    ],
)
def test_secrets_in_other_libraries_lines_are_redacted(log_output, line):
    logging.getLogger("urllib3.connectionpool").warning(line)
    logging.getLogger("wechat.api.request").debug("%s", line)
    output = log_output.getvalue()
    assert "SECRET123456789" not in output and "[redacted]" in output


def test_secrets_in_tracebacks_are_redacted(log_output, settings):
    try:
        raise RuntimeError(f"failed with appsecret={settings.SECRET_KEY}")
    except RuntimeError:
        logging.getLogger("wechat.handler").exception("boom")
    assert settings.SECRET_KEY not in log_output.getvalue()
