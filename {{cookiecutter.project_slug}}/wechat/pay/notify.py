# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""WeChat Pay's notifications: ``/wechat/pay/notify/`` (payments) and ``/wechat/pay/refund-notify/`` (refunds).

Each one is checked before anything changes, in this order:

1. the ``Wechatpay-*`` headers (from Django's ``request.META``: ``HTTP_WECHATPAY_SIGNATURE`` ...) are there
   and the timestamp is within ``WECHAT_PAY_NOTIFY_TOLERANCE`` seconds (5 minutes) of now;
2. the signature verifies, over the raw body exactly as received, with the key ``Wechatpay-Serial`` names;
3. the ``resource`` decrypts (AES-256-GCM, the APIv3 key) to a JSON object;
4. the order (or refund) exists and ``mchid``, ``appid``, ``out_trade_no``, the amount and currency match it.

A refusal is a 4xx with WeChat Pay's failure answer ``{"code": "FAIL", "message": ...}`` and changes
nothing (WeChat Pay retries). An accepted one is answered 204, the success WeChat Pay expects, whether
it changed the order or was a repeat: repeated, concurrent and late notifications are harmless.
"""

import json
import logging
import time

from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import keys, orders, refunds
from .conf import pay_settings
from .errors import PayError
from .models import Order, Refund

logger = logging.getLogger("wechat.pay")
MAX_BODY = 64 * 1024  # WeChat Pay's notifications are about 1 KB
HEADERS = ("SIGNATURE", "TIMESTAMP", "NONCE", "SERIAL")


class Refused(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def fail(status, message):
    return JsonResponse({"code": "FAIL", "message": message}, status=status, json_dumps_params={"ensure_ascii": False})


def read_notification(request, event_prefix):
    """The decrypted ``resource`` of a genuine notification (a dict), or ``Refused``."""
    if not pay_settings.configured:
        raise Refused(503, "WeChat Pay is not configured 微信支付尚未配置")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        raise Refused(413, "body too large")
    body = request.body
    if len(body) > MAX_BODY:
        raise Refused(413, "body too large")
    signature, timestamp, nonce, serial = (request.META.get(f"HTTP_WECHATPAY_{name}", "") for name in HEADERS)
    if not (signature and timestamp and nonce and serial):
        raise Refused(400, "Wechatpay-Signature, -Timestamp, -Nonce and -Serial headers are required")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise Refused(400, "Wechatpay-Timestamp is not a timestamp")
    if abs(time.time() - int(timestamp)) > pay_settings.NOTIFY_TOLERANCE:
        raise Refused(401, "Wechatpay-Timestamp is too old or in the future")
    if keys.verifying_key(serial) is None:
        raise Refused(401, "Wechatpay-Serial names no key this merchant trusts")
    if not keys.verify(serial, timestamp, nonce, body, signature):
        raise Refused(401, "the signature does not verify")
    try:
        envelope = json.loads(body)
    except ValueError as exc:
        raise Refused(400, "the body is not JSON") from exc
    if not isinstance(envelope, dict) or not isinstance(envelope.get("resource"), dict):
        raise Refused(400, "the body has no resource object")
    event_type = envelope.get("event_type")
    if not isinstance(event_type, str) or not event_type.startswith(event_prefix):
        raise Refused(400, f"event_type is not a {event_prefix}* event")
    try:
        plaintext = keys.decrypt(envelope["resource"])
    except keys.DecryptionError as exc:
        raise Refused(400, str(exc)) from exc
    try:
        data = json.loads(plaintext)
    except ValueError as exc:
        raise Refused(400, "the decrypted resource is not JSON") from exc
    if not isinstance(data, dict):
        raise Refused(400, "the decrypted resource is not a JSON object")
    return data


def answer(handler, request, event_prefix):
    try:
        data = read_notification(request, event_prefix)
        outcome = handler(data)
    except Refused as exc:
        logger.warning("WeChat Pay notification refused (%s): %s", exc.status, exc.message)
        return fail(exc.status, exc.message)
    except PayError as exc:  # a key file that cannot be read, WeChat Pay unreachable...
        logger.error("WeChat Pay notification not handled: %s", exc)
        return fail(503, exc.message)
    except DatabaseError as exc:  # a locked SQLite, PostgreSQL down: nothing was changed, WeChat Pay retries
        logger.error("WeChat Pay notification not handled, the database failed: %s", exc.__class__.__name__)
        return fail(503, "the database is unavailable; retry later")
    if outcome:
        logger.info("WeChat Pay notification: %s", outcome)
    return HttpResponse(status=204)


def handle_payment(data):
    out_trade_no = data.get("out_trade_no")
    order = Order.objects.filter(out_trade_no=out_trade_no).first() if orders.valid_out_no(out_trade_no) else None
    if order is None:
        raise Refused(404, "unknown out_trade_no")
    mismatch = orders.transaction_mismatch(order, data)
    if mismatch:
        raise Refused(400, mismatch)
    return orders.apply_transaction(order, data, "notify")


def handle_refund(data):
    out_refund_no = data.get("out_refund_no")
    refund_row = (
        Refund.objects.select_related("order").filter(out_refund_no=out_refund_no).first()
        if orders.valid_out_no(out_refund_no)
        else None
    )
    if refund_row is None:
        raise Refused(404, "unknown out_refund_no")
    mismatch = refunds.refund_mismatch(refund_row, data)
    if not mismatch and data.get("mchid") != pay_settings.MCH_ID:
        mismatch = "mchid does not match"
    if mismatch:
        raise Refused(400, mismatch)
    return refunds.apply_refund(refund_row, data, "notify")


@csrf_exempt
@require_POST
def payment_notify(request):
    return answer(handle_payment, request, "TRANSACTION.")


@csrf_exempt
@require_POST
def refund_notify(request):
    return answer(handle_refund, request, "REFUND.")
