"""The example shop (shop/): yours, like the shop itself. Change these tests when you change it.

Each test runs for every way this project knows its buyers: the mini program's JWT and/or
web OAuth on official-account pages. The orders go to the fake WeChat Pay over real HTTP.
"""

import json
from importlib.util import find_spec

import pytest
from django.test import Client

from shop.models import Product, Purchase
from wechat.models import WeChatUser
from wechat.pay.models import Order

from .pay_fixtures import APP_ID, merchant_verifies  # the fixtures fake_pay and paid_signals: conftest.py

BUYERS = [name for name, module in (("jwt", "wechat.jwt_auth"), ("oauth", "wechat.oauth")) if find_spec(module)]
ORDERS = "/api/shop/orders/"


@pytest.fixture(params=BUYERS)
def buyer(request, settings, client, db):
    """A client signed in as a WeChat user: ``client.user``, with ``client.post_json`` for the API."""
    settings.MINIPROGRAM_APP_ID = settings.WECHAT_APP_ID = APP_ID
    settings.JWT_SECRET_KEY = "a-test-only-jwt-key-" + "x" * 32
    return signed_in(request.param, client, "o_buyer_" + "b" * 20)


def signed_in(kind, client, openid):
    user = WeChatUser.objects.create(app_id=APP_ID, openid=openid)
    client.user, client.kind, client.headers = user, kind, {}
    if kind == "jwt":
        from wechat.jwt_auth import issue_tokens

        client.headers = {"Authorization": "Bearer " + issue_tokens(user)["access_token"]}
    else:
        from wechat.oauth import SESSION_USER

        session = client.session
        session[SESSION_USER] = user.pk
        session.save()
    return client


def post_json(client, body, **extra):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(ORDERS, data, content_type="application/json", headers=client.headers, **extra)


@pytest.fixture
def coffee(db):
    return Product.objects.create(name="咖啡", price=1500)


def test_an_order_costs_the_products_price_whatever_the_client_says(buyer, coffee, fake_pay):
    response = post_json(buyer, {"product_id": coffee.pk, "amount": 1})

    assert response.status_code == 201, response.content
    answer = response.json()
    order = Order.objects.get(out_trade_no=answer["out_trade_no"])
    assert order.amount == answer["amount"] == 1500
    assert fake_pay.pay.orders[order.out_trade_no]["params"]["total"] == 1500  # what WeChat Pay was asked
    assert Purchase.objects.get(order=order).product == coffee
    payment = answer["payment"]
    assert ("appId" in payment) == (buyer.kind == "oauth")  # WeixinJSBridge needs it, wx.requestPayment not
    assert merchant_verifies(fake_pay, {"appId": APP_ID, **payment})


def test_a_paid_order_is_fulfilled_once(buyer, coffee, fake_pay, paid_signals):
    out_trade_no = post_json(buyer, {"product_id": coffee.pk}).json()["out_trade_no"]
    before = buyer.get(f"{ORDERS}{out_trade_no}/", headers=buyer.headers).json()
    assert (before["status"], before["fulfilled"]) == ("created", False)

    answers = fake_pay.pay.notify(out_trade_no, times=3, concurrent=True)

    assert [status for status, _ in answers] == [204, 204, 204]
    after = buyer.get(f"{ORDERS}{out_trade_no}/", headers=buyer.headers).json()
    assert (after["status"], after["fulfilled"], after["amount"]) == ("paid", True, 1500)
    assert paid_signals.out_trade_nos() == [out_trade_no]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "JSON"),
        ({}, "product_id is required"),
        ({"product_id": "1"}, "positive integer"),
        ({"product_id": True}, "positive integer"),
        ({"product_id": 1.0}, "positive integer"),
        ({"product_id": -3}, "positive integer"),
        ({"product_id": 2**63}, "below 2**63"),
        ({"product_id": 999}, "no product 999 on sale"),
    ],
)
def test_bad_orders_are_refused_with_a_reason(buyer, coffee, fake_pay, body, reason):
    response = post_json(buyer, body)

    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert not Order.objects.exists()


def test_a_product_off_sale_cannot_be_ordered(buyer, coffee, fake_pay):
    Product.objects.filter(pk=coffee.pk).update(active=False)

    assert post_json(buyer, {"product_id": coffee.pk}).status_code == 400


def test_nobody_signed_in_gets_401(client, coffee, db):
    response = client.post(ORDERS, {"product_id": coffee.pk}, content_type="application/json")

    assert response.status_code == 401
    assert "sign in" in response.json()["error"]


def test_another_users_order_is_not_found(buyer, coffee, fake_pay):
    out_trade_no = post_json(buyer, {"product_id": coffee.pk}).json()["out_trade_no"]
    other = signed_in(buyer.kind, Client(), "o_other_" + "c" * 20)

    assert other.get(f"{ORDERS}{out_trade_no}/", headers=other.headers).status_code == 404
    assert buyer.get(f"{ORDERS}{out_trade_no}/", headers=buyer.headers).status_code == 200


def test_wechat_pay_down_is_a_503_and_no_purchase(buyer, coffee, fake_pay, settings):
    settings.WECHAT_PAY_API_BASE_URL = "http://127.0.0.1:9/"  # nothing listens there

    response = post_json(buyer, {"product_id": coffee.pk})

    assert response.status_code == 503
    assert not Purchase.objects.exists()


def cookie_signed_buyer_needs_the_csrf_token(settings, coffee, fake_pay, db):
    settings.WECHAT_APP_ID = APP_ID
    client = signed_in("oauth", Client(enforce_csrf_checks=True), "o_csrf_" + "d" * 20)

    refused = post_json(client, {"product_id": coffee.pk})
    client.get("/admin/login/")  # any page that sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = post_json(client, {"product_id": coffee.pk}, HTTP_X_CSRFTOKEN=token)

    assert refused.status_code == 403
    assert accepted.status_code == 201


if "oauth" in BUYERS:  # only web OAuth signs buyers in with a cookie
    test_a_cookie_signed_buyer_needs_the_csrf_token = cookie_signed_buyer_needs_the_csrf_token
