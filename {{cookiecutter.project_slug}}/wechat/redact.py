# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Keep secrets out of the logs: a filter on every log handler the settings configure.

It blanks the configured secrets (app secrets, Token, EncodingAESKey, the
Django and JWT keys) and anything that looks like a credential in a URL or in
JSON: access_token, ticket, secret, session_key, code, refresh_token, ...
Log records are rewritten before any handler formats them, tracebacks included.
"""

import logging
import re

from django.conf import settings

REDACTED = "[redacted]"
SECRET_SETTINGS = (
    "SECRET_KEY",
    "WECHAT_APP_SECRET",
    "WECHAT_TOKEN",
    "WECHAT_ENCODING_AES_KEY",
    "MINIPROGRAM_APP_SECRET",
    "JWT_SECRET_KEY",
    "LLM_API_KEY",
)
NAMES = r"access_token|refresh_token|jsapi_ticket|ticket|secret|appsecret|session_key|js_code|code|encrypted_data|iv"
IN_QUERY = re.compile(rf"(?i)\b({NAMES})=([^&\s\"'<>]+)")
IN_JSON = re.compile(rf"(?i)([\"']({NAMES})[\"']\s*:\s*)[\"'][^\"']*[\"']")
BEARER = re.compile(r"(?i)\bBearer\s+[A-Za-z0-9._~+/=-]+")


def redact(text):
    for name in SECRET_SETTINGS:
        value = getattr(settings, name, "")
        if isinstance(value, str) and len(value) >= 6:
            text = text.replace(value, REDACTED)
    text = IN_QUERY.sub(rf"\1={REDACTED}", text)
    text = IN_JSON.sub(rf'\1"{REDACTED}"', text)
    return BEARER.sub(f"Bearer {REDACTED}", text)


class RedactSecrets(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
