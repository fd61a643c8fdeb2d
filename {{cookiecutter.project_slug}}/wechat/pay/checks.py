# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""System checks for WeChat Pay (``manage.py check``): each misconfiguration said in one clear sentence."""

import datetime
from urllib.parse import urlsplit

from django.core import checks

from . import keys
from .conf import pay_settings

REQUIRED = ("MCH_ID", "API_V3_KEY", "PRIVATE_KEY_PATH", "CERT_SERIAL_NO", "NOTIFY_URL")


def error(message, hint, number):
    return checks.Error(message, hint=hint, id=f"wechat_pay.E{number:03d}")


def key_file_errors(load, number, hint):
    try:
        load()
    except keys.KeyFileError as exc:
        return [error(exc.message, hint, number)]
    return []


def any_pay_setting():
    names = REQUIRED + ("PUBLIC_KEY_ID", "PUBLIC_KEY_PATH", "PLATFORM_CERT_PATH")
    return any(getattr(pay_settings, name) for name in names)


@checks.register("wechat")
def check_pay_settings(app_configs, **kwargs):
    s = pay_settings
    if not any_pay_setting():
        return []  # not configured yet: the deploy check notes it, everyday commands stay quiet
    missing = [f"WECHAT_PAY_{name}" for name in REQUIRED if not getattr(s, name)]
    errors = []
    if missing:
        errors.append(
            error(
                f"WeChat Pay is partly configured: {', '.join(missing)} not set.",
                "Copy them from the merchant platform (商户平台 - 账户中心 - API安全); see .env.example.",
                1,
            )
        )
    if s.API_V3_KEY and len(s.API_V3_KEY.encode("utf-8")) != 32:
        errors.append(
            error(
                "WECHAT_PAY_API_V3_KEY is not 32 characters: notifications cannot be decrypted.",
                "Use the APIv3 key (APIv3密钥) set on the merchant platform, not the older API key.",
                2,
            )
        )
    if s.PRIVATE_KEY_PATH:
        errors += key_file_errors(
            keys.private_key, 3, "The merchant API certificate's private key, apiclient_key.pem (PEM, RSA)."
        )
    if bool(s.PUBLIC_KEY_ID) != bool(s.PUBLIC_KEY_PATH):
        errors.append(
            error(
                "WECHAT_PAY_PUBLIC_KEY_ID and WECHAT_PAY_PUBLIC_KEY_PATH go together: one is set without the other.",
                "Both are on the merchant platform (API安全 - 微信支付公钥): the ID (PUB_KEY_ID_...) and the file.",
                4,
            )
        )
    elif s.PUBLIC_KEY_PATH:
        errors += key_file_errors(keys.wechatpay_public_key, 5, "The WeChat Pay public key file (pub_key.pem).")
    if s.PLATFORM_CERT_PATH:
        errors += certificate_errors()
    if not (s.PUBLIC_KEY_PATH or s.PLATFORM_CERT_PATH):
        errors.append(
            error(
                "Neither a WeChat Pay public key nor platform certificates: no answer or notification can be verified.",
                "Set WECHAT_PAY_PUBLIC_KEY_ID and WECHAT_PAY_PUBLIC_KEY_PATH (or WECHAT_PAY_PLATFORM_CERT_PATH).",
                6,
            )
        )
    for name in ("NOTIFY_URL", "REFUND_NOTIFY_URL", "API_BASE_URL"):
        url = getattr(s, name)
        if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname):
            errors.append(error(f"WECHAT_PAY_{name} is not an http(s) URL: {url!r}.", "Use an absolute URL.", 7))
    return errors


def certificate_errors():
    try:
        certificates = keys.platform_certificates()
    except keys.KeyFileError as exc:
        return [error(exc.message, "A PEM file with WeChat Pay platform certificates (wechatpay_*.pem).", 8)]
    now = datetime.datetime.now(datetime.timezone.utc)
    valid = [cert for cert in certificates.values() if cert.not_valid_before_utc <= now <= cert.not_valid_after_utc]
    if not valid:
        return [
            error(
                "No platform certificate in WECHAT_PAY_PLATFORM_CERT_PATH is valid now: nothing can be verified.",
                "Download the current ones (GET /v3/certificates), or move to the WeChat Pay public key.",
                9,
            )
        ]
    soon = [cert for cert in valid if cert.not_valid_after_utc - now < datetime.timedelta(days=30)]
    if len(soon) == len(valid):
        return [
            checks.Warning(
                "Every platform certificate in WECHAT_PAY_PLATFORM_CERT_PATH expires within 30 days.",
                hint="Add the new certificate to the file, or move to the WeChat Pay public key (微信支付公钥).",
                id="wechat_pay.W001",
            )
        ]
    return []


@checks.register("wechat", deploy=True)
def check_pay_deploy(app_configs, **kwargs):
    if not any_pay_setting():
        return [
            checks.Info(
                "WeChat Pay is installed but not configured: creating an order answers 503 until it is.",
                hint="Set WECHAT_PAY_MCH_ID and the other WECHAT_PAY_* variables (.env.example). 配置微信支付商户信息",
                id="wechat_pay.I001",
            )
        ]
    errors = []
    for name in ("NOTIFY_URL", "REFUND_NOTIFY_URL", "API_BASE_URL"):
        url = getattr(pay_settings, name)
        if url and urlsplit(url).scheme != "https":
            errors.append(
                error(
                    f"WECHAT_PAY_{name} is not https in production: {url!r}.",
                    "WeChat Pay only calls https notification URLs, and only its own https API takes real payments.",
                    10,
                )
            )
    return errors
