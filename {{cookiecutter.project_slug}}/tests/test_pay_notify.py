"""Payment notifications over real HTTP: verified, idempotent, refused with a 4xx when anything is off."""

import json
import logging
import time

import pytest

from wechat.pay.models import Order, OrderEvent
from wechat.pay.signals import order_paid

from .conftest import table_away
from .pay_fixtures import new_order, reload

PAID_EVENTS = {"kind": "paid"}


def test_five_deliveries_three_at_once_make_one_payment(fake_pay, paid_signals, pay_mode):
    order = new_order()
    answers = fake_pay.pay.notify(order.out_trade_no, times=3, concurrent=True)
    answers += fake_pay.pay.notify(order.out_trade_no, times=2)
    assert [status for status, _ in answers] == [204] * 5, answers
    order = reload(order)
    assert order.status == Order.Status.PAID
    assert order.transaction_id == fake_pay.pay.orders[order.out_trade_no]["transaction_id"]
    assert order.paid_at is not None
    assert paid_signals.out_trade_nos() == [order.out_trade_no]
    assert order.events.filter(**PAID_EVENTS).count() == 1


@pytest.mark.parametrize(
    "forge, status",
    [
        ("signature", 401),
        ("key_id", 401),
        ("stale", 401),
        ("ciphertext", 400),
        ("amount", 400),
        ("unknown_order", 404),
        ("mchid", 400),
        ("appid", 400),
    ],
)
def test_forged_notifications_are_refused_and_change_nothing(fake_pay, paid_signals, forge, status):
    order = new_order()
    events = order.events.count()
    answers = fake_pay.pay.notify(order.out_trade_no, forge=forge, times=2)
    for answer_status, body in answers:
        assert answer_status == status, (forge, body)
        answer = json.loads(body)
        assert answer["code"] == "FAIL" and answer["message"]
    order = reload(order)
    assert order.status == Order.Status.CREATED and not order.transaction_id
    assert order.events.count() == events
    assert paid_signals.calls == []
    # The genuine one still goes through afterwards.
    assert fake_pay.pay.notify(order.out_trade_no) == [(204, "")]
    assert reload(order).status == Order.Status.PAID


def test_a_receiver_that_fails_is_logged_and_the_notification_still_succeeds(fake_pay, paid_signals, caplog):
    def broken(sender, order, **kwargs):
        raise RuntimeError("the shipping service is down")

    order_paid.connect(broken, dispatch_uid="test-broken-receiver")
    try:
        order = new_order()
        with caplog.at_level(logging.ERROR, logger="wechat.pay"):
            assert fake_pay.pay.notify(order.out_trade_no, times=2) == [(204, ""), (204, "")]
    finally:
        order_paid.disconnect(dispatch_uid="test-broken-receiver")
    assert reload(order).status == Order.Status.PAID
    assert paid_signals.out_trade_nos() == [order.out_trade_no]  # the other receiver ran, once
    assert "the shipping service is down" in caplog.text


def test_a_late_notification_after_a_refund_changes_nothing(fake_pay, paid_signals):
    from wechat.pay.refunds import refund

    order = new_order()
    fake_pay.pay.notify(order.out_trade_no)
    refund(reload(order))
    events = OrderEvent.objects.count()
    assert fake_pay.pay.notify(order.out_trade_no) == [(204, "")]
    assert reload(order).status == Order.Status.REFUNDING
    assert OrderEvent.objects.count() == events
    assert len(paid_signals.calls) == 1


def test_a_notification_of_a_closed_order_that_was_paid_marks_it_paid(fake_pay, paid_signals):
    """Closed here (e.g. the close raced the payment) but WeChat Pay took the money: the money wins."""
    order = new_order()
    Order.objects.filter(pk=order.pk).update(status=Order.Status.CLOSED)
    assert fake_pay.pay.notify(order.out_trade_no) == [(204, "")]
    assert reload(order).status == Order.Status.PAID
    assert len(paid_signals.calls) == 1


def signed_post(client, fake, body, **headers):
    signed = fake.pay.signature_headers(body)
    meta = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in signed.items()}
    meta.update(headers)
    return client.generic("POST", "/wechat/pay/notify/", body, content_type="application/json", **meta)


def test_headers_are_read_from_djangos_meta_and_missing_ones_are_a_400(fake_pay, client):
    response = client.post("/wechat/pay/notify/", b"{}", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "FAIL"
    response = signed_post(client, fake_pay, b"{}", HTTP_WECHATPAY_TIMESTAMP="yesterday")
    assert response.status_code == 400
    response = signed_post(client, fake_pay, b'{"resource": {}}')
    assert response.status_code == 400 and "event_type" in response.json()["message"]


def test_the_signature_covers_the_raw_body(fake_pay, client):
    body = json.dumps({"event_type": "TRANSACTION.SUCCESS", "resource": {}}).encode()
    signed = fake_pay.pay.signature_headers(body)
    meta = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in signed.items()}
    reencoded = json.dumps(json.loads(body), indent=1).encode()  # the same JSON, other bytes
    response = client.generic("POST", "/wechat/pay/notify/", reencoded, content_type="application/json", **meta)
    assert response.status_code == 401


def test_a_future_timestamp_is_refused(fake_pay, client):
    body = b'{"event_type": "TRANSACTION.SUCCESS", "resource": {}}'
    signed = fake_pay.pay.signature_headers(body, timestamp=time.time() + 3600)
    meta = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in signed.items()}
    response = client.generic("POST", "/wechat/pay/notify/", body, content_type="application/json", **meta)
    assert response.status_code == 401


def test_get_is_not_allowed(fake_pay, client):
    assert client.get("/wechat/pay/notify/").status_code == 405


def test_a_database_failure_answers_503_changes_nothing_and_the_retry_succeeds(fake_pay, paid_signals, caplog):
    order = new_order()
    with table_away(Order._meta.db_table), caplog.at_level(logging.ERROR, logger="wechat.pay"):
        [(status, body)] = fake_pay.pay.notify(order.out_trade_no)
    assert status == 503 and json.loads(body)["code"] == "FAIL", body
    assert "Traceback" not in caplog.text and "the database failed" in caplog.text
    assert reload(order).status == Order.Status.CREATED and paid_signals.calls == []
    assert fake_pay.pay.notify(order.out_trade_no) == [(204, "")]  # WeChat Pay's retry
    assert reload(order).status == Order.Status.PAID and len(paid_signals.calls) == 1
