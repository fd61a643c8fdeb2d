# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""The keys: the merchant's private key signs, WeChat Pay's public key or platform certificates verify.

All the cryptography is the ``cryptography`` package's: RSA PKCS#1 v1.5 with SHA-256 for the
``WECHATPAY2-SHA256-RSA2048`` signatures, AES-256-GCM (``AESGCM``) with the APIv3 key for the
notifications' ``resource``. Key files are read once and read again when they change on disk.

A signature names its key by ``Wechatpay-Serial``: the public key's ID (``PUB_KEY_ID_...``) in
public-key mode, a platform certificate's serial number (hex) otherwise. Both may be configured while
WeChat Pay moves a merchant from one to the other.
"""

import base64
import binascii
import datetime
import os
import secrets
import time

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .conf import pay_settings
from .errors import NotConfigured

_loaded = {}  # (kind, path) -> ((mtime_ns, size), value)


class KeyFileError(NotConfigured):
    """A key file that is missing, unreadable or not the kind of key expected."""


def _read(kind, path, parse):
    if not path:
        raise KeyFileError(f"{kind}: no file configured")
    try:
        stat = os.stat(path)
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = _loaded.get((kind, path))
        if cached is not None and cached[0] == stamp:
            return cached[1]
        with open(path, "rb") as file:
            data = file.read()
    except OSError as exc:
        raise KeyFileError(f"{kind}: cannot read {path} ({exc.strerror or exc})") from exc
    try:
        value = parse(data)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"{kind}: {path} is not a valid PEM file of that kind ({exc})") from exc
    _loaded[(kind, path)] = (stamp, value)
    return value


def _rsa_private_key(data):
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def _rsa_public_key(data):
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def _certificates(data):
    certificates = x509.load_pem_x509_certificates(data)
    for certificate in certificates:
        if not isinstance(certificate.public_key(), rsa.RSAPublicKey):
            raise ValueError("a certificate whose key is not RSA")
    return {certificate.serial_number: certificate for certificate in certificates}


def private_key():
    """The merchant API private key (WECHAT_PAY_PRIVATE_KEY_PATH)."""
    return _read("WECHAT_PAY_PRIVATE_KEY_PATH", pay_settings.PRIVATE_KEY_PATH, _rsa_private_key)


def wechatpay_public_key():
    """WeChat Pay's public key (WECHAT_PAY_PUBLIC_KEY_PATH), public-key mode."""
    return _read("WECHAT_PAY_PUBLIC_KEY_PATH", pay_settings.PUBLIC_KEY_PATH, _rsa_public_key)


def platform_certificates():
    """{serial number (int): certificate} from WECHAT_PAY_PLATFORM_CERT_PATH, or {} when not set."""
    if not pay_settings.PLATFORM_CERT_PATH:
        return {}
    return _read("WECHAT_PAY_PLATFORM_CERT_PATH", pay_settings.PLATFORM_CERT_PATH, _certificates)


def serial_text(serial_number):
    """A certificate's serial number as WeChat Pay writes it: upper-case hex."""
    return format(serial_number, "X")


def verifying_key(serial):
    """The public key ``Wechatpay-Serial`` names, or None for a key this project does not know."""
    if not serial:
        return None
    if pay_settings.PUBLIC_KEY_ID and serial == pay_settings.PUBLIC_KEY_ID:
        return wechatpay_public_key()
    if len(serial) > 64 or not all(c in "0123456789abcdefABCDEF" for c in serial):
        return None
    certificate = platform_certificates().get(int(serial, 16))
    if certificate is None:
        return None
    now = datetime.datetime.now(datetime.timezone.utc)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        return None  # an expired certificate signs nothing any more
    return certificate.public_key()


def request_serial():
    """What this project sends as ``Wechatpay-Serial``: the key it expects WeChat Pay's answers signed with."""
    if pay_settings.PUBLIC_KEY_ID:
        return pay_settings.PUBLIC_KEY_ID
    certificates = platform_certificates()
    if certificates:
        newest = max(certificates.values(), key=lambda certificate: certificate.not_valid_after_utc)
        return serial_text(newest.serial_number)
    return ""


def sign(message):
    """Base64 of the merchant's RSA-SHA256 (PKCS#1 v1.5) signature of ``message`` (a str)."""
    signature = private_key().sign(message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def signed_message(*parts):
    """WeChat Pay's signed text: each part followed by a newline."""
    return "".join(f"{part}\n" for part in parts)


def verify(serial, timestamp, nonce, body, signature):
    """Whether ``signature`` (base64) is WeChat Pay's over ``timestamp\\nnonce\\nbody\\n``.

    ``body`` is the raw bytes as received, never re-encoded. Raises ``KeyFileError`` when the key
    the serial names cannot be read; returns False for an unknown serial or a wrong signature.
    """
    key = verifying_key(serial)
    if key is None:
        return False
    try:
        raw_signature = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    message = timestamp.encode("utf-8", "replace") + b"\n" + nonce.encode("utf-8", "replace") + b"\n"
    try:
        key.verify(raw_signature, message + body + b"\n", padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


class DecryptionError(ValueError):
    pass


def decrypt(resource):
    """The plaintext (bytes) of a notification's ``resource``, AEAD_AES_256_GCM with the APIv3 key."""
    key = pay_settings.API_V3_KEY.encode("utf-8")
    if len(key) != 32:
        raise NotConfigured("WECHAT_PAY_API_V3_KEY must be the 32-character APIv3 key")
    try:
        if resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise DecryptionError(f"unsupported algorithm {resource.get('algorithm')!r}")
        nonce = resource["nonce"].encode("utf-8")
        ciphertext = base64.b64decode(resource["ciphertext"], validate=True)
        associated_data = (resource.get("associated_data") or "").encode("utf-8")
        return AESGCM(key).decrypt(nonce, ciphertext, associated_data or None)
    except DecryptionError:
        raise
    except (InvalidTag, KeyError, TypeError, ValueError, AttributeError, binascii.Error) as exc:
        raise DecryptionError("the resource does not decrypt with the APIv3 key") from exc


def nonce():
    """32 random characters: the nonces of requests and of the client's payment parameters."""
    return secrets.token_hex(16)


def timestamp():
    return str(int(time.time()))
