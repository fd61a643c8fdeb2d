# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Orders: create one (JSAPI prepay), the client's payment parameters, and every change of state.

    from wechat.pay.orders import create_order, PayError

    order = create_order(description="一杯咖啡", amount=1500, openid=openid, appid=settings.MINIPROGRAM_APP_ID)
    return JsonResponse({"out_trade_no": order.out_trade_no, "payment": order.client_parameters()})

States: created → paid → (refunding →) refunded, or created → closed. A change is one conditional
UPDATE (``... WHERE status IN (...)``): of two workers applying the same payment at once, exactly one
changes the row, records the event and sends ``order_paid`` after its commit; the other changes
nothing. That holds on SQLite (writes are serialized) and PostgreSQL (the second UPDATE waits for the
first's row lock, then finds the status changed).
"""

import datetime
import logging
import re
import secrets
import zoneinfo

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from wechat.conf import app_settings

from . import client, keys, signals
from .conf import pay_settings
from .errors import PayError
from .models import Order, OrderEvent

__all__ = ["PayError", "create_order", "client_parameters", "query_order", "close_order", "reconcile"]

logger = logging.getLogger("wechat.pay")
CHINA = zoneinfo.ZoneInfo("Asia/Shanghai")
MAX_AMOUNT = 2_000_000_000  # fen; the column's limit is 2**31 - 1
TRADE_STATES = {"SUCCESS", "REFUND", "NOTPAY", "CLOSED", "REVOKED", "USERPAYING", "PAYERROR"}
OUT_NO = re.compile(r"[0-9A-Za-z_\-|*@]{1,64}")  # WeChat Pay's out_trade_no / out_refund_no characters
WECHAT_ID = re.compile(r"[0-9A-Za-z_\-]{1,64}")  # transaction_id, refund_id
S = Order.Status


def new_out_trade_no():
    """32 characters WeChat Pay accepts: the date, then 96 random bits in hex (unguessable, unique)."""
    return timezone.now().astimezone(CHINA).strftime("%Y%m%d") + secrets.token_hex(12)


def record(order, kind, source, from_status="", to_status="", refund=None, **detail):
    return OrderEvent.objects.create(
        order=order, refund=refund, kind=kind, source=source, from_status=from_status, to_status=to_status,
        detail=detail,
    )  # fmt: skip


def rfc3339(moment):
    return moment.astimezone(CHINA).isoformat(timespec="seconds")


def default_appid():
    return app_settings.APP_ID or app_settings.MINIPROGRAM_APP_ID


def create_order(description, amount, openid, appid=None):
    """A saved ``Order`` with its ``prepay_id`` from WeChat Pay's JSAPI prepay; ``PayError`` otherwise.

    ``amount`` is in fen (an int, 1 or more) and must come from the server, never from the client.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        raise PayError(f"amount must be a positive integer of fen, not {amount!r}", code="BAD_AMOUNT", status=400)
    description = description.strip() if isinstance(description, str) else ""
    if not 0 < len(description) <= 127:
        raise PayError("description must be 1 to 127 characters", code="BAD_DESCRIPTION", status=400)
    if not isinstance(openid, str) or not 0 < len(openid) <= 128:
        raise PayError("openid is required", code="BAD_OPENID", status=400)
    appid = appid or default_appid()
    if not appid:
        raise PayError("appid is required (or set WECHAT_APP_ID / MINIPROGRAM_APP_ID)", code="BAD_APPID", status=400)
    client.require_configured()
    now = timezone.now()
    with transaction.atomic():
        order = Order.objects.create(
            out_trade_no=new_out_trade_no(), appid=appid, mchid=pay_settings.MCH_ID, openid=openid,
            description=description, amount=amount, expires_at=now + datetime.timedelta(seconds=pay_settings.ORDER_TTL),
        )  # fmt: skip
        record(order, "created", "code", "", S.CREATED, amount=amount)
    try:
        answer = client.call(
            "POST",
            "v3/pay/transactions/jsapi",
            {
                "appid": appid,
                "mchid": pay_settings.MCH_ID,
                "description": description,
                "out_trade_no": order.out_trade_no,
                "time_expire": rfc3339(order.expires_at),
                "notify_url": pay_settings.NOTIFY_URL,
                "amount": {"total": amount, "currency": order.currency},
                "payer": {"openid": openid},
            },
        )
        prepay_id = answer.get("prepay_id")
        if not isinstance(prepay_id, str) or not prepay_id:
            raise PayError("WeChat Pay's prepay answer has no prepay_id", code="BAD_ANSWER")
    except PayError as exc:
        with transaction.atomic():
            if change(order, (S.CREATED,), S.CLOSED, closed_at=timezone.now()):
                record(order, "prepay_failed", "code", S.CREATED, S.CLOSED, code=exc.code, message=exc.message)
        raise
    with transaction.atomic():
        Order.objects.filter(pk=order.pk).update(prepay_id=prepay_id)
        order.prepay_id = prepay_id
        record(order, "prepaid", "code", prepay_id=prepay_id)
        transaction.on_commit(lambda: schedule_query(order))
    return order


def schedule_query(order):
    """Query the order once ``WECHAT_PAY_QUERY_AFTER`` seconds have passed (the notification may never come)."""
    from .tasks import enqueue_query

    enqueue_query(order.out_trade_no, order.created_at + datetime.timedelta(seconds=pay_settings.QUERY_AFTER))


def client_parameters(order):
    """The signed parameters of ``wx.requestPayment`` (mini program) / ``getBrandWCPayRequest`` (JSAPI)."""
    if not order.prepay_id:
        raise PayError("this order has no prepay_id: it cannot be paid", code="NO_PREPAY_ID", status=400)
    timestamp, nonce, package = keys.timestamp(), keys.nonce(), f"prepay_id={order.prepay_id}"
    return {
        "appId": order.appid,
        "timeStamp": timestamp,
        "nonceStr": nonce,
        "package": package,
        "signType": "RSA",
        "paySign": keys.sign(keys.signed_message(order.appid, timestamp, nonce, package)),
    }


# -- changes of state ---------------------------------------------------------------------------------------


def change(order, from_statuses, to_status, **fields):
    """The conditional UPDATE: True for the one caller that moved the order from one of ``from_statuses``."""
    changed = Order.objects.filter(pk=order.pk, status__in=from_statuses).update(status=to_status, **fields)
    if changed:
        order.status = to_status
        for name, value in fields.items():
            setattr(order, name, value)
    return bool(changed)


def transaction_mismatch(order, data):
    """Why WeChat Pay's transaction ``data`` does not belong to ``order`` (a sentence), or ''."""
    if not isinstance(data, dict):
        return "the transaction is not a JSON object"
    for name, expected in (
        ("mchid", pay_settings.MCH_ID),
        ("appid", order.appid),
        ("out_trade_no", order.out_trade_no),
    ):
        if data.get(name) != expected:
            return f"{name} does not match the order"
    amount = data.get("amount")
    if data.get("trade_state") == "SUCCESS" or amount is not None:
        if not isinstance(amount, dict):
            return "amount is missing"
        total = amount.get("total")
        if isinstance(total, bool) or total != order.amount:
            return "amount.total does not match the order"
        if amount.get("currency", order.currency) != order.currency:
            return "amount.currency does not match the order"
    if not isinstance(data.get("trade_state"), str) or data["trade_state"] not in TRADE_STATES:
        return "trade_state is missing or unknown"
    transaction_id = data.get("transaction_id")
    if transaction_id is not None and not (isinstance(transaction_id, str) and WECHAT_ID.fullmatch(transaction_id)):
        return "transaction_id is not a WeChat Pay transaction id"
    if data["trade_state"] in ("SUCCESS", "REFUND") and transaction_id is None:
        return "transaction_id is missing"
    return ""


def valid_out_no(value):
    return isinstance(value, str) and OUT_NO.fullmatch(value) is not None


def parse_time(value):
    """An RFC 3339 time of WeChat Pay's, or None for anything else."""
    try:
        moment = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well-formed but impossible, e.g. month 13
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def apply_transaction(order, data, source):
    """Apply WeChat Pay's state of the order (checked by ``transaction_mismatch``): what changed, or ''."""
    state = data["trade_state"]
    if state in ("SUCCESS", "REFUND"):
        return "paid" if mark_paid(order, data, source) else ""
    if state in ("CLOSED", "REVOKED", "PAYERROR"):
        return "closed" if mark_closed(order, source, trade_state=state) else ""
    return ""


def mark_paid(order, data, source):
    transaction_id = data.get("transaction_id")
    transaction_id = transaction_id[:32] if isinstance(transaction_id, str) else ""
    paid_at = parse_time(data.get("success_time")) or timezone.now()
    with transaction.atomic():
        previous = Order.objects.filter(pk=order.pk).values_list("status", flat=True).first()
        fields = {"paid_at": paid_at, "transaction_id": transaction_id, "trade_state": "SUCCESS"}
        if not change(order, (S.CREATED, S.CLOSED), S.PAID, **fields):
            return False
        record(order, "paid", source, previous, S.PAID, transaction_id=transaction_id)
        transaction.on_commit(lambda: send_paid(order.pk))
    logger.info("order %s paid (%s, via %s)", order.out_trade_no, transaction_id, source)
    return True


def send_paid(pk):
    order = Order.objects.get(pk=pk)
    signals.send(signals.order_paid, "order_paid", order=order)


def mark_closed(order, source, trade_state="CLOSED"):
    with transaction.atomic():
        if not change(order, (S.CREATED,), S.CLOSED, closed_at=timezone.now(), trade_state=trade_state):
            return False
        record(order, "closed", source, S.CREATED, S.CLOSED, trade_state=trade_state)
    logger.info("order %s closed (%s, via %s)", order.out_trade_no, trade_state, source)
    return True


# -- asking WeChat Pay --------------------------------------------------------------------------------------


def query_order(order, source="query"):
    """Ask WeChat Pay for the order's state and apply it: what changed ('paid', 'closed' or '')."""
    try:
        data = client.call(
            "GET", f"v3/pay/transactions/out-trade-no/{order.out_trade_no}", query={"mchid": pay_settings.MCH_ID}
        )
    except PayError as exc:
        if exc.code != "ORDER_NOT_EXIST":
            raise
        data = None
    Order.objects.filter(pk=order.pk).update(queried_at=timezone.now())
    if data is None:  # WeChat Pay never had it (the prepay failed): nothing can pay it once it expired
        if order.expires_at <= timezone.now():
            return "closed" if mark_closed(order, source, trade_state="ORDER_NOT_EXIST") else ""
        return ""
    mismatch = transaction_mismatch(order, data)
    if mismatch:
        raise PayError(f"WeChat Pay's answer for {order.out_trade_no}: {mismatch}", code="MISMATCH")
    Order.objects.filter(pk=order.pk).update(trade_state=data["trade_state"])
    return apply_transaction(order, data, source)


def close_order(order, source="code"):
    """Close the order at WeChat Pay, then here; an order paid meanwhile is marked paid instead."""
    try:
        client.call(
            "POST", f"v3/pay/transactions/out-trade-no/{order.out_trade_no}/close", {"mchid": pay_settings.MCH_ID}
        )
    except PayError as exc:
        if exc.code in ("ORDERPAID", "ORDER_PAID"):
            return query_order(order, source)
        if exc.code != "ORDER_NOT_EXIST":
            raise
    return "closed" if mark_closed(order, source) else ""


def reconcile(now=None, min_age=None, limit=200, source="sync"):
    """Orders still ``created`` ``min_age`` (WECHAT_PAY_QUERY_AFTER) seconds after creation: queried, and
    closed once expired. Returns ``[(out_trade_no, outcome)]``: 'paid', 'closed', 'unpaid' or 'error: ...'.
    """
    now = now or timezone.now()
    min_age = pay_settings.QUERY_AFTER if min_age is None else min_age
    due = Order.objects.filter(status=S.CREATED, created_at__lte=now - datetime.timedelta(seconds=min_age))
    report = []
    for order in due.order_by("created_at")[:limit]:
        report.append((order.out_trade_no, reconcile_order(order, now, source)))
    return report


def reconcile_order(order, now=None, source="sync"):
    now = now or timezone.now()
    try:
        outcome = query_order(order, source)
        if not outcome and order.status == S.CREATED and order.expires_at <= now:
            outcome = close_order(order, source)
    except PayError as exc:
        logger.warning("reconciling order %s: %s", order.out_trade_no, exc)
        return f"error: {exc}"
    return outcome or ("unpaid" if order.status == S.CREATED else order.status)
