# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""The WeChat Pay API v3 side of the fake WeChat server (``FakeWeChat(pay=...)``).

An independent stand-in for api.mch.weixin.qq.com: it checks the merchant's request
signatures, signs its answers with a throwaway WeChat Pay key, keeps the orders and
refunds, and sends signed, AES-256-GCM encrypted notifications to the project over
real HTTP::

    keys = merchant_keys(tmp_path)
    merchant = FakePayMerchant("1900000001", api_v3_key, keys.public_key_pem, keys.serial_no, appids=("wx...",))
    with FakeWeChat(pay=merchant) as fake:          # pay_mode="platform_cert" for the older mode
        settings.WECHAT_PAY_API_BASE_URL = fake.url
        settings.WECHAT_PAY_PUBLIC_KEY_ID = fake.pay.public_key_id    # and fake.pay.public_key_pem
        ...
        fake.pay.pay(out_trade_no)                   # the user pays
        fake.pay.notify(out_trade_no, times=3, concurrent=True)   # -> [(status, body), ...]

Endpoints (the real v3 paths; every request must carry a valid ``WECHATPAY2-SHA256-RSA2048``
Authorization header, else 401 ``SIGN_ERROR``; every answer is signed: ``Wechatpay-Timestamp``,
``Wechatpay-Nonce``, ``Wechatpay-Signature``, ``Wechatpay-Serial``, ``Request-ID``):
``POST v3/pay/transactions/jsapi`` (prepay: ``{"prepay_id"}``),
``GET v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=`` (the order),
``POST v3/pay/transactions/out-trade-no/{out_trade_no}/close`` (204),
``POST v3/refund/domestic/refunds``, ``GET v3/refund/domestic/refunds/{out_refund_no}``,
``GET v3/certificates`` (platform-certificate mode: the certificate, encrypted with the APIv3 key).
``calls`` counts them by these path templates (e.g. ``calls["v3/pay/transactions/out-trade-no/{out_trade_no}"]``);
``fake.fail("v3/pay/transactions/jsapi", 500)`` (an HTTP status or a code such as ``"FREQUENCY_LIMITED"``)
makes the next call fail as WeChat Pay does.

Test controls (``fake.pay``): ``orders`` and ``refunds`` (the state kept), ``pay(out_trade_no)``,
``notify(out_trade_no, times=1, concurrent=False, forge=None, url=None)``, ``complete_refund(out_refund_no)``,
``refund_notify(out_refund_no, ...)``; ``notify_base`` rewrites the scheme and host of every notify_url
(e.g. to a test server's). ``forge`` is one of ``FORGERIES``: the notification is then forged that way,
and the fake's state is left alone: ``"signature"`` signed by another key under WeChat Pay's key id,
``"key_id"`` a ``Wechatpay-Serial`` the project does not know, ``"stale"`` a timestamp an hour old
(validly signed), ``"ciphertext"`` one byte of the ciphertext flipped (validly signed: only the GCM tag
fails), ``"amount"`` / ``"unknown_order"`` / ``"mchid"`` / ``"appid"`` a validly signed and encrypted
resource with that field changed (``"appid"`` does not apply to refunds).
An order given ``time_expire`` can no longer be paid after it (its state stays NOTPAY until closed).

For tests and ``manage.py wechat_fake_server --pay``: ``merchant_keys(directory)`` makes and writes a merchant
API key pair and serial (``.merchant(mch_id)`` is then a ``FakePayMerchant``); ``fake.pay.use_key_files(directory)``
keeps WeChat Pay's own key (and certificate) there across restarts.

The same over HTTP for the dev console (not counted in ``calls``), each a JSON POST:
``__fake__/pay/pay`` ``{"out_trade_no"}`` or ``{"prepay_id"}`` (or the ``package`` and ``paySign`` that
``wx.requestPayment`` receives: the signature is checked), ``__fake__/pay/notify``
``{"out_trade_no", "times", "concurrent", "forge", "url"}``, ``__fake__/pay/complete_refund``
``{"out_refund_no"}``, ``__fake__/pay/refund_notify`` (as notify, with ``out_refund_no``);
``GET __fake__/pay/orders`` lists the orders.
"""

import base64
import dataclasses
import datetime
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

SCHEME = "WECHATPAY2-SHA256-RSA2048"
TIMESTAMP_WINDOW = 300  # seconds a merchant request's timestamp may be off
STALE_AGE = 3600  # how old a notification forged "stale" is
FORGERIES = ("signature", "key_id", "stale", "ciphertext", "amount", "unknown_order", "mchid", "appid")
CHINA = datetime.timezone(datetime.timedelta(hours=8))
OUT_NO = re.compile(r"[0-9A-Za-z_\-|*@]{6,32}")
OUT_REFUND_NO = re.compile(r"[0-9A-Za-z_\-|*@]{1,64}")
# (method, path pattern) -> (the calls[] key, handler name)
ROUTES = [
    ("POST", r"v3/pay/transactions/jsapi", "v3/pay/transactions/jsapi", "prepay"),
    ("GET", r"v3/pay/transactions/out-trade-no/([^/]+)", "v3/pay/transactions/out-trade-no/{out_trade_no}", "query"),
    (
        "POST",
        r"v3/pay/transactions/out-trade-no/([^/]+)/close",
        "v3/pay/transactions/out-trade-no/{out_trade_no}/close",
        "close",
    ),
    ("POST", r"v3/refund/domestic/refunds", "v3/refund/domestic/refunds", "create_refund"),
    ("GET", r"v3/refund/domestic/refunds/([^/]+)", "v3/refund/domestic/refunds/{out_refund_no}", "query_refund"),
    ("GET", r"v3/certificates", "v3/certificates", "certificates"),
]
STATUS_CODES = {  # fail(path, status): the code WeChat Pay answers with it, and back
    400: "PARAM_ERROR",
    401: "SIGN_ERROR",
    403: "NO_AUTH",
    404: "RESOURCE_NOT_EXISTS",
    429: "FREQUENCY_LIMITED",
    500: "SYSTEM_ERROR",
    502: "BANK_ERROR",
    503: "SYSTEM_ERROR",
}
CODE_STATUSES = {"FREQUENCY_LIMITED": 429, "SYSTEM_ERROR": 500, "BANK_ERROR": 500, "SIGN_ERROR": 401}
EVENTS = {  # event_type -> (summary, original_type)
    "TRANSACTION.SUCCESS": ("支付成功", "transaction"),
    "REFUND.SUCCESS": ("退款成功", "refund"),
    "REFUND.ABNORMAL": ("退款异常", "refund"),
    "REFUND.CLOSED": ("退款关闭", "refund"),
}
TRADE_STATE_DESC = {"NOTPAY": "未支付", "SUCCESS": "支付成功", "CLOSED": "已关闭", "REFUND": "转入退款"}


class PayError(Exception):
    """An error answer of WeChat Pay: HTTP status, ``code`` and ``message``."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclasses.dataclass
class FakePayMerchant:
    """A merchant as WeChat Pay knows it: its id, APIv3 key, API certificate's public key and serial."""

    mch_id: str
    api_v3_key: str
    merchant_public_key_pem: str
    merchant_serial_no: str
    appids: tuple = ()  # the app ids bound to the merchant; empty: any

    def __post_init__(self):
        if len(self.api_v3_key.encode()) != 32:
            raise ValueError("api_v3_key: WeChat Pay's APIv3 key is 32 characters")
        self.public_key = serialization.load_pem_public_key(_bytes(self.merchant_public_key_pem))


@dataclasses.dataclass
class MerchantKeys:
    """A throwaway merchant API key pair: what ``merchant_keys()`` wrote."""

    private_key_path: Path
    public_key_path: Path
    private_key_pem: str
    public_key_pem: str
    serial_no: str

    def merchant(self, mch_id="1900000001", api_v3_key=None, appids=()):
        """The merchant these keys belong to, for ``FakeWeChat(pay=...)``."""
        return FakePayMerchant(mch_id, api_v3_key or new_api_v3_key(), self.public_key_pem, self.serial_no, appids)


def merchant_keys(directory, name="apiclient", reuse=False):
    """Make a merchant API key pair and certificate serial; write them as ``apiclient_key.pem`` etc.

    ``reuse``: keys already written in ``directory`` are read back instead of made anew.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    private_path, public_path = directory / f"{name}_key.pem", directory / f"{name}_public.pem"
    serial_path = directory / f"{name}_serial_no.txt"
    if reuse and private_path.exists() and serial_path.exists():
        key = serialization.load_pem_private_key(private_path.read_bytes(), None)
        serial_no = serial_path.read_text(encoding="ascii").strip()
    else:
        key, serial_no = new_rsa_key(), f"{x509.random_serial_number():040X}"[:40]
        private_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        private_path.chmod(0o600)
        serial_path.write_text(serial_no + "\n", encoding="ascii")
    public_pem = public_pem_of(key)
    public_path.write_text(public_pem, encoding="ascii")
    return MerchantKeys(private_path, public_path, private_path.read_text(encoding="ascii"), public_pem, serial_no)


def new_api_v3_key():
    return secrets.token_hex(16)  # 32 characters, as the merchant platform asks


def new_rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem_of(key):
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def sign(key, message):
    """Base64 RSA-SHA256 (PKCS#1 v1.5) signature of ``message`` (str or bytes)."""
    return base64.b64encode(key.sign(_bytes(message), padding.PKCS1v15(), hashes.SHA256())).decode()


def verify(public_key, message, signature):
    """True if ``signature`` (base64) signs ``message`` with ``public_key``."""
    try:
        public_key.verify(
            base64.b64decode(signature, validate=True), _bytes(message), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def encrypt(api_v3_key, plaintext, associated_data):
    """WeChat Pay's encrypted resource: AEAD_AES_256_GCM with the APIv3 key."""
    nonce = secrets.token_urlsafe(9)[:12]
    ciphertext = AESGCM(_bytes(api_v3_key)).encrypt(nonce.encode(), _bytes(plaintext), associated_data.encode())
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(ciphertext).decode(),
        "associated_data": associated_data,
        "nonce": nonce,
    }


def decrypt(api_v3_key, resource):
    """The plaintext of an encrypted resource (for tests of the fake)."""
    data = base64.b64decode(resource["ciphertext"])
    associated = (resource.get("associated_data") or "").encode()
    return AESGCM(_bytes(api_v3_key)).decrypt(resource["nonce"].encode(), data, associated).decode()


def authorization(mch_id, serial_no, private_key, method, url, body=b""):
    """A merchant's Authorization header for one request (what the project's client sends)."""
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    message = f"{method}\n{url}\n{timestamp}\n{nonce}\n".encode() + _bytes(body) + b"\n"
    signature = sign(private_key, message)
    return (
        f'{SCHEME} mchid="{mch_id}",nonce_str="{nonce}",signature="{signature}",'
        f'timestamp="{timestamp}",serial_no="{serial_no}"'
    )


def now_rfc3339(at=None):
    moment = datetime.datetime.fromtimestamp(at if at is not None else time.time(), CHINA)
    return moment.replace(microsecond=0).isoformat()


def _bytes(value):
    return value.encode("utf-8") if isinstance(value, str) else value


class FakePay:
    """WeChat Pay for one merchant: ``fake.pay`` of a ``FakeWeChat(pay=merchant)``."""

    def __init__(self, fake, merchant, mode="public_key"):
        if mode not in ("public_key", "platform_cert"):
            raise ValueError('pay_mode: "public_key" or "platform_cert"')
        self.fake = fake
        self.merchant = merchant
        self.mode = mode
        self.orders = {}  # out_trade_no -> order dict (see prepay)
        self.refunds = {}  # out_refund_no -> refund dict
        self.notify_base = None  # "http://127.0.0.1:8000/": replaces scheme and host of every notify_url
        self.notify_timeout = 10
        self.key = new_rsa_key()
        self.public_key_pem = public_pem_of(self.key)
        self.public_key_id = "PUB_KEY_ID_0112" + "".join(secrets.choice("0123456789") for _ in range(24))
        self.platform_cert_pem = None
        self.platform_serial = None
        if mode == "platform_cert":
            self.platform_cert = _self_signed(self.key, merchant.mch_id)
            self.platform_cert_pem = self.platform_cert.public_bytes(serialization.Encoding.PEM).decode()
            self.platform_serial = f"{self.platform_cert.serial_number:X}"
        self._forger = None

    @property
    def serial(self):
        """What ``Wechatpay-Serial`` names: the public key id, or the platform certificate's serial."""
        return self.platform_serial if self.mode == "platform_cert" else self.public_key_id

    def write_keys(self, directory):
        """Write the WeChat Pay public key (and the platform certificate) as PEM; their paths."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = {"public_key": directory / "wechatpay_public_key.pem"}
        paths["public_key"].write_text(self.public_key_pem, encoding="ascii")
        if self.platform_cert_pem:
            paths["platform_cert"] = directory / "wechatpay_platform_cert.pem"
            paths["platform_cert"].write_text(self.platform_cert_pem, encoding="ascii")
        return paths

    def use_key_files(self, directory):
        """Keep WeChat Pay's key (and certificate) in ``directory``: reused if there, else written.

        So a fake restarted by ``manage.py wechat_fake_server`` signs with the key the project's
        .env already names. Returns the paths: ``public_key`` (and ``platform_cert``).
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        key_path, id_path = directory / "wechatpay_private_key.pem", directory / "wechatpay_public_key_id.txt"
        cert_path = directory / "wechatpay_platform_cert.pem"
        if key_path.exists() and id_path.exists():
            self.key = serialization.load_pem_private_key(key_path.read_bytes(), None)
            self.public_key_pem = public_pem_of(self.key)
            self.public_key_id = id_path.read_text(encoding="ascii").strip()
        else:
            key_path.write_bytes(
                self.key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            )
            key_path.chmod(0o600)
            id_path.write_text(self.public_key_id + "\n", encoding="ascii")
        if self.mode == "platform_cert":
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes()) if cert_path.exists() else None
            if cert is None or cert.public_key() != self.key.public_key():
                cert = _self_signed(self.key, self.merchant.mch_id)
            self.platform_cert = cert
            self.platform_cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
            self.platform_serial = f"{cert.serial_number:X}"
        return self.write_keys(directory)

    # -- HTTP ---------------------------------------------------------------------
    def handle(self, method, raw_path, headers, body):
        """(status, headers, body bytes) for one request to ``v3/...`` or ``__fake__/pay/...``."""
        path = urlsplit(raw_path).path.strip("/")
        if path.startswith("__fake__/pay/"):
            return self._control(method, path.removeprefix("__fake__/pay/"), body)
        found = [(route, re.fullmatch(route[1], path)) for route in ROUTES if route[0] == method]
        found = [(route, match) for route, match in found if match]
        if not found:
            return self._signed(404, {"code": "NOT_FOUND", "message": f"fake WeChat Pay has no {method} /{path}"})
        ((_, _, key, name), match) = found[0]
        query = dict(parse_qsl(urlsplit(raw_path).query))
        with self.fake._lock:
            self.fake.calls[key] += 1
            try:
                self._take_failure(key)
                self._check_signature(method, raw_path, headers, body)
                data = self._json(body) if method == "POST" else {}
                status, answer = getattr(self, name)(*match.groups(), query=query, data=data)
            except PayError as error:
                status, answer = error.status, {"code": error.code, "message": error.message}
        return self._signed(status, answer)

    def _signed(self, status, answer, key=None, serial=None, timestamp=None):
        body = b"" if answer is None else json.dumps(answer, ensure_ascii=False).encode()
        return status, self.signature_headers(body, key=key, serial=serial, timestamp=timestamp), body

    def signature_headers(self, body, key=None, serial=None, timestamp=None):
        """The headers WeChat Pay signs an answer or a notification with (over timestamp, nonce, body)."""
        timestamp = str(int(timestamp if timestamp is not None else time.time()))
        nonce = secrets.token_hex(16)
        message = f"{timestamp}\n{nonce}\n".encode() + body + b"\n"
        headers = {
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": sign(key or self.key, message),
            "Wechatpay-Serial": serial or self.serial,
            "Wechatpay-Signature-Type": SCHEME,
            "Request-ID": str(uuid.uuid4()),
        }
        if body:
            headers["Content-Type"] = "application/json; charset=utf-8"
        return headers

    def _take_failure(self, key):
        failures = self.fake.failures[key]
        failure = failures.popleft() if failures else None
        if failure is None:
            return
        if isinstance(failure, int):
            raise PayError(failure, STATUS_CODES.get(failure, "SYSTEM_ERROR"), "fake failure 模拟的失败")
        raise PayError(CODE_STATUSES.get(failure, 400), failure, "fake failure 模拟的失败")

    def _check_signature(self, method, raw_path, headers, body):
        header = headers.get("Authorization") or ""
        scheme, _, rest = header.partition(" ")
        if scheme != SCHEME:
            raise PayError(401, "SIGN_ERROR", f"Authorization 缺失或认证类型不是 {SCHEME}")
        fields = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        missing = [
            name for name in ("mchid", "nonce_str", "signature", "timestamp", "serial_no") if not fields.get(name)
        ]
        if missing:
            raise PayError(401, "SIGN_ERROR", f"Authorization 缺少 {', '.join(missing)}")
        if fields["mchid"] != self.merchant.mch_id:
            raise PayError(401, "SIGN_ERROR", "商户号不存在或与签名不符 unknown mchid")
        if fields["serial_no"].upper() != self.merchant.merchant_serial_no.upper():
            raise PayError(401, "SIGN_ERROR", "商户证书序列号有误 unknown serial_no")
        if not fields["timestamp"].isdigit() or abs(time.time() - int(fields["timestamp"])) > TIMESTAMP_WINDOW:
            raise PayError(401, "SIGN_ERROR", "时间戳与当前时间相差过大 timestamp out of window")
        message = f"{method}\n{raw_path}\n{fields['timestamp']}\n{fields['nonce_str']}\n".encode() + body + b"\n"
        if not verify(self.merchant.public_key, message, fields["signature"]):
            raise PayError(401, "SIGN_ERROR", "签名错误 the signature does not verify")

    @staticmethod
    def _json(body):
        try:
            data = json.loads(body.decode("utf-8"))
        except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested too deep
            raise PayError(400, "PARAM_ERROR", "请求体不是合法的 JSON / the body is not JSON") from None
        if not isinstance(data, dict):
            raise PayError(400, "PARAM_ERROR", "请求体应为 JSON 对象 / the body must be a JSON object")
        return data

    # -- Orders -------------------------------------------------------------------
    def prepay(self, query, data):
        """JSAPI prepay: the order's fields checked as WeChat Pay does; ``{"prepay_id"}``."""
        fields = {name: _text(data, name) for name in ("appid", "mchid", "description", "out_trade_no", "notify_url")}
        self._check_mchid(fields["mchid"])
        if self.merchant.appids and fields["appid"] not in self.merchant.appids:
            raise PayError(400, "APPID_MCHID_NOT_MATCH", "appid 和 mch_id 不匹配")
        if len(fields["description"]) > 127:
            raise PayError(400, "PARAM_ERROR", "description 超过 127 个字符")
        if not OUT_NO.fullmatch(fields["out_trade_no"]):
            raise PayError(400, "PARAM_ERROR", "out_trade_no 应为 6-32 位字母、数字或 _-|*@")
        _check_notify_url(fields["notify_url"])
        total, currency = _amount(data, "total")
        payer = data.get("payer")
        openid = payer.get("openid") if isinstance(payer, dict) else None
        if not isinstance(openid, str) or not openid:
            raise PayError(400, "PARAM_ERROR", "缺少参数 payer.openid")
        attach = data.get("attach")
        if attach is not None and (not isinstance(attach, str) or len(attach) > 128):
            raise PayError(400, "PARAM_ERROR", "attach 应为不超过 128 个字符的字符串")
        expires_at = _time_expire(data.get("time_expire"))
        params = {**fields, "total": total, "currency": currency, "openid": openid, "attach": attach}
        order = self.orders.get(fields["out_trade_no"])
        if order is not None:
            if order["trade_state"] in ("SUCCESS", "REFUND"):
                raise PayError(403, "ORDERPAID", "该订单已支付")
            if order["trade_state"] == "CLOSED":
                raise PayError(400, "ORDER_CLOSED", "订单已关闭")
            if order["params"] != params:
                raise PayError(400, "INVALID_REQUEST", "201 商户订单号重复：与首次下单的参数不一致")
            return 200, {"prepay_id": order["prepay_id"]}
        order = {
            "params": params,
            "prepay_id": "wx" + time.strftime("%d%H%M%S") + secrets.token_hex(12),
            "trade_state": "NOTPAY",
            "transaction_id": None,
            "success_time": None,
            "refunded": 0,
            "created_at": time.time(),
            "expires_at": expires_at,  # time_expire as a Unix time, or None
            "notification_id": str(uuid.uuid4()),
        }
        self.orders[fields["out_trade_no"]] = order
        return 200, {"prepay_id": order["prepay_id"]}

    def query(self, out_trade_no, query, data):
        self._check_mchid(query.get("mchid"), where="query mchid")
        return 200, self.transaction(self._order(out_trade_no))

    def close(self, out_trade_no, query, data):
        self._check_mchid(data.get("mchid"))
        order = self._order(out_trade_no)
        if order["trade_state"] in ("SUCCESS", "REFUND"):
            raise PayError(400, "ORDERPAID", "订单已支付，不能关闭")
        order["trade_state"] = "CLOSED"
        return 204, None

    def transaction(self, order, trade_state=None):
        """The order as WeChat Pay describes it (query answer; a payment notification's resource)."""
        params = order["params"]
        state = trade_state or order["trade_state"]
        answer = {
            "appid": params["appid"],
            "mchid": params["mchid"],
            "out_trade_no": params["out_trade_no"],
            "trade_state": state,
            "trade_state_desc": TRADE_STATE_DESC[state],
            "amount": {"total": params["total"], "currency": params["currency"]},
        }
        if params.get("attach") is not None:
            answer["attach"] = params["attach"]
        if order["transaction_id"]:
            answer.update(
                transaction_id=order["transaction_id"],
                trade_type="JSAPI",
                bank_type="OTHERS",
                success_time=order["success_time"],
                payer={"openid": params["openid"]},
            )
            answer["amount"].update(payer_total=params["total"], payer_currency=params["currency"])
        return answer

    def _order(self, out_trade_no):
        order = self.orders.get(out_trade_no)
        if order is None:
            raise PayError(404, "ORDER_NOT_EXIST", "订单不存在")
        return order

    def _check_mchid(self, mchid, where="mchid"):
        if not mchid:
            raise PayError(400, "PARAM_ERROR", f"缺少参数 {where}")
        if mchid != self.merchant.mch_id:
            raise PayError(400, "INVALID_REQUEST", f"{where} 与发起请求的商户号不一致")

    # -- The user pays ------------------------------------------------------------
    def pay(self, out_trade_no=None, prepay_id=None):
        """The user pays the order (by out_trade_no or prepay_id): trade_state SUCCESS. The order."""
        with self.fake._lock:
            order = self._find(out_trade_no, prepay_id)
            if order["trade_state"] == "CLOSED":
                raise PayError(400, "ORDER_CLOSED", "订单已关闭，无法支付")
            if order["trade_state"] == "NOTPAY" and order["expires_at"] and order["expires_at"] <= time.time():
                raise PayError(400, "ORDER_CLOSED", "订单已过 time_expire，无法支付")
            if order["trade_state"] == "NOTPAY":
                order["trade_state"] = "SUCCESS"
                order["transaction_id"] = (
                    "42000" + time.strftime("%Y%m%d") + "".join(secrets.choice("0123456789") for _ in range(15))
                )
                order["success_time"] = now_rfc3339()
            return order

    def _find(self, out_trade_no=None, prepay_id=None):
        if out_trade_no is not None:
            return self._order(out_trade_no)
        for order in self.orders.values():
            if prepay_id and order["prepay_id"] == prepay_id:
                return order
        raise PayError(404, "ORDER_NOT_EXIST", "没有这个 prepay_id 的订单")

    def client_sign_ok(self, params):
        """True if ``wx.requestPayment``'s parameters carry a paySign made with the merchant's key."""
        message = "".join(f"{params.get(name, '')}\n" for name in ("appId", "timeStamp", "nonceStr", "package"))
        return params.get("signType") == "RSA" and verify(self.merchant.public_key, message, params.get("paySign", ""))

    # -- Notifications ------------------------------------------------------------
    def notify(self, out_trade_no, times=1, concurrent=False, forge=None, url=None):
        """POST the payment notification ``times`` times (at once with ``concurrent``); the answers.

        The order is paid first if it was not. Each delivery is freshly signed (same notification
        id, as WeChat's retries). ``forge`` (one of FORGERIES) forges it; the fake's state is unchanged.
        A list of (HTTP status, body text); status 0 when the project could not be reached.
        """
        if forge not in (None, *FORGERIES):
            raise ValueError(f"forge: one of {FORGERIES}")
        if forge is None:
            self.pay(out_trade_no)
        with self.fake._lock:
            order = self._order(out_trade_no)
            resource = self.transaction(order, trade_state="SUCCESS")
            if not order["transaction_id"]:  # forged for an unpaid order: as if paid
                resource.update(
                    transaction_id="4200000000" + secrets.token_hex(6),
                    success_time=now_rfc3339(),
                    payer={"openid": order["params"]["openid"]},
                )
            target = url or self._rewrite(order["params"]["notify_url"])
            notification_id = order["notification_id"]
        resource = _forge_resource(resource, forge, amount_field="total")
        return self._deliver(target, "TRANSACTION.SUCCESS", resource, notification_id, times, concurrent, forge)

    def _deliver(self, target, event_type, resource, notification_id, times, concurrent, forge):
        summary, original_type = EVENTS[event_type]
        plaintext = json.dumps(resource, ensure_ascii=False)
        encrypted = encrypt(self.merchant.api_v3_key, plaintext, original_type)
        if forge == "ciphertext":  # one byte of the ciphertext flipped: the GCM tag no longer matches
            raw = bytearray(base64.b64decode(encrypted["ciphertext"]))
            raw[len(raw) // 2] ^= 0x01
            encrypted["ciphertext"] = base64.b64encode(bytes(raw)).decode()
        body = json.dumps(
            {
                "id": notification_id,
                "create_time": now_rfc3339(),
                "resource_type": "encrypt-resource",
                "event_type": event_type,
                "summary": summary,
                "resource": {"original_type": original_type, **encrypted},
            },
            ensure_ascii=False,
        ).encode()

        def send():
            return self._post(target, body, self._notification_headers(body, forge))

        if not concurrent or times < 2:
            return [send() for _ in range(times)]
        barrier = threading.Barrier(times)
        answers = [None] * times

        def deliver(index):
            barrier.wait()
            answers[index] = send()

        threads = [threading.Thread(target=deliver, args=(index,)) for index in range(times)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return answers

    def _notification_headers(self, body, forge):
        if forge == "signature":  # signed by a key that is not WeChat Pay's, under its key id
            return self.signature_headers(body, key=self.forger_key)
        if forge == "key_id":  # a key id the project does not know (signed by the key it names, not ours)
            other = "PUB_KEY_ID_0112" + "9" * 24 if self.mode == "public_key" else "7" * 40
            return self.signature_headers(body, key=self.forger_key, serial=other)
        if forge == "stale":
            return self.signature_headers(body, timestamp=time.time() - STALE_AGE)
        return self.signature_headers(body)

    @property
    def forger_key(self):
        if self._forger is None:
            self._forger = new_rsa_key()
        return self._forger

    def _rewrite(self, url):
        if not self.notify_base:
            return url
        base, target = urlsplit(self.notify_base), urlsplit(url)
        path = base.path.rstrip("/") + target.path
        return urlunsplit((base.scheme, base.netloc, path, target.query, ""))

    def _post(self, url, body, headers):
        request = urllib.request.Request(url, data=body, method="POST")
        for name, value in {**headers, "User-Agent": "Mozilla/4.0 (fake WeChat Pay)", "Accept": "*/*"}.items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=self.notify_timeout) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError) as error:
            return 0, str(error)

    # -- Refunds ------------------------------------------------------------------
    def create_refund(self, query, data):
        """A refund of a paid order: bounded by what remains, idempotent on out_refund_no."""
        out_refund_no = _text(data, "out_refund_no")
        if not OUT_REFUND_NO.fullmatch(out_refund_no):
            raise PayError(400, "PARAM_ERROR", "out_refund_no 应为 1-64 位字母、数字或 _-|*@")
        if data.get("transaction_id"):
            order = next((o for o in self.orders.values() if o["transaction_id"] == data["transaction_id"]), None)
        else:
            order = self.orders.get(_text(data, "out_trade_no"))
        if order is None:
            raise PayError(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        amount = data.get("amount") if isinstance(data.get("amount"), dict) else {}
        refund_amount, currency = _amount({"amount": amount}, "refund")
        total, _ = _amount({"amount": amount}, "total")
        notify_url = data.get("notify_url")
        if notify_url is not None:
            _check_notify_url(notify_url)
        reason = data.get("reason") or ""
        params = {
            "out_trade_no": order["params"]["out_trade_no"],
            "refund": refund_amount,
            "total": total,
            "currency": currency,
            "reason": reason,
            "notify_url": notify_url,
        }
        existing = self.refunds.get(out_refund_no)
        if existing is not None:
            if existing["params"] != params:
                raise PayError(400, "INVALID_REQUEST", "商户退款单号重复：与首次申请的参数不一致")
            return 200, self.refund_view(existing)
        if order["trade_state"] not in ("SUCCESS", "REFUND"):
            raise PayError(400, "INVALID_REQUEST", "订单未支付，不能退款")
        if total != order["params"]["total"]:
            raise PayError(400, "PARAM_ERROR", "amount.total 与订单金额不一致")
        if refund_amount > order["params"]["total"] - order["refunded"]:
            raise PayError(400, "INVALID_REQUEST", "申请退款金额超过订单剩余可退金额")
        order["refunded"] += refund_amount
        order["trade_state"] = "REFUND"
        refund = {
            "params": params,
            "out_refund_no": out_refund_no,
            "refund_id": "50300" + "".join(secrets.choice("0123456789") for _ in range(24)),
            "status": "PROCESSING",
            "create_time": now_rfc3339(),
            "success_time": None,
            "notification_id": str(uuid.uuid4()),
        }
        self.refunds[out_refund_no] = refund
        return 200, self.refund_view(refund)

    def query_refund(self, out_refund_no, query, data):
        refund = self.refunds.get(out_refund_no)
        if refund is None:
            raise PayError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        return 200, self.refund_view(refund)

    def refund_view(self, refund):
        """The refund as WeChat Pay describes it (create and query answers)."""
        params = refund["params"]
        order = self.orders[params["out_trade_no"]]
        answer = {
            "refund_id": refund["refund_id"],
            "out_refund_no": refund["out_refund_no"],
            "transaction_id": order["transaction_id"],
            "out_trade_no": params["out_trade_no"],
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": refund["create_time"],
            "status": refund["status"],
            "funds_account": "AVAILABLE",
            "amount": {
                "total": params["total"],
                "refund": params["refund"],
                "payer_total": params["total"],
                "payer_refund": params["refund"],
                "settlement_total": params["total"],
                "settlement_refund": params["refund"],
                "discount_refund": 0,
                "currency": params["currency"],
            },
        }
        if refund["success_time"]:
            answer["success_time"] = refund["success_time"]
        return answer

    def complete_refund(self, out_refund_no, status="SUCCESS"):
        """WeChat Pay finishes the refund: SUCCESS (or ABNORMAL, CLOSED). The refund."""
        if status not in ("SUCCESS", "ABNORMAL", "CLOSED"):
            raise ValueError("status: SUCCESS, ABNORMAL or CLOSED")
        with self.fake._lock:
            refund = self.refunds.get(out_refund_no)
            if refund is None:
                raise PayError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
            if refund["status"] == "PROCESSING":
                refund["status"] = status
                if status == "SUCCESS":
                    refund["success_time"] = now_rfc3339()
                else:  # the money goes back to the order
                    order = self.orders[refund["params"]["out_trade_no"]]
                    order["refunded"] -= refund["params"]["refund"]
            return refund

    def refund_notify(self, out_refund_no, times=1, concurrent=False, forge=None, url=None):
        """POST the refund's notification (REFUND.SUCCESS etc.) as ``notify()`` does; the answers.

        A refund still PROCESSING is completed (SUCCESS) first. ``forge``: as for ``notify()``, but
        "appid" does not apply (a refund notification has none).
        """
        if forge not in (None, *FORGERIES) or forge == "appid":
            raise ValueError(f"forge: one of {[name for name in FORGERIES if name != 'appid']}")
        refund = self.complete_refund(out_refund_no) if forge is None else None
        with self.fake._lock:
            refund = refund or self.refunds[out_refund_no]
            order = self.orders[refund["params"]["out_trade_no"]]
            params = refund["params"]
            status = refund["status"] if refund["status"] != "PROCESSING" else "SUCCESS"
            resource = {
                "mchid": self.merchant.mch_id,
                "out_trade_no": params["out_trade_no"],
                "transaction_id": order["transaction_id"],
                "out_refund_no": refund["out_refund_no"],
                "refund_id": refund["refund_id"],
                "refund_status": status,
                "user_received_account": "支付用户零钱",
                "amount": {
                    "total": params["total"],
                    "refund": params["refund"],
                    "payer_total": params["total"],
                    "payer_refund": params["refund"],
                },
            }
            if status == "SUCCESS":
                resource["success_time"] = refund["success_time"] or now_rfc3339()
            target = url or (params["notify_url"] and self._rewrite(params["notify_url"]))
            notification_id = refund["notification_id"]
        if not target:
            raise ValueError("the refund was asked without notify_url: pass url=")
        resource = _forge_resource(resource, forge, amount_field="refund")
        return self._deliver(target, f"REFUND.{status}", resource, notification_id, times, concurrent, forge)

    # -- Platform certificates ----------------------------------------------------
    def certificates(self, query, data):
        """GET v3/certificates: the platform certificate, encrypted with the APIv3 key."""
        if self.mode != "platform_cert":
            raise PayError(404, "RESOURCE_NOT_EXISTS", "商户未使用平台证书，请使用微信支付公钥验签")
        cert = self.platform_cert
        return 200, {
            "data": [
                {
                    "serial_no": self.platform_serial,
                    "effective_time": now_rfc3339(cert.not_valid_before_utc.timestamp()),
                    "expire_time": now_rfc3339(cert.not_valid_after_utc.timestamp()),
                    "encrypt_certificate": encrypt(self.merchant.api_v3_key, self.platform_cert_pem, "certificate"),
                }
            ]
        }

    # -- HTTP controls (the dev console) ------------------------------------------
    def _control(self, method, action, body):
        def answer(status, data):
            payload = json.dumps(data, ensure_ascii=False).encode()
            return status, {"Content-Type": "application/json; charset=utf-8"}, payload

        if method == "GET" and action == "orders":
            with self.fake._lock:
                orders = [self.transaction(order) for order in self.orders.values()]
            return answer(200, {"orders": orders})
        if method != "POST" or action not in ("pay", "notify", "complete_refund", "refund_notify"):
            return answer(404, {"error": f"no {method} /__fake__/pay/{action}"})
        try:
            data = self._json(body)
            return answer(200, self._run_control(action, data))
        except PayError as error:
            return answer(error.status, {"error": error.message, "code": error.code})
        except (ValueError, TypeError) as error:
            return answer(400, {"error": str(error)})

    def _run_control(self, action, data):
        def option(name, kind, default=None):
            value = data.get(name, default)
            if value is not None and not isinstance(value, kind):
                raise ValueError(f"{name}: expected {kind.__name__}")
            return value

        if action == "pay":
            prepay_id = option("prepay_id", str) or (option("package", str) or "").removeprefix("prepay_id=") or None
            if "paySign" in data and not self.client_sign_ok(data):
                raise PayError(400, "SIGN_ERROR", "paySign 验证失败：wx.requestPayment 会拒绝这些参数")
            order = self.pay(option("out_trade_no", str), prepay_id)
            with self.fake._lock:
                return self.transaction(order)
        times = option("times", int, 1)
        if not 1 <= times <= 20:
            raise ValueError("times: 1 to 20")
        options = {"times": times, "concurrent": bool(data.get("concurrent")), "url": option("url", str)}
        options["forge"] = option("forge", str)
        if action == "notify":
            answers = self.notify(option("out_trade_no", str) or "", **options)
        elif action == "refund_notify":
            answers = self.refund_notify(option("out_refund_no", str) or "", **options)
        else:
            refund = self.complete_refund(option("out_refund_no", str) or "")
            with self.fake._lock:
                return self.refund_view(refund)
        return {"answers": [{"status": status, "body": text} for status, text in answers]}


def _forge_resource(resource, forge, amount_field):
    resource = json.loads(json.dumps(resource))
    if forge == "amount":
        resource["amount"][amount_field] += 1
        if "payer_" + amount_field in resource["amount"]:
            resource["amount"]["payer_" + amount_field] += 1
    elif forge == "unknown_order":
        resource["out_trade_no"] = "UNKNOWN" + secrets.token_hex(8)
        if "out_refund_no" in resource:
            resource["out_refund_no"] = "UNKNOWN" + secrets.token_hex(8)
    elif forge == "mchid":
        resource["mchid"] = str(int(resource["mchid"]) + 1) if resource["mchid"].isdigit() else "1900000009"
    elif forge == "appid":
        resource["appid"] = "wx" + secrets.token_hex(8)
    return resource


def _text(data, name):
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise PayError(400, "PARAM_ERROR", f"缺少参数 {name}（字符串）")
    return value


def _amount(data, field):
    """(amount in fen, currency) from ``data["amount"]``: a positive integer, currency CNY."""
    amount = data.get("amount")
    value = amount.get(field) if isinstance(amount, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise PayError(400, "PARAM_ERROR", f"amount.{field} 应为大于 0 的整数（分）")
    currency = amount.get("currency", "CNY")
    if currency != "CNY":
        raise PayError(400, "PARAM_ERROR", "amount.currency 只支持 CNY")
    return value, currency


def _time_expire(value):
    """time_expire (RFC 3339 with an offset, in the future) as a Unix time; None if not given."""
    if value is None:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise PayError(400, "PARAM_ERROR", "time_expire 应为 RFC 3339 时间，如 2024-06-08T10:34:56+08:00")
    if moment.timestamp() <= time.time():
        raise PayError(400, "PARAM_ERROR", "time_expire 已过")
    return moment.timestamp()


def _check_notify_url(url):
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme != "https" or not parts.netloc or parts.query:
        raise PayError(400, "PARAM_ERROR", "notify_url 应为不带查询串的 https 地址")


def _self_signed(key, mch_id):
    """A platform certificate as WeChat Pay issues one: self-signed here, five years."""
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tenpay.com"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"Tenpay.com Root CA (fake, for {mch_id})"),
        ]
    )
    now = datetime.datetime.now(datetime.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=5 * 365))
        .sign(key, hashes.SHA256())
    )
