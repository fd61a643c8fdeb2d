"""The fake WeChat server's Pay v3 side, over real HTTP: signatures both ways, orders, notifications, refunds."""

import base64
import datetime
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from hypothesis import example, given
from hypothesis import strategies as st

from wechat.fake_pay import (
    FORGERIES,
    PayError,
    authorization,
    decrypt,
    merchant_keys,
    new_api_v3_key,
    sign,
    verify,
)
from wechat.fake_server import FakeWeChat
from wechat.management.commands.wechat_fake_server import Command, pay_key_env, pay_merchant

from .conftest import FUZZ_CASES

MCH_ID = "1900000109"
APP_ID = "wx" + "a1b2c3d4e5f60718"
OPENID = "o_payer_1"
NOTIFY_URL = "https://shop.example.com/wechat/pay/notify/"
REFUND_NOTIFY_URL = "https://shop.example.com/wechat/pay/refund-notify/"


class Merchant:
    """The project's side, written here from scratch: signs requests, verifies answers with the exposed key."""

    def __init__(self, fake, keys):
        self.fake, self.keys = fake, keys
        self.private_key = serialization.load_pem_private_key(keys.private_key_pem.encode(), None)
        if fake.pay.mode == "platform_cert":
            self.wechat_key = x509.load_pem_x509_certificate(fake.pay.platform_cert_pem.encode()).public_key()
        else:
            self.wechat_key = serialization.load_pem_public_key(fake.pay.public_key_pem.encode())

    def call(self, method, path, data=None, key=None, verify_answer=True):
        body = b"" if data is None else json.dumps(data).encode()
        header = authorization(MCH_ID, self.keys.serial_no, key or self.private_key, method, path, body)
        headers = {"Authorization": header, "Accept": "application/json", "Content-Type": "application/json"}
        response = requests.request(method, self.fake.url + path.lstrip("/"), data=body, headers=headers, timeout=5)
        if verify_answer:
            assert self.verifies(response.headers, response.content), "the answer's signature does not verify"
        return response

    def verifies(self, headers, body):
        message = f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n".encode() + body + b"\n"
        return headers["Wechatpay-Serial"] == self.fake.pay.serial and verify(
            self.wechat_key, message, headers["Wechatpay-Signature"]
        )

    def prepay(self, out_trade_no="T20240101000001", total=100, **changes):
        order = {
            "appid": APP_ID,
            "mchid": MCH_ID,
            "description": "测试商品",
            "out_trade_no": out_trade_no,
            "notify_url": NOTIFY_URL,
            "amount": {"total": total, "currency": "CNY"},
            "payer": {"openid": OPENID},
            **changes,
        }
        return self.call("POST", "/v3/pay/transactions/jsapi", order)

    def query(self, out_trade_no="T20240101000001"):
        return self.call("GET", f"/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid={MCH_ID}")

    def refund(self, out_refund_no, refund, out_trade_no="T20240101000001", total=100):
        data = {
            "out_trade_no": out_trade_no,
            "out_refund_no": out_refund_no,
            "reason": "不想要了",
            "notify_url": REFUND_NOTIFY_URL,
            "amount": {"refund": refund, "total": total, "currency": "CNY"},
        }
        return self.call("POST", "/v3/refund/domestic/refunds", data)


class Receiver:
    """The project's notify endpoint, stood in by a tiny HTTP server recording what arrives."""

    def __init__(self):
        self.received = []
        self.status = 204
        self.on_receive = None  # called with the body while the answer waits, e.g. to query the fake
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((self.path, dict(self.headers), body, time.monotonic()))
                time.sleep(0.2)  # long enough for concurrent deliveries to overlap
                if receiver.on_receive:
                    receiver.on_receive(body)
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(params=["public_key", "platform_cert"])
def pay(request, tmp_path):
    keys = merchant_keys(tmp_path)
    receiver = Receiver()
    with FakeWeChat(APP_ID, pay=keys.merchant(MCH_ID, new_api_v3_key(), appids=(APP_ID,)), pay_mode=request.param) as f:
        f.pay.notify_base = receiver.url
        merchant = Merchant(f, keys)
        merchant.receiver = receiver
        yield merchant
    receiver.close()


@pytest.fixture
def public_key_pay(tmp_path):
    keys = merchant_keys(tmp_path)
    receiver = Receiver()
    with FakeWeChat(APP_ID, pay=keys.merchant(MCH_ID, new_api_v3_key(), appids=(APP_ID,))) as fake:
        fake.pay.notify_base = receiver.url
        merchant = Merchant(fake, keys)
        merchant.receiver = receiver
        yield merchant
    receiver.close()


def test_merchant_keys_are_written_as_pem(tmp_path):
    keys = merchant_keys(tmp_path)
    private = serialization.load_pem_private_key(keys.private_key_path.read_bytes(), None)
    assert private.key_size == 2048
    assert keys.public_key_path.read_text() == keys.public_key_pem
    assert len(keys.serial_no) == 40 and int(keys.serial_no, 16)


def test_prepay_answers_a_prepay_id_signed_by_wechat_pay(pay):
    response = pay.prepay()
    assert response.status_code == 200
    assert response.json()["prepay_id"].startswith("wx")
    assert response.headers["Request-ID"]
    assert pay.fake.calls["v3/pay/transactions/jsapi"] == 1
    assert pay.fake.pay.orders["T20240101000001"]["trade_state"] == "NOTPAY"


def test_the_serial_is_the_public_key_id_or_the_certificate_serial(pay):
    response = pay.prepay()
    if pay.fake.pay.mode == "public_key":
        assert response.headers["Wechatpay-Serial"].startswith("PUB_KEY_ID_0112")
        assert pay.fake.pay.platform_cert_pem is None
    else:
        cert = x509.load_pem_x509_certificate(pay.fake.pay.platform_cert_pem.encode())
        assert response.headers["Wechatpay-Serial"] == f"{cert.serial_number:X}"


def test_the_keys_are_written_for_the_project_to_read(pay, tmp_path):
    paths = pay.fake.pay.write_keys(tmp_path / "wechatpay")
    public_key = serialization.load_pem_public_key(paths["public_key"].read_bytes())
    assert public_key.public_numbers() == pay.wechat_key.public_numbers()
    if pay.fake.pay.mode == "platform_cert":
        cert = x509.load_pem_x509_certificate(paths["platform_cert"].read_bytes())
        assert f"{cert.serial_number:X}" == pay.fake.pay.platform_serial
    else:
        assert "platform_cert" not in paths


def test_a_tampered_answer_does_not_verify(public_key_pay):
    response = public_key_pay.prepay()
    assert not public_key_pay.verifies(response.headers, response.content + b" ")


@pytest.mark.parametrize("breakage", ["other_key", "no_header", "other_serial", "old_timestamp", "other_body"])
def test_a_bad_merchant_signature_is_401_sign_error(public_key_pay, tmp_path, breakage):
    merchant, fake = public_key_pay, public_key_pay.fake
    path = f"/v3/pay/transactions/out-trade-no/T20240101000001?mchid={MCH_ID}"
    header = authorization(MCH_ID, merchant.keys.serial_no, merchant.private_key, "GET", path)
    if breakage == "other_key":
        stranger = serialization.load_pem_private_key(merchant_keys(tmp_path / "other").private_key_pem.encode(), None)
        header = authorization(MCH_ID, merchant.keys.serial_no, stranger, "GET", path)
    elif breakage == "no_header":
        header = ""
    elif breakage == "other_serial":
        header = authorization(MCH_ID, "0" * 40, merchant.private_key, "GET", path)
    elif breakage == "old_timestamp":
        stamp = header.split('timestamp="')[1].split('"')[0]
        header = header.replace(f'timestamp="{stamp}"', f'timestamp="{int(stamp) - 3600}"')
    elif breakage == "other_body":  # signed for another path: the query string is part of what is signed
        header = authorization(MCH_ID, merchant.keys.serial_no, merchant.private_key, "GET", path + "0")
    response = requests.get(fake.url + path.lstrip("/"), headers={"Authorization": header}, timeout=5)
    assert response.status_code == 401
    assert response.json()["code"] == "SIGN_ERROR"
    assert merchant.verifies(response.headers, response.content)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"appid": None}, "appid"),
        ({"description": ""}, "description"),
        ({"notify_url": "http://shop.example.com/notify/"}, "notify_url"),
        ({"amount": {"total": 0}}, "amount.total"),
        ({"amount": {"total": "100"}}, "amount.total"),
        ({"amount": {"total": 1.5}}, "amount.total"),
        ({"payer": {}}, "payer.openid"),
        ({"out_trade_no": "ab"}, "out_trade_no"),
    ],
)
def test_prepay_checks_its_fields_as_wechat_pay_does(public_key_pay, changes, field):
    response = public_key_pay.prepay(**changes)
    assert response.status_code == 400
    assert response.json()["code"] == "PARAM_ERROR" and field in response.json()["message"]
    assert public_key_pay.fake.pay.orders == {}


def test_prepay_refuses_an_app_the_merchant_is_not_bound_to(public_key_pay):
    response = public_key_pay.prepay(appid="wx0000000000000000")
    assert (response.status_code, response.json()["code"]) == (400, "APPID_MCHID_NOT_MATCH")


def test_the_same_order_twice_gets_the_same_prepay_id_and_a_changed_one_is_refused(public_key_pay):
    first = public_key_pay.prepay().json()["prepay_id"]
    assert public_key_pay.prepay().json()["prepay_id"] == first
    changed = public_key_pay.prepay(total=1)
    assert (changed.status_code, changed.json()["code"]) == (400, "INVALID_REQUEST")
    public_key_pay.fake.pay.pay("T20240101000001")
    paid = public_key_pay.prepay()
    assert (paid.status_code, paid.json()["code"]) == (403, "ORDERPAID")


def test_query_follows_the_order_from_notpay_to_success(pay):
    pay.prepay()
    assert pay.query().json()["trade_state"] == "NOTPAY"
    assert "transaction_id" not in pay.query().json()
    pay.fake.pay.pay("T20240101000001")
    order = pay.query().json()
    assert order["trade_state"] == "SUCCESS" and order["transaction_id"].startswith("42000")
    assert order["amount"] == {"total": 100, "currency": "CNY", "payer_total": 100, "payer_currency": "CNY"}
    assert order["payer"] == {"openid": OPENID} and order["success_time"]
    assert pay.fake.calls["v3/pay/transactions/out-trade-no/{out_trade_no}"] == 3


def test_query_of_an_unknown_order_is_404(public_key_pay):
    response = public_key_pay.query("NOSUCHORDER1")
    assert (response.status_code, response.json()["code"]) == (404, "ORDER_NOT_EXIST")


def test_close_makes_the_order_closed_and_unpayable(public_key_pay):
    public_key_pay.prepay()
    path = "/v3/pay/transactions/out-trade-no/T20240101000001/close"
    response = public_key_pay.call("POST", path, {"mchid": MCH_ID})
    assert response.status_code == 204 and response.content == b""
    assert public_key_pay.query().json()["trade_state"] == "CLOSED"
    with pytest.raises(PayError, match="订单已关闭"):
        public_key_pay.fake.pay.pay("T20240101000001")


def test_fail_makes_the_next_call_fail_as_wechat_pay_does(public_key_pay):
    public_key_pay.fake.fail("v3/pay/transactions/jsapi", 500)
    public_key_pay.fake.fail("v3/pay/transactions/jsapi", "FREQUENCY_LIMITED", after=0)
    assert public_key_pay.prepay().status_code == 500
    limited = public_key_pay.prepay()
    assert (limited.status_code, limited.json()["code"]) == (429, "FREQUENCY_LIMITED")
    assert public_key_pay.prepay().status_code == 200


def test_the_notification_verifies_and_decrypts_with_the_apiv3_key(pay):
    pay.prepay()
    answers = pay.fake.pay.notify("T20240101000001")
    assert answers == [(204, "")]
    ((path, headers, body, _),) = pay.receiver.received
    assert path == "/wechat/pay/notify/"
    assert pay.verifies(headers, body)
    notification = json.loads(body)
    assert notification["event_type"] == "TRANSACTION.SUCCESS"
    assert notification["resource_type"] == "encrypt-resource"
    resource = notification["resource"]
    assert (resource["algorithm"], resource["original_type"], resource["associated_data"]) == (
        "AEAD_AES_256_GCM",
        "transaction",
        "transaction",
    )
    transaction = json.loads(decrypt(pay.fake.pay.merchant.api_v3_key, resource))
    assert transaction["out_trade_no"] == "T20240101000001" and transaction["trade_state"] == "SUCCESS"
    assert (transaction["mchid"], transaction["appid"], transaction["amount"]["total"]) == (MCH_ID, APP_ID, 100)
    assert pay.query().json()["trade_state"] == "SUCCESS"  # notify pays an unpaid order first


def test_a_url_given_to_notify_wins(public_key_pay):
    public_key_pay.prepay()
    public_key_pay.fake.pay.notify_base = None
    assert public_key_pay.fake.pay.notify("T20240101000001", url=public_key_pay.receiver.url + "elsewhere/") == [
        (204, "")
    ]
    assert public_key_pay.receiver.received[0][0] == "/elsewhere/"


def test_repeated_deliveries_share_the_notification_id_and_are_each_signed_afresh(public_key_pay):
    public_key_pay.prepay()
    public_key_pay.receiver.status = 500  # the project fails: WeChat Pay would retry
    assert public_key_pay.fake.pay.notify("T20240101000001", times=3) == [(500, "")] * 3
    bodies = [json.loads(body) for _, _, body, _ in public_key_pay.receiver.received]
    assert len({body["id"] for body in bodies}) == 1
    assert len({headers["Wechatpay-Nonce"] for _, headers, _, _ in public_key_pay.receiver.received}) == 3


def test_concurrent_deliveries_arrive_at_the_same_time(public_key_pay):
    public_key_pay.prepay()
    answers = public_key_pay.fake.pay.notify("T20240101000001", times=3, concurrent=True)
    assert answers == [(204, "")] * 3
    arrivals = [arrived for _, _, _, arrived in public_key_pay.receiver.received]
    assert max(arrivals) - min(arrivals) < 0.15  # the receiver takes 0.2 s for each: they overlapped


def test_an_unreachable_project_is_status_0(public_key_pay):
    public_key_pay.prepay()
    public_key_pay.fake.pay.notify_timeout = 1
    status, reason = public_key_pay.fake.pay.notify("T20240101000001", url="http://127.0.0.1:9/notify/")[0]
    assert status == 0 and reason


@pytest.mark.parametrize("forge", FORGERIES)
def test_each_forgery_is_forged_as_named(pay, forge):
    pay.prepay()
    fake_pay, key = pay.fake.pay, pay.fake.pay.merchant.api_v3_key
    fake_pay.notify("T20240101000001", forge=forge)
    ((_, headers, body, _),) = pay.receiver.received
    assert pay.fake.pay.orders["T20240101000001"]["trade_state"] == "NOTPAY"  # a forgery pays nothing
    signed = pay.verifies(headers, body)
    resource = json.loads(body)["resource"]
    if forge == "ciphertext":
        assert signed
        with pytest.raises(Exception):  # noqa: B017 - cryptography's InvalidTag
            decrypt(key, resource)
        return
    transaction = json.loads(decrypt(key, resource))
    honest = fake_pay.transaction(fake_pay.orders["T20240101000001"], trade_state="SUCCESS")
    changed = {name for name in ("out_trade_no", "mchid", "appid") if transaction[name] != honest[name]}
    changed |= {"amount"} if transaction["amount"]["total"] != 100 else set()
    expected = {"unknown_order": {"out_trade_no"}, "mchid": {"mchid"}, "appid": {"appid"}, "amount": {"amount"}}
    assert changed == expected.get(forge, set())
    assert signed == (forge not in ("signature", "key_id"))
    age = time.time() - int(headers["Wechatpay-Timestamp"])
    assert (age > 600) == (forge == "stale")
    if forge == "signature":
        assert headers["Wechatpay-Serial"] == fake_pay.serial
    if forge == "key_id":
        assert headers["Wechatpay-Serial"] != fake_pay.serial


def test_refunds_are_bounded_by_what_was_paid(public_key_pay):
    public_key_pay.prepay()
    unpaid = public_key_pay.refund("R1", 10)
    assert (unpaid.status_code, unpaid.json()["code"]) == (400, "INVALID_REQUEST")
    public_key_pay.fake.pay.pay("T20240101000001")
    first = public_key_pay.refund("R1", 60)
    assert first.status_code == 200 and first.json()["status"] == "PROCESSING"
    assert first.json()["amount"]["refund"] == 60
    assert public_key_pay.refund("R1", 60).json()["refund_id"] == first.json()["refund_id"]  # idempotent
    assert public_key_pay.refund("R1", 50).json()["code"] == "INVALID_REQUEST"  # same number, other amount
    too_much = public_key_pay.refund("R2", 41)
    assert (too_much.status_code, too_much.json()["code"]) == (400, "INVALID_REQUEST")
    assert public_key_pay.refund("R2", 40).status_code == 200
    assert public_key_pay.refund("R3", 1).status_code == 400
    wrong_total = public_key_pay.refund("R4", 1, total=99)
    assert wrong_total.status_code == 400
    assert public_key_pay.query().json()["trade_state"] == "REFUND"


def test_a_refund_completes_and_its_notification_verifies_and_decrypts(pay):
    pay.prepay()
    pay.fake.pay.pay("T20240101000001")
    pay.refund("R20240101000001", 30)
    assert pay.call("GET", "/v3/refund/domestic/refunds/R20240101000001").json()["status"] == "PROCESSING"
    assert pay.fake.pay.refund_notify("R20240101000001") == [(204, "")]
    queried = pay.call("GET", "/v3/refund/domestic/refunds/R20240101000001").json()
    assert queried["status"] == "SUCCESS" and queried["success_time"]
    ((path, headers, body, _),) = pay.receiver.received
    assert path == "/wechat/pay/refund-notify/" and pay.verifies(headers, body)
    notification = json.loads(body)
    assert notification["event_type"] == "REFUND.SUCCESS"
    assert notification["resource"]["original_type"] == "refund"
    refund = json.loads(decrypt(pay.fake.pay.merchant.api_v3_key, notification["resource"]))
    assert refund["refund_status"] == "SUCCESS" and refund["out_refund_no"] == "R20240101000001"
    assert refund["amount"]["refund"] == 30 and refund["mchid"] == MCH_ID
    assert pay.call("GET", "/v3/refund/domestic/refunds/NOSUCH").status_code == 404


def test_certificates_are_encrypted_with_the_apiv3_key(pay):
    response = pay.call("GET", "/v3/certificates")
    if pay.fake.pay.mode == "public_key":
        assert response.status_code == 404
        return
    (entry,) = response.json()["data"]
    pem = decrypt(pay.fake.pay.merchant.api_v3_key, entry["encrypt_certificate"])
    cert = x509.load_pem_x509_certificate(pem.encode())
    assert entry["serial_no"] == f"{cert.serial_number:X}" == response.headers["Wechatpay-Serial"]


def test_the_dev_console_walks_a_payment_over_http(public_key_pay):
    fake = public_key_pay.fake
    prepay_id = public_key_pay.prepay().json()["prepay_id"]
    paid = requests.post(fake.url + "__fake__/pay/pay", json={"prepay_id": prepay_id}, timeout=5)
    assert paid.status_code == 200 and paid.json()["trade_state"] == "SUCCESS"
    notified = requests.post(
        fake.url + "__fake__/pay/notify", json={"out_trade_no": "T20240101000001", "times": 2}, timeout=5
    )
    assert notified.json() == {"answers": [{"status": 204, "body": ""}] * 2}
    listed = requests.get(fake.url + "__fake__/pay/orders", timeout=5).json()["orders"]
    assert [order["trade_state"] for order in listed] == ["SUCCESS"]
    bad = requests.post(fake.url + "__fake__/pay/notify", json={"out_trade_no": "T20240101000001", "forge": "x"})
    assert bad.status_code == 400
    unknown = requests.post(fake.url + "__fake__/pay/pay", json={"out_trade_no": "NOSUCH1"}, timeout=5)
    assert unknown.status_code == 404
    assert "__fake__/pay/pay" not in fake.calls


def test_the_dev_console_pay_checks_the_pay_sign(public_key_pay):
    fake, merchant = public_key_pay.fake, public_key_pay
    prepay_id = merchant.prepay().json()["prepay_id"]
    params = {
        "appId": APP_ID,
        "timeStamp": str(int(time.time())),
        "nonceStr": "abc",
        "package": f"prepay_id={prepay_id}",
    }
    message = "".join(f"{params[name]}\n" for name in ("appId", "timeStamp", "nonceStr", "package"))
    good = {**params, "signType": "RSA", "paySign": sign(merchant.private_key, message)}
    forged = {**good, "paySign": base64.b64encode(b"x" * 256).decode()}
    assert requests.post(fake.url + "__fake__/pay/pay", json=forged, timeout=5).status_code == 400
    assert fake.pay.orders["T20240101000001"]["trade_state"] == "NOTPAY"
    assert requests.post(fake.url + "__fake__/pay/pay", json=good, timeout=5).json()["trade_state"] == "SUCCESS"


def test_without_pay_the_v3_paths_are_404():
    with FakeWeChat() as fake:
        assert requests.post(fake.url + "v3/pay/transactions/jsapi", json={}, timeout=5).status_code == 404
        assert fake.pay is None


def test_the_project_can_query_the_fake_while_a_notification_waits_for_its_answer(public_key_pay):
    public_key_pay.prepay()
    states = []
    public_key_pay.receiver.on_receive = lambda body: states.append(public_key_pay.query().json()["trade_state"])
    assert public_key_pay.fake.pay.notify("T20240101000001", times=2, concurrent=True) == [(204, "")] * 2
    assert states == ["SUCCESS", "SUCCESS"]


def test_notifications_can_arrive_out_of_order_and_late(public_key_pay):
    merchant, fake_pay = public_key_pay, public_key_pay.fake.pay
    merchant.prepay("T_FIRST_0001")
    merchant.prepay("T_SECOND_001")
    fake_pay.pay("T_FIRST_0001")
    fake_pay.pay("T_SECOND_001")
    fake_pay.notify("T_SECOND_001")  # the later order's notification first
    merchant.refund("R_FIRST_0001", 100, out_trade_no="T_FIRST_0001")
    fake_pay.refund_notify("R_FIRST_0001")  # the refund's before the payment's
    fake_pay.notify("T_FIRST_0001")
    key = fake_pay.merchant.api_v3_key
    seen = [json.loads(decrypt(key, json.loads(body)["resource"])) for _, _, body, _ in merchant.receiver.received]
    assert [item["out_trade_no"] for item in seen] == ["T_SECOND_001", "T_FIRST_0001", "T_FIRST_0001"]
    assert seen[1]["refund_status"] == "SUCCESS"
    assert seen[2]["trade_state"] == "SUCCESS"  # a late payment notification still says what happened then
    assert merchant.query("T_FIRST_0001").json()["trade_state"] == "REFUND"


@pytest.mark.parametrize("forge", ["amount", "unknown_order", "mchid", "signature", "stale"])
def test_refund_notifications_are_forged_as_named(public_key_pay, forge):
    merchant, fake_pay = public_key_pay, public_key_pay.fake.pay
    merchant.prepay()
    fake_pay.pay("T20240101000001")
    merchant.refund("R20240101000001", 40)
    fake_pay.refund_notify("R20240101000001", forge=forge)
    ((_, headers, body, _),) = merchant.receiver.received
    refund = json.loads(decrypt(fake_pay.merchant.api_v3_key, json.loads(body)["resource"]))
    assert (refund["amount"]["refund"] != 40) == (forge == "amount")
    assert (refund["out_refund_no"] != "R20240101000001") == (forge == "unknown_order")
    assert (refund["mchid"] != MCH_ID) == (forge == "mchid")
    assert merchant.verifies(headers, body) == (forge != "signature")
    assert (time.time() - int(headers["Wechatpay-Timestamp"]) > 600) == (forge == "stale")
    assert fake_pay.refunds["R20240101000001"]["status"] == "PROCESSING"  # a forgery completes nothing
    with pytest.raises(ValueError):
        fake_pay.refund_notify("R20240101000001", forge="appid")


def test_the_refund_notify_url_is_needed(public_key_pay):
    public_key_pay.prepay()
    public_key_pay.fake.pay.pay("T20240101000001")
    data = {"out_trade_no": "T20240101000001", "out_refund_no": "R1", "amount": {"refund": 1, "total": 100}}
    assert public_key_pay.call("POST", "/v3/refund/domestic/refunds", data).status_code == 200
    with pytest.raises(ValueError, match="notify_url"):
        public_key_pay.fake.pay.refund_notify("R1")
    assert public_key_pay.fake.pay.refund_notify("R1", url=public_key_pay.receiver.url) == [(204, "")]


def test_the_command_keeps_its_pay_keys_across_restarts(tmp_path, settings):
    settings.WECHAT_APP_ID, settings.MINIPROGRAM_APP_ID = APP_ID, ""
    merchant, env = pay_merchant(tmp_path, "1900000002")
    again, env_again = pay_merchant(tmp_path)
    assert env["WECHAT_PAY_MCH_ID"] == "1900000002" and env_again["WECHAT_PAY_MCH_ID"] == "1900000001"
    assert (again.merchant_serial_no, again.api_v3_key) == (merchant.merchant_serial_no, merchant.api_v3_key)
    assert merchant.appids == (APP_ID,)
    with FakeWeChat(APP_ID, pay=merchant) as first:
        first_env = pay_key_env(first, tmp_path)
    with FakeWeChat(APP_ID, pay=merchant) as second:
        second_env = pay_key_env(second, tmp_path)
        assert second_env["WECHAT_PAY_PUBLIC_KEY_ID"] == first_env["WECHAT_PAY_PUBLIC_KEY_ID"]
        private_key = serialization.load_pem_private_key(env["WECHAT_PAY_PRIVATE_KEY_PATH"].read_bytes(), None)
        path = f"/v3/pay/transactions/out-trade-no/NOSUCH1?mchid={env['WECHAT_PAY_MCH_ID']}"
        header = authorization(env["WECHAT_PAY_MCH_ID"], env["WECHAT_PAY_CERT_SERIAL_NO"], private_key, "GET", path)
        response = requests.get(second.url + path.lstrip("/"), headers={"Authorization": header}, timeout=5)
        assert response.status_code == 404  # signed with the key files the .env names: accepted
        public_key = serialization.load_pem_public_key(second_env["WECHAT_PAY_PUBLIC_KEY_PATH"].read_bytes())
        message = f"{response.headers['Wechatpay-Timestamp']}\n{response.headers['Wechatpay-Nonce']}\n"
        assert verify(public_key, message.encode() + response.content + b"\n", response.headers["Wechatpay-Signature"])
    with FakeWeChat(APP_ID, pay=merchant, pay_mode="platform_cert") as third:
        cert_path = pay_key_env(third, tmp_path)["WECHAT_PAY_PLATFORM_CERT_PATH"]
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        assert f"{cert.serial_number:X}" == third.pay.serial
        assert cert.public_key().public_numbers() == public_key.public_numbers()


def test_the_command_fails_wechat_pay_calls_with_an_http_status():
    assert Command._failure("v3/pay/transactions/jsapi:500:2") == ("v3/pay/transactions/jsapi", 500, 2)


def test_an_order_past_its_time_expire_cannot_be_paid(public_key_pay):
    soon = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))) + datetime.timedelta(seconds=1)
    assert public_key_pay.prepay(time_expire=soon.isoformat(timespec="seconds")).status_code == 200
    time.sleep(1.1)
    with pytest.raises(PayError, match="time_expire"):
        public_key_pay.fake.pay.pay("T20240101000001")
    assert public_key_pay.query().json()["trade_state"] == "NOTPAY"
    past = public_key_pay.prepay("T20240101000002", time_expire="2020-01-01T00:00:00+08:00")
    assert (past.status_code, past.json()["code"]) == (400, "PARAM_ERROR")
    naive = public_key_pay.prepay("T20240101000003", time_expire="2099-01-01 00:00:00")
    assert naive.status_code == 400 and "time_expire" in naive.json()["message"]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
ORDER_FIELDS = ["appid", "mchid", "description", "out_trade_no", "notify_url", "amount", "payer", "time_expire"]


@given(
    body=st.binary(max_size=300)
    | JSON_VALUES.map(lambda value: json.dumps(value).encode())
    | st.dictionaries(st.sampled_from(ORDER_FIELDS), JSON_VALUES).map(lambda value: json.dumps(value).encode())
)
@example(body=b"[" * 50000 + b"]" * 50000)
@example(body=b'{"amount": {"total": NaN}}')
@example(body=b'{"amount": {"total": ' + b"9" * 5000 + b"}}")
@example(body=b"\xff\xfe{}")
def test_hostile_signed_bodies_get_a_signed_4xx_with_a_reason(public_key_pay, body):
    FUZZ_CASES.append(body)
    merchant = public_key_pay
    for path in (
        "/v3/pay/transactions/jsapi",
        "/v3/refund/domestic/refunds",
        "/v3/pay/transactions/out-trade-no/X1/close",
    ):
        header = authorization(MCH_ID, merchant.keys.serial_no, merchant.private_key, "POST", path, body)
        response = requests.post(
            merchant.fake.url + path.lstrip("/"), data=body, headers={"Authorization": header}, timeout=5
        )
        assert 400 <= response.status_code < 500, (path, response.status_code)
        assert response.json()["code"] and response.json()["message"]
        assert merchant.verifies(response.headers, response.content)


HEADER_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=200)
SIGNED_FIELDS = 'mchid="{}",nonce_str="n",signature="{}",timestamp="1",serial_no="x"'


@given(
    header=HEADER_TEXT
    | st.just("WECHATPAY2-SHA256-RSA2048 ")
    | HEADER_TEXT.map(lambda text: "WECHATPAY2-SHA256-RSA2048 " + SIGNED_FIELDS.format(MCH_ID, text))
)
def test_hostile_authorization_headers_are_401_sign_error(public_key_pay, header):
    FUZZ_CASES.append(header)
    response = requests.get(
        public_key_pay.fake.url + f"v3/pay/transactions/out-trade-no/X1?mchid={MCH_ID}",
        headers={"Authorization": header.encode().decode("latin-1").strip()},  # sent as UTF-8 bytes
        timeout=5,
    )
    assert response.status_code == 401 and response.json()["code"] == "SIGN_ERROR"
