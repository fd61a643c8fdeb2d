"""Every ``WECHAT_*`` setting, typed and with its default, in one place.

The rest of the package reads ``app_settings.TOKEN`` and never touches
``django.conf.settings`` directly (django-allauth's ``app_settings`` pattern).
A ``WECHAT_*`` value is read from the settings once and kept; changing a
setting (``override_settings`` in tests) forgets the kept values.
"""

from django.conf import settings
from django.core.signals import setting_changed

ENCRYPT_MODES = ("plain", "compatible", "safe")
STORE_OUTAGE_POLICIES = ("handle", "retry")


class WeChatSettings:
    def __init__(self):
        self._values = {}

    def _get(self, name, default):
        try:
            return self._values[name]
        except KeyError:
            value = self._values[name] = getattr(settings, "WECHAT_" + name, default)
            return value

    def forget(self, **kwargs):
        self._values.clear()

    @property
    def DEBUG(self):
        """Django's DEBUG (read when needed: only where it changes what a response says)."""
        return settings.DEBUG

    @property
    def APP_ID(self):
        """The official account's AppID (开发者ID)."""
        return self._get("APP_ID", "")

    @property
    def APP_SECRET(self):
        return self._get("APP_SECRET", "")

    @property
    def TOKEN(self):
        """The Token set on the server configuration page, used for signatures."""
        return self._get("TOKEN", "")

    @property
    def ENCODING_AES_KEY(self):
        """The 43-character EncodingAESKey; needed in compatible and safe modes."""
        return self._get("ENCODING_AES_KEY", "")

    @property
    def ENCRYPT_MODE(self):
        """``plain`` (明文), ``compatible`` (兼容) or ``safe`` (安全)."""
        return self._get("ENCRYPT_MODE", "plain")

    @property
    def TIMESTAMP_TOLERANCE(self):
        """Seconds a push may be early or late; 0 turns the check off."""
        return self._get("TIMESTAMP_TOLERANCE", 300)

    @property
    def API_BASE_URL(self):
        """Every server-to-server call goes here (the fake server in tests)."""
        return _with_slash(self._get("API_BASE_URL", "https://api.weixin.qq.com/"))

    @property
    def API_TIMEOUT(self):
        """Seconds any server-to-server call to WeChat may take (it answers well within one)."""
        return self._get("API_TIMEOUT", 2)

    @property
    def STABLE_TOKEN(self):
        """Use ``cgi-bin/stable_token`` (True) or the classic ``cgi-bin/token`` (False)."""
        return self._get("STABLE_TOKEN", True)

    @property
    def OPEN_BASE_URL(self):
        """Base of WeChat's web OAuth pages (the user's browser goes there)."""
        return _with_slash(self._get("OPEN_BASE_URL", "https://open.weixin.qq.com/"))

    @property
    def JSSDK_ALLOWED_HOSTS(self):
        """Hosts whose pages the JSSDK config may be signed for; ALLOWED_HOSTS by default."""
        return self._get("JSSDK_ALLOWED_HOSTS", None) or settings.ALLOWED_HOSTS

    @property
    def JSSDK_API_LIST(self):
        """``jsApiList`` sent with the JSSDK config (e.g. ["updateAppMessageShareData"])."""
        return self._get("JSSDK_API_LIST", [])

    # -- Mini program (settings without the WECHAT_ prefix, as their environment variables) --
    @property
    def MINIPROGRAM_APP_ID(self):
        return getattr(settings, "MINIPROGRAM_APP_ID", "")

    @property
    def MINIPROGRAM_APP_SECRET(self):
        return getattr(settings, "MINIPROGRAM_APP_SECRET", "")

    @property
    def JWT_SECRET_KEY(self):
        """Signs the mini program's JWTs. Never the Django SECRET_KEY: empty, no token is signed or accepted."""
        return getattr(settings, "JWT_SECRET_KEY", "")

    @property
    def JWT_ACCESS_TTL(self):
        return getattr(settings, "JWT_ACCESS_TTL", 7200)

    @property
    def JWT_REFRESH_TTL(self):
        return getattr(settings, "JWT_REFRESH_TTL", 30 * 24 * 3600)

    @property
    def JWT_ISSUER(self):
        return getattr(settings, "JWT_ISSUER", "wechat-django")

    @property
    def MINIPROGRAM_FAKE_LOGIN(self):
        """``/api/miniprogram/dev-login/`` for local work: needs DEBUG too."""
        return getattr(settings, "MINIPROGRAM_FAKE_LOGIN", False) and settings.DEBUG

    @property
    def MINIPROGRAM_SESSION_AGE(self):
        """Seconds ``request.wechat_session`` lives after its last save."""
        return getattr(settings, "MINIPROGRAM_SESSION_AGE", 30 * 24 * 3600)

    @property
    def REPLY_BUDGET(self):
        """Seconds a retry of a message still being handled waits for the first delivery's reply."""
        return self._get("REPLY_BUDGET", 4.0)

    @property
    def ON_STORE_OUTAGE(self):
        """When the shared store (dedup records) does not answer: ``handle`` the push anyway, a
        duplicate being possible, or ``retry``: answer 503 so that WeChat sends it again later."""
        return self._get("ON_STORE_OUTAGE", "handle")

    @property
    def CONTEXT_AGE(self):
        """Seconds a conversation context (``message.context``) lives after its last change."""
        return self._get("CONTEXT_AGE", 7200)

    @property
    def HANDLERS(self):
        """Modules (or packages, with all their modules) that register handlers."""
        return self._get("HANDLERS", ())

    @property
    def MAX_BODY_SIZE(self):
        """Largest push body accepted, in bytes (WeChat's are a few KB)."""
        return self._get("MAX_BODY_SIZE", 64 * 1024)

    @property
    def MESSAGE_LOG_DAYS(self):
        """Days the message log keeps each push (``wechat.messagelog``); 0 turns the log off."""
        return self._get("MESSAGE_LOG_DAYS", 30)

    @property
    def DEDUP_TTL(self):
        """How long a handled message's reply is kept for WeChat's retries."""
        return self._get("DEDUP_TTL", 300)


def _with_slash(url):
    return url if url.endswith("/") else url + "/"


app_settings = WeChatSettings()
setting_changed.connect(app_settings.forget)
