# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Every ``WECHAT_PAY_*`` setting, typed, with its one default.

The settings module reads the environment variables (``WECHAT_PAY_MCH_ID = env.str(...)``) and takes its
defaults from the constants below; the rest of ``wechat.pay`` reads ``pay_settings.MCH_ID`` and never
``django.conf.settings`` directly. Values are read on each use, so ``override_settings`` works in tests.
"""

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

API_BASE_URL = "https://api.mch.weixin.qq.com/"
TIMEOUT = 3.0  # seconds per call to WeChat Pay: well under the 5 s WeChat gives a notification or a user waits
QUERY_AFTER = 300  # seconds after which an unpaid order is queried from WeChat Pay
ORDER_TTL = 1800  # seconds an order may be paid in (time_expire)
NOTIFY_TOLERANCE = 300  # seconds a notification's Wechatpay-Timestamp may be off
REFUND_NOTIFY_PATH = "/wechat/pay/refund-notify/"


class PaySettings:
    def _get(self, name, default):
        value = getattr(settings, "WECHAT_PAY_" + name, default)
        return default if value is None else value

    @property
    def MCH_ID(self):
        """The merchant ID (商户号)."""
        return str(self._get("MCH_ID", ""))

    @property
    def API_V3_KEY(self):
        """The 32-character APIv3 key: decrypts notifications (AES-256-GCM)."""
        return str(self._get("API_V3_KEY", ""))

    @property
    def PRIVATE_KEY_PATH(self):
        """The merchant API certificate's private key (apiclient_key.pem): signs every request."""
        return str(self._get("PRIVATE_KEY_PATH", ""))

    @property
    def CERT_SERIAL_NO(self):
        """The merchant API certificate's serial number, named in every request's Authorization."""
        return str(self._get("CERT_SERIAL_NO", ""))

    @property
    def PUBLIC_KEY_ID(self):
        """The WeChat Pay public key's ID (``PUB_KEY_ID_...``), public-key mode."""
        return str(self._get("PUBLIC_KEY_ID", ""))

    @property
    def PUBLIC_KEY_PATH(self):
        return str(self._get("PUBLIC_KEY_PATH", ""))

    @property
    def PLATFORM_CERT_PATH(self):
        """PEM file with one or more WeChat Pay platform certificates (the older mode)."""
        return str(self._get("PLATFORM_CERT_PATH", ""))

    @property
    def NOTIFY_URL(self):
        return str(self._get("NOTIFY_URL", ""))

    @property
    def REFUND_NOTIFY_URL(self):
        """WECHAT_PAY_REFUND_NOTIFY_URL, or the notify URL's host with ``/wechat/pay/refund-notify/``."""
        url = str(self._get("REFUND_NOTIFY_URL", ""))
        if url or not self.NOTIFY_URL:
            return url
        parts = urlsplit(self.NOTIFY_URL)
        return urlunsplit((parts.scheme, parts.netloc, REFUND_NOTIFY_PATH, "", ""))

    @property
    def API_BASE_URL(self):
        url = str(self._get("API_BASE_URL", API_BASE_URL)) or API_BASE_URL
        return url if url.endswith("/") else url + "/"

    @property
    def TIMEOUT(self):
        return float(self._get("TIMEOUT", TIMEOUT))

    @property
    def QUERY_AFTER(self):
        return int(self._get("QUERY_AFTER", QUERY_AFTER))

    @property
    def ORDER_TTL(self):
        return int(self._get("ORDER_TTL", ORDER_TTL))

    @property
    def NOTIFY_TOLERANCE(self):
        return int(self._get("NOTIFY_TOLERANCE", NOTIFY_TOLERANCE))

    @property
    def configured(self):
        """Enough to take money: the merchant, its key and serial, a way to verify WeChat Pay, a notify URL."""
        return bool(
            self.MCH_ID
            and self.API_V3_KEY
            and self.PRIVATE_KEY_PATH
            and self.CERT_SERIAL_NO
            and self.NOTIFY_URL
            and ((self.PUBLIC_KEY_ID and self.PUBLIC_KEY_PATH) or self.PLATFORM_CERT_PATH)
        )


pay_settings = PaySettings()
