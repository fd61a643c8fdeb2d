"""Hostile input from hypothesis at both notify endpoints: never a 5xx, a 4xx with a reason, nothing changed.

Most notifications here are *validly signed and encrypted* with the fake WeChat Pay's keys: the signature
and the decryption pass, so what is tested is the reading of the fields themselves. Only a notification
that matches an order exactly may change it.
"""

import json
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wechat.fake_pay import encrypt
from wechat.pay.models import Order, Refund
from wechat.pay.refunds import refund

from .conftest import FUZZ_CASES
from .pay_fixtures import APP_ID, MCH_ID, new_order, reload

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=80)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)


def post(client, fake, path, body, **header_changes):
    headers = fake.pay.signature_headers(body)
    meta = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    meta.update(header_changes)
    response = client.generic("POST", path, body, content_type="application/json", **meta)
    FUZZ_CASES.append(1)
    assert response.status_code < 500, response.content
    if response.status_code != 204:
        answer = json.loads(response.content)
        assert answer["code"] == "FAIL" and answer["message"], answer
    return response


def envelope(fake, event_type, resource, original_type="transaction"):
    plaintext = json.dumps(resource, ensure_ascii=False)
    encrypted = encrypt(fake.pay.merchant.api_v3_key, plaintext, original_type)
    notification = {
        "id": "fuzz",
        "create_time": "2024-01-01T00:00:00+08:00",
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": "fuzz",
        "resource": {"original_type": original_type, **encrypted},
    }
    return json.dumps(notification, ensure_ascii=False).encode()


def field_values(genuine):
    """The genuine value, or something hostile in its place (or the field left out)."""
    return st.one_of(st.just(genuine), JSON, st.just(KeyError))


@given(body=st.binary(max_size=2000))
def test_any_signed_bytes(fake_pay, client, body):
    for path in ("/wechat/pay/notify/", "/wechat/pay/refund-notify/"):
        assert post(client, fake_pay, path, body).status_code in (400, 401, 404)


@given(timestamp=TEXT, nonce=TEXT, serial=TEXT, signature=TEXT, which=st.sets(st.integers(0, 3), min_size=1))
def test_any_headers(fake_pay, client, timestamp, nonce, serial, signature, which):
    body = envelope(fake_pay, "TRANSACTION.SUCCESS", {})
    names = ["HTTP_WECHATPAY_TIMESTAMP", "HTTP_WECHATPAY_NONCE", "HTTP_WECHATPAY_SERIAL", "HTTP_WECHATPAY_SIGNATURE"]
    values = [timestamp, nonce, serial, signature]
    changes = {names[index]: values[index].encode("utf-8").decode("latin-1") for index in which}
    assert post(client, fake_pay, "/wechat/pay/notify/", body, **changes).status_code in (400, 401)


@given(event_type=JSON, resource=JSON)
def test_any_envelope(fake_pay, client, event_type, resource):
    body = json.dumps({"event_type": event_type, "resource": resource}).encode()
    assert post(client, fake_pay, "/wechat/pay/notify/", body).status_code in (400, 401)


@given(data=st.data())
def test_payment_resources_with_hostile_fields(fake_pay, client, data):
    order = Order.objects.filter(status=Order.Status.CREATED).first() or new_order(amount=1234)
    genuine = genuine_payment(order)
    resource = {}
    for name, value in genuine.items():
        chosen = data.draw(field_values(value), label=name)
        if chosen is not KeyError:
            resource[name] = chosen
    event_type = data.draw(st.sampled_from(["TRANSACTION.SUCCESS", "TRANSACTION.SUCCESS", "REFUND.SUCCESS"]))
    response = post(client, fake_pay, "/wechat/pay/notify/", envelope(fake_pay, event_type, resource))
    matches = event_type.startswith("TRANSACTION.") and all(
        resource.get(name) == genuine[name] for name in ("mchid", "appid", "out_trade_no", "amount")
    )
    if response.status_code == 204:
        assert matches, resource
    else:
        assert reload(order).status == Order.Status.CREATED


def genuine_payment(order):
    return {
        "mchid": MCH_ID,
        "appid": APP_ID,
        "out_trade_no": order.out_trade_no,
        "transaction_id": "4200000000" + str(time.time_ns())[-12:],
        "trade_state": "SUCCESS",
        "success_time": "2024-05-01T12:00:00+08:00",
        "amount": {"total": order.amount, "currency": "CNY"},
        "payer": {"openid": order.openid},
    }


@pytest.mark.parametrize("hostile", [["SUCCESS"], {"SUCCESS": 1}], ids=["list", "object"])
@pytest.mark.parametrize("name", ["mchid", "appid", "out_trade_no", "transaction_id", "trade_state", "amount"])
def test_a_payment_field_of_another_json_type_is_a_400(fake_pay, client, name, hostile):
    # Found by the fuzzing above: a list in trade_state once reached a set lookup and answered 500.
    order = new_order()
    resource = {**genuine_payment(order), name: hostile}
    response = post(client, fake_pay, "/wechat/pay/notify/", envelope(fake_pay, "TRANSACTION.SUCCESS", resource))
    assert response.status_code in (400, 404) and reload(order).status == Order.Status.CREATED


@given(data=st.data())
def test_refund_resources_with_hostile_fields(fake_pay, client, data):
    made = Refund.objects.filter(status=Refund.Status.PROCESSING).select_related("order").first()
    if made is None:
        order = new_order(amount=2000)
        fake_pay.pay.notify(order.out_trade_no)
        made = refund(reload(order), amount=700)
    genuine = {
        "mchid": MCH_ID,
        "out_trade_no": made.order.out_trade_no,
        "transaction_id": made.order.transaction_id or "4200000000000",
        "out_refund_no": made.out_refund_no,
        "refund_id": made.refund_id,
        "refund_status": "SUCCESS",
        "success_time": "2024-05-01T12:00:00+08:00",
        "amount": {"total": 2000, "refund": 700, "payer_total": 2000, "payer_refund": 700},
    }
    resource = {}
    for name, value in genuine.items():
        chosen = data.draw(field_values(value), label=name)
        if chosen is not KeyError:
            resource[name] = chosen
    body = envelope(fake_pay, "REFUND.SUCCESS", resource, original_type="refund")
    response = post(client, fake_pay, "/wechat/pay/refund-notify/", body)
    if response.status_code != 204:
        assert Refund.objects.get(pk=made.pk).status == Refund.Status.PROCESSING
    else:
        assert all(resource.get(name) == genuine[name] for name in ("mchid", "out_trade_no", "out_refund_no"))
