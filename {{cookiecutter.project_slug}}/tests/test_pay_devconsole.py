"""The dev console's pay button: a 1-fen payment walked through the fake WeChat Pay, over real HTTP."""

import pytest
import requests
from django.urls import include, path

from wechat import devconsole
from wechat import urls as wechat_urls
from wechat.pay import urls as pay_urls
from wechat.pay.models import Order

from .pay_fixtures import APP_ID

# The project's URLs leave the console out when DEBUG is off, as it is in tests: these put it back.
urlpatterns = [
    path("wechat/", include((wechat_urls.urlpatterns + devconsole.urlpatterns, "wechat"))),
    path(
        "wechat/pay/",
        include((pay_urls.urlpatterns + [path("dev/", pay_urls.dev_console_pay, name="dev_console")], "wechat_pay")),
    ),
]


@pytest.fixture
def console(settings, fake_pay, live_server):
    """A requests session on the live server's dev console, holding its CSRF cookie."""
    settings.DEBUG = True
    settings.ROOT_URLCONF = __name__
    settings.WECHAT_APP_ID = settings.MINIPROGRAM_APP_ID = APP_ID
    session = requests.Session()
    session.trust_env = False
    page = session.get(live_server.url + "/wechat/dev/", timeout=10)
    assert page.status_code == 200 and 'id="pay-button"' in page.text
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    session.pay_url = live_server.url + "/wechat/pay/dev/"
    return session


@pytest.mark.django_db(transaction=True)
def test_the_pay_button_walks_a_payment_through_to_paid(console, paid_signals):
    answer = console.post(console.pay_url, timeout=20)

    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["status"] == "paid"
    order = Order.objects.get(out_trade_no=result["out_trade_no"])
    assert (order.status, order.amount, order.openid) == ("paid", 1, devconsole.DEV_CONSOLE_OPENID)
    assert any("paySign" in step for step in result["steps"])  # the fake checked what wx.requestPayment gets
    assert paid_signals.out_trade_nos() == [order.out_trade_no]


@pytest.mark.django_db(transaction=True)
def test_the_pay_button_refuses_wechat_pays_real_server(console, settings):
    settings.WECHAT_PAY_API_BASE_URL = "https://api.mch.weixin.qq.com/"

    answer = console.post(console.pay_url, timeout=10)

    assert answer.status_code == 409
    assert "not a fake server on this machine" in answer.json()["error"]
    assert not Order.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_pay_button_refuses_other_machines(console):
    answer = console.post(console.pay_url, headers={"X-Forwarded-For": "203.0.113.7"}, timeout=10)

    assert answer.status_code == 403
    assert not Order.objects.exists()
