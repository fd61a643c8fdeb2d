"""WeChat Pay over real HTTP: the fake WeChat Pay (wechat/fake_pay.py) and this project's live server.

Import the fixtures a test module needs (``from .pay_fixtures import fake_pay  # noqa: F401``). The fake
signs with throwaway keys made for each test, sends its notifications to ``live_server`` (the notify URL
stays the https one WeChat Pay requires; ``notify_base`` points it at the test server).
"""

import threading

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from wechat.fake_pay import merchant_keys
from wechat.fake_server import FakeWeChat
from wechat.pay.models import Order
from wechat.pay.signals import order_paid, order_refunded

MCH_ID = "1900000109"
APP_ID = "wx" + "a1b2c3d4e5f60718"
OPENID = "o_payer_" + "x" * 20
NOTIFY_URL = "https://shop.example.com/wechat/pay/notify/"


def configure(settings, fake, keys, merchant, tmp_path):
    paths = fake.pay.write_keys(tmp_path / "wechatpay")
    settings.WECHAT_PAY_MCH_ID = MCH_ID
    settings.WECHAT_PAY_API_V3_KEY = merchant.api_v3_key
    settings.WECHAT_PAY_PRIVATE_KEY_PATH = str(keys.private_key_path)
    settings.WECHAT_PAY_CERT_SERIAL_NO = keys.serial_no
    settings.WECHAT_PAY_NOTIFY_URL = NOTIFY_URL
    settings.WECHAT_PAY_REFUND_NOTIFY_URL = ""
    settings.WECHAT_PAY_API_BASE_URL = fake.url
    settings.WECHAT_PAY_TIMEOUT = 3
    if fake.pay.mode == "public_key":
        settings.WECHAT_PAY_PUBLIC_KEY_ID = fake.pay.public_key_id
        settings.WECHAT_PAY_PUBLIC_KEY_PATH = str(paths["public_key"])
        settings.WECHAT_PAY_PLATFORM_CERT_PATH = ""
    else:
        settings.WECHAT_PAY_PUBLIC_KEY_ID = ""
        settings.WECHAT_PAY_PUBLIC_KEY_PATH = ""
        settings.WECHAT_PAY_PLATFORM_CERT_PATH = str(paths["platform_cert"])


@pytest.fixture(params=["public_key", "platform_cert"])
def pay_mode(request):
    """Both ways WeChat Pay signs: its public key (PUB_KEY_ID_...), or a platform certificate."""
    return request.param


@pytest.fixture
def fake_pay(request, settings, tmp_path, live_server):
    """A fake WeChat Pay for this project (public-key mode unless the test uses ``pay_mode``)."""
    mode = request.getfixturevalue("pay_mode") if "pay_mode" in request.fixturenames else "public_key"
    keys = merchant_keys(tmp_path / "merchant")
    merchant = keys.merchant(mch_id=MCH_ID, appids=(APP_ID,))
    with FakeWeChat(pay=merchant, pay_mode=mode) as fake:
        configure(settings, fake, keys, merchant, tmp_path)
        fake.pay.notify_base = live_server.url + "/"
        fake.merchant_keys = keys
        yield fake


class Received:
    """Every sending of a signal, from any thread (the live server answers in its own)."""

    def __init__(self):
        self.calls = []
        self.lock = threading.Lock()

    def __call__(self, sender, **kwargs):
        with self.lock:
            self.calls.append(kwargs)

    def out_trade_nos(self):
        return [call["order"].out_trade_no for call in self.calls]


def receiving(signal, uid):
    received = Received()
    signal.connect(received, dispatch_uid=uid)
    yield received
    signal.disconnect(dispatch_uid=uid)


@pytest.fixture
def paid_signals():
    yield from receiving(order_paid, "test-pay-received")


@pytest.fixture
def refunded_signals():
    yield from receiving(order_refunded, "test-refund-received")


def new_order(amount=1500, description="一杯咖啡"):
    from wechat.pay.orders import create_order

    return create_order(description=description, amount=amount, openid=OPENID, appid=APP_ID)


def reload(order):
    return Order.objects.get(pk=order.pk)


def merchant_verifies(fake, params):
    """Whether ``paySign`` verifies with the merchant's public key (as WeChat's client checks it)."""
    public_key = serialization.load_pem_public_key(fake.merchant_keys.public_key_pem.encode())
    message = "".join(f"{params[name]}\n" for name in ("appId", "timeStamp", "nonceStr", "package"))
    import base64

    try:
        public_key.verify(base64.b64decode(params["paySign"]), message.encode(), padding.PKCS1v15(), hashes.SHA256())
    except Exception:
        return False
    return True
