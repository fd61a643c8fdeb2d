# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Refunds, full or partial, from code or from the admin.

    from wechat.pay.refunds import refund

    refund(order)                                  # all that remains
    refund(order, amount=300, reason="少了一杯")    # 3.00 元 of it

A refund is recorded (and its amount held, so two refunds can never exceed the order) before WeChat
Pay is asked; its ``out_refund_no`` makes asking again harmless: ``refund(..., out_refund_no=no)``
with a number already used returns that refund, and the reconciliation sends a request whose answer
was lost again with the same number. The order is ``refunding`` while a refund is open, ``refunded``
once refunds add up to its amount, ``paid`` again after a partial one.
"""

import datetime
import logging
import secrets

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from . import client, signals
from .conf import pay_settings
from .errors import PayError
from .models import Order, Refund
from .orders import CHINA, WECHAT_ID, parse_time, record

logger = logging.getLogger("wechat.pay")
S = Order.Status
R = Refund.Status
RETRY_LATER = {"SYSTEM_ERROR", "FREQUENCY_LIMITED", "RATELIMIT_EXCEEDED"}  # 4xx answers that are not a "no"


def new_out_refund_no():
    return "R" + timezone.now().astimezone(CHINA).strftime("%Y%m%d") + secrets.token_hex(12)


def refund(order, amount=None, reason="", out_refund_no=None, source="code"):
    """Refund ``amount`` fen of a paid ``order`` (None: all that remains): the ``Refund``; ``PayError`` otherwise."""
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0):
        raise PayError(
            f"a refund's amount must be a positive integer of fen, not {amount!r}", code="BAD_AMOUNT", status=400
        )
    reason = (reason or "").strip()
    if len(reason) > 80:
        raise PayError("the reason must be 80 characters or fewer", code="BAD_REASON", status=400)
    client.require_configured()
    try:
        with transaction.atomic():
            created = _record_refund(order, amount, reason, out_refund_no, source)
    except IntegrityError:  # the same out_refund_no, submitted twice at once
        created = Refund.objects.get(out_refund_no=out_refund_no)
    if created.status == R.PENDING:
        submit(created, source)
    return created


def _record_refund(order, amount, reason, out_refund_no, source):
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if out_refund_no:
        existing = Refund.objects.filter(out_refund_no=out_refund_no).first()
        if existing is not None:
            if existing.order_id != order.pk or (amount is not None and amount != existing.amount):
                raise PayError("this out_refund_no is another refund's", code="OUT_REFUND_NO_USED", status=400)
            return existing
    if locked.status not in (S.PAID, S.REFUNDING):
        raise PayError(
            f"order {locked.out_trade_no} is {locked.status}: only a paid order can be refunded",
            code="NOT_REFUNDABLE",
            status=400,
        )
    remaining = locked.refundable_amount()
    amount = remaining if amount is None else amount
    if not 0 < amount <= remaining:
        raise PayError(
            f"{amount} fen is more than the {remaining} fen that remain refundable", code="NOT_ENOUGH", status=400
        )
    created = Refund.objects.create(
        order=locked, out_refund_no=out_refund_no or new_out_refund_no(), amount=amount, reason=reason
    )
    previous = locked.status
    Order.objects.filter(pk=locked.pk).update(status=S.REFUNDING)
    order.status = S.REFUNDING
    record(locked, "refund_requested", source, previous, S.REFUNDING, refund=created, amount=amount, reason=reason)
    return created


def submit(refund_row, source="code"):
    """Ask WeChat Pay for the refund (again: the same out_refund_no is one refund) and apply its answer."""
    order = refund_row.order
    data = {
        "out_trade_no": order.out_trade_no,
        "out_refund_no": refund_row.out_refund_no,
        "amount": {"refund": refund_row.amount, "total": order.amount, "currency": order.currency},
    }
    if refund_row.reason:
        data["reason"] = refund_row.reason
    if pay_settings.REFUND_NOTIFY_URL:
        data["notify_url"] = pay_settings.REFUND_NOTIFY_URL
    try:
        answer = client.call("POST", "v3/refund/domestic/refunds", data)
    except PayError as exc:
        refused = exc.http_status is not None and 400 <= exc.http_status < 500 and exc.code not in RETRY_LATER
        if refused:  # WeChat Pay said no: nothing was refunded, the amount is free again
            refund_failed(refund_row, source, R.FAILED, error=str(exc))
        raise
    return apply_refund(refund_row, answer, source)


def refund_mismatch(refund_row, data):
    """Why WeChat Pay's refund ``data`` does not belong to ``refund_row`` (a sentence), or ''."""
    if not isinstance(data, dict):
        return "the refund is not a JSON object"
    if "mchid" in data and data["mchid"] != pay_settings.MCH_ID:  # in notifications; refund answers have none
        return "mchid does not match"
    if data.get("out_refund_no") != refund_row.out_refund_no:
        return "out_refund_no does not match"
    if data.get("out_trade_no") != refund_row.order.out_trade_no:
        return "out_trade_no does not match the refund's order"
    amount = data.get("amount")
    if not isinstance(amount, dict):
        return "amount is missing"
    refunded, total = amount.get("refund"), amount.get("total")
    if isinstance(refunded, bool) or refunded != refund_row.amount:
        return "amount.refund does not match the refund"
    if isinstance(total, bool) or total != refund_row.order.amount:
        return "amount.total does not match the order"
    if refund_status(data) not in ("SUCCESS", "PROCESSING", "CLOSED", "ABNORMAL"):
        return "refund_status is missing or unknown"
    refund_id = data.get("refund_id")
    if refund_id is not None and not (isinstance(refund_id, str) and WECHAT_ID.fullmatch(refund_id)):
        return "refund_id is not a WeChat Pay refund id"
    return ""


def refund_status(data):
    return data.get("refund_status") or data.get("status")


def apply_refund(refund_row, data, source):
    """Apply WeChat Pay's state of a refund (a notification or an answer): what changed, or ''."""
    mismatch = refund_mismatch(refund_row, data)
    if mismatch:
        raise PayError(f"WeChat Pay's refund {refund_row.out_refund_no}: {mismatch}", code="MISMATCH")
    status = refund_status(data)
    refund_id = data.get("refund_id") if isinstance(data.get("refund_id"), str) else ""
    if status == "SUCCESS":
        return "refunded" if refund_succeeded(refund_row, data, source, refund_id[:32]) else ""
    if status == "CLOSED":
        return "closed" if refund_failed(refund_row, source, R.CLOSED, error="closed by WeChat Pay") else ""
    target = R.PROCESSING if status == "PROCESSING" else R.ABNORMAL
    with transaction.atomic():
        changed = Refund.objects.filter(pk=refund_row.pk, status__in=Refund.OPEN).exclude(status=target)
        if not changed.update(status=target, refund_id=refund_id[:32]):
            return ""
        refund_row.status, refund_row.refund_id = target, refund_id[:32]
        record(refund_row.order, f"refund_{target}", source, refund=refund_row, refund_id=refund_id)
    if target == R.ABNORMAL:
        logger.error(
            "refund %s is ABNORMAL (the user's account cannot take it): finish it on the merchant platform",
            refund_row.out_refund_no,
        )
    return target


def refund_succeeded(refund_row, data, source, refund_id):
    succeeded_at = parse_time(data.get("success_time")) or timezone.now()
    with transaction.atomic():
        changed = Refund.objects.filter(pk=refund_row.pk, status__in=Refund.OPEN).update(
            status=R.SUCCESS, refund_id=refund_id, succeeded_at=succeeded_at
        )
        if not changed:
            return False
        refund_row.status, refund_row.refund_id, refund_row.succeeded_at = R.SUCCESS, refund_id, succeeded_at
        Order.objects.filter(pk=refund_row.order_id).update(refunded_amount=F("refunded_amount") + refund_row.amount)
        order = settle(refund_row.order_id, "refunded", source, refund_row, amount=refund_row.amount)
        transaction.on_commit(lambda: send_refunded(order.pk, refund_row.pk))
    logger.info("refund %s of order %s succeeded", refund_row.out_refund_no, order.out_trade_no)
    return True


def refund_failed(refund_row, source, status, error=""):
    with transaction.atomic():
        changed = Refund.objects.filter(pk=refund_row.pk, status__in=Refund.OPEN).update(
            status=status, error=error[:255]
        )
        if not changed:
            return False
        refund_row.status = status
        settle(refund_row.order_id, f"refund_{status}", source, refund_row, error=error)
    return True


def settle(order_pk, kind, source, refund_row, **detail):
    """The order's status from its refunds (locked): refunded, refunding while one is open, else paid."""
    order = Order.objects.select_for_update().get(pk=order_pk)
    if order.refunded_amount >= order.amount:
        status = S.REFUNDED
    elif order.refunds.filter(status__in=Refund.OPEN).exists():
        status = S.REFUNDING
    else:
        status = S.PAID
    previous = order.status
    if previous in (S.PAID, S.REFUNDING) and status != previous:
        Order.objects.filter(pk=order.pk).update(status=status)
        order.status = status
    record(order, kind, source, previous, order.status, refund=refund_row, **detail)
    return order


def send_refunded(order_pk, refund_pk):
    order = Order.objects.get(pk=order_pk)
    signals.send(signals.order_refunded, "order_refunded", order=order, refund=Refund.objects.get(pk=refund_pk))


def query_refund(refund_row, source="query"):
    """Ask WeChat Pay for the refund's state and apply it; a request that never arrived is sent again."""
    try:
        data = client.call("GET", f"v3/refund/domestic/refunds/{refund_row.out_refund_no}")
    except PayError as exc:
        if exc.code not in ("RESOURCE_NOT_EXISTS", "NOT_FOUND", "ORDER_NOT_EXIST") or refund_row.status != R.PENDING:
            raise
        return submit(refund_row, source)
    return apply_refund(refund_row, data, source)


def reconcile_refunds(now=None, min_age=None, limit=200, source="sync"):
    """Refunds still open ``min_age`` seconds after they were asked for: ``[(out_refund_no, outcome)]``."""
    now = now or timezone.now()
    min_age = pay_settings.QUERY_AFTER if min_age is None else min_age
    due = Refund.objects.filter(status__in=Refund.OPEN, created_at__lte=now - datetime.timedelta(seconds=min_age))
    report = []
    for refund_row in due.select_related("order").order_by("created_at")[:limit]:
        try:
            outcome = query_refund(refund_row, source) or refund_row.status
        except PayError as exc:
            logger.warning("reconciling refund %s: %s", refund_row.out_refund_no, exc)
            outcome = f"error: {exc}"
        report.append((refund_row.out_refund_no, outcome))
    return report
