"""Creating an order: WeChat Pay's JSAPI prepay over real HTTP, the client's signed payment parameters."""

import pytest

from wechat.pay.errors import PayError
from wechat.pay.models import Order, OrderEvent

from .pay_fixtures import APP_ID, OPENID, merchant_verifies, new_order, reload


def test_prepay_gives_parameters_whose_pay_sign_verifies_with_the_merchant_key(fake_pay, pay_mode):
    order = new_order(amount=1500)
    assert order.status == Order.Status.CREATED and order.prepay_id
    assert fake_pay.pay.orders[order.out_trade_no]["params"]["total"] == 1500
    params = order.client_parameters()
    assert set(params) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert params["appId"] == APP_ID and params["package"] == f"prepay_id={order.prepay_id}"
    assert params["signType"] == "RSA"
    assert merchant_verifies(fake_pay, params)
    assert fake_pay.pay.client_sign_ok(params)  # the fake's own check, as wx.requestPayment's
    assert not merchant_verifies(fake_pay, {**params, "package": "prepay_id=wx_other"})


def test_out_trade_no_is_unguessable_and_in_wechat_pays_charset(fake_pay):
    numbers = {new_order().out_trade_no for _ in range(5)}
    assert len(numbers) == 5
    for number in numbers:
        assert len(number) == 32 and number.isalnum()
        assert len(set(number[8:])) > 6  # 96 random bits after the date


@pytest.mark.parametrize("amount", [0, -1, 1.5, "100", True, None, 2**40])
def test_a_bad_amount_is_refused_before_any_call(fake_pay, amount):
    with pytest.raises(PayError) as caught:
        new_order(amount=amount)
    assert caught.value.status == 400
    assert not Order.objects.exists()
    assert fake_pay.calls["v3/pay/transactions/jsapi"] == 0


def test_not_configured_answers_503(settings, db):
    settings.WECHAT_PAY_MCH_ID = ""
    with pytest.raises(PayError) as caught:
        new_order()
    assert caught.value.status == 503 and "not configured" in str(caught.value)


def test_wechat_pay_refusing_the_prepay_closes_the_order_and_says_why(fake_pay):
    fake_pay.fail("v3/pay/transactions/jsapi", 500)
    with pytest.raises(PayError) as caught:
        new_order()
    assert caught.value.status == 503 and caught.value.code == "SYSTEM_ERROR"
    order = Order.objects.get()
    assert order.status == Order.Status.CLOSED and not order.prepay_id
    assert list(order.events.values_list("kind", flat=True)) == ["created", "prepay_failed"]


def test_an_unknown_merchant_key_is_refused_by_wechat_pay(fake_pay, settings, tmp_path):
    from wechat.fake_pay import merchant_keys

    settings.WECHAT_PAY_PRIVATE_KEY_PATH = str(merchant_keys(tmp_path / "other").private_key_path)
    with pytest.raises(PayError) as caught:
        new_order()
    assert caught.value.code == "SIGN_ERROR" and caught.value.status == 503


def test_an_answer_not_signed_by_wechat_pay_is_not_trusted(fake_pay, settings, tmp_path):
    from wechat.fake_pay import merchant_keys

    settings.WECHAT_PAY_PUBLIC_KEY_PATH = str(merchant_keys(tmp_path / "not-wechat").public_key_path)
    with pytest.raises(PayError) as caught:
        new_order()
    assert caught.value.code == "BAD_SIGNATURE"
    assert reload(Order.objects.get()).status == Order.Status.CLOSED


def test_wechat_pay_unreachable_is_a_503_within_the_timeout(fake_pay, settings):
    import socket
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.WECHAT_PAY_API_BASE_URL = f"http://127.0.0.1:{port}/"
    started = time.monotonic()
    with pytest.raises(PayError) as caught:
        new_order()
    assert caught.value.status == 503 and caught.value.code == "UNREACHABLE"
    assert time.monotonic() - started < 3


def test_slow_wechat_pay_is_cut_off_by_the_timeout(fake_pay, settings):
    import time

    settings.WECHAT_PAY_TIMEOUT = 0.5
    fake_pay.delay = 2
    started = time.monotonic()
    with pytest.raises(PayError) as caught:
        new_order()
    assert caught.value.code == "UNREACHABLE"
    assert time.monotonic() - started < 1.5


def test_every_transition_is_recorded(fake_pay):
    order = new_order()
    assert list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True)) == ["created", "prepaid"]
    assert OPENID == order.openid
