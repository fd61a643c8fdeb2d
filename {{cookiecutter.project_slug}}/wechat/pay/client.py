# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Calls to WeChat Pay API v3: signed requests, verified answers, bounded timeouts, clear errors.

    from wechat.pay.client import call
    call("POST", "v3/pay/transactions/jsapi", {...})   # -> the answer's JSON (a dict), signature verified

Every request carries the ``WECHATPAY2-SHA256-RSA2048`` Authorization (the merchant's signature of the
method, the path with its query, a timestamp, a nonce and the body) and goes to
``WECHAT_PAY_API_BASE_URL`` (the fake server in tests and the dev console). Every 2xx answer's
signature is verified with the key its ``Wechatpay-Serial`` names before its body is used. Every call
is bounded by ``WECHAT_PAY_TIMEOUT`` seconds (3 by default). Anything else becomes a ``PayError``: the
code and message of WeChat Pay's error answer, or ``UNREACHABLE`` / ``BAD_SIGNATURE`` / ``BAD_ANSWER``.

Library decision (issue 13): built on ``cryptography`` directly, not on ``wechatpayv3`` (2.0.4, checked
on PyPI). wechatpayv3 does support public-key mode and a ``timeout``, and reads Django's ``HTTP_*``
headers, but its API host is a hard-coded private attribute (``Core._gate_way``), so the fake server
could only stand in by patching it; in platform-certificate mode its constructor calls WeChat Pay
(``/v3/certificates``) at once; its errors are bare ``Exception``s and its answers ``(status, text)``
tuples, and its callback helper neither checks the timestamp window nor says why it refused. What it
would save us is about thirty lines around ``cryptography`` (``keys.py``): the RSA signatures and
AES-256-GCM are the library's either way, never hand-written.
"""

import json
import logging
from urllib.parse import urlencode, urlsplit

import requests

from . import keys
from .conf import pay_settings
from .errors import NotConfigured, PayError

logger = logging.getLogger("wechat.pay")
AUTH_SCHEMA = "WECHATPAY2-SHA256-RSA2048"
USER_AGENT = "wechat-django-pay/1.0"

_session = requests.Session()


def require_configured():
    if not pay_settings.configured:
        raise NotConfigured()


def authorization(method, signed_url, body):
    """The Authorization header of a request to WeChat Pay."""
    nonce, timestamp = keys.nonce(), keys.timestamp()
    signature = keys.sign(keys.signed_message(method, signed_url, timestamp, nonce, body))
    return (
        f'{AUTH_SCHEMA} mchid="{pay_settings.MCH_ID}",nonce_str="{nonce}",signature="{signature}",'
        f'timestamp="{timestamp}",serial_no="{pay_settings.CERT_SERIAL_NO}"'
    )


def call(method, path, data=None, query=None):
    """``method`` ``path`` (e.g. ``v3/refund/domestic/refunds``) with the JSON ``data``: WeChat Pay's answer (dict).

    Raises ``PayError`` (``status`` 503 unless WeChat Pay refused the request itself with a 4xx, then
    its code and message, ``status`` 400 for PARAM_ERROR/INVALID_REQUEST style refusals).
    """
    require_configured()
    url = pay_settings.API_BASE_URL + path.lstrip("/")
    if query:
        url += "?" + urlencode(query)
    parts = urlsplit(url)
    signed_url = parts.path + (f"?{parts.query}" if parts.query else "")
    body = "" if data is None else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    headers = {
        "Authorization": authorization(method, signed_url, body),
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
    }
    if data is not None:
        headers["Content-Type"] = "application/json"
    if serial := keys.request_serial():
        headers["Wechatpay-Serial"] = serial
    try:
        response = _session.request(
            method, url, data=body.encode("utf-8") if data is not None else None, headers=headers,
            timeout=pay_settings.TIMEOUT, allow_redirects=False,
        )  # fmt: skip
    except requests.RequestException as exc:
        logger.warning("WeChat Pay %s %s: unreachable (%s)", method, parts.path, exc.__class__.__name__)
        raise PayError(f"WeChat Pay is unreachable ({exc.__class__.__name__})", code="UNREACHABLE") from exc
    return read_answer(method, parts.path, response)


def read_answer(method, path, response):
    raw = response.content
    if not 200 <= response.status_code < 300:
        code, message = error_fields(raw)
        logger.warning("WeChat Pay %s %s: HTTP %s %s %s", method, path, response.status_code, code, message)
        status = 400 if 400 <= response.status_code < 500 and code in CALLER_ERRORS else 503
        raise PayError(
            message or f"WeChat Pay answered HTTP {response.status_code}",
            code=code or f"HTTP_{response.status_code}",
            status=status,
            http_status=response.status_code,
        )
    headers = response.headers
    verified = keys.verify(
        headers.get("Wechatpay-Serial", ""),
        headers.get("Wechatpay-Timestamp", ""),
        headers.get("Wechatpay-Nonce", ""),
        raw,
        headers.get("Wechatpay-Signature", ""),
    )
    if not verified:
        logger.error("WeChat Pay %s %s: the answer's signature does not verify", method, path)
        raise PayError(
            "WeChat Pay's answer is not signed by a key this project trusts (Wechatpay-Serial "
            f"{headers.get('Wechatpay-Serial', '')!r})",
            code="BAD_SIGNATURE",
        )
    if not raw.strip():
        return {}
    try:
        answer = json.loads(raw)
    except ValueError as exc:
        raise PayError("WeChat Pay answered something that is not JSON", code="BAD_ANSWER") from exc
    if not isinstance(answer, dict):
        raise PayError("WeChat Pay answered JSON that is not an object", code="BAD_ANSWER")
    return answer


# WeChat Pay's refusals that are the caller's to fix (an answer of 400), not an outage (503).
CALLER_ERRORS = {"PARAM_ERROR", "INVALID_REQUEST", "NOT_ENOUGH", "ORDER_CLOSED", "ORDERPAID", "OUT_TRADE_NO_USED"}


def error_fields(raw):
    try:
        answer = json.loads(raw)
    except ValueError:
        return "", ""
    if not isinstance(answer, dict):
        return "", ""
    return str(answer.get("code") or ""), str(answer.get("message") or "")
