# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Every setting the ``wechat`` app reads, typed, with its default from ``wechat.defaults``.

The rest of the package reads ``app_settings.TOKEN`` and never touches
``django.conf.settings`` directly (django-allauth's ``app_settings`` pattern).
A ``WECHAT_*`` value is read from the settings once and kept; changing a
setting (``override_settings`` in tests) forgets the kept values.
"""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

from . import defaults

ENCRYPT_MODES = ("plain", "compatible", "safe")
STORE_OUTAGE_POLICIES = ("handle", "retry")


class WeChatSettings:
    def __init__(self) -> None:
        self._values: dict[str, Any] = {}

    def _get(self, name: str, default: Any) -> Any:
        try:
            return self._values[name]
        except KeyError:
            value = self._values[name] = getattr(settings, "WECHAT_" + name, default)
            return value

    def forget(self, **kwargs: Any) -> None:
        self._values.clear()

    @property
    def DEBUG(self) -> bool:
        """Django's DEBUG (read when needed: only where it changes what a response says)."""
        return settings.DEBUG

    @property
    def APP_ID(self) -> str:
        """The official account's AppID (开发者ID)."""
        return self._get("APP_ID", defaults.APP_ID)

    @property
    def APP_SECRET(self) -> str:
        return self._get("APP_SECRET", defaults.APP_SECRET)

    @property
    def TOKEN(self) -> str:
        """The Token set on the server configuration page, used for signatures."""
        return self._get("TOKEN", defaults.TOKEN)

    @property
    def ENCODING_AES_KEY(self) -> str:
        """The 43-character EncodingAESKey; needed in compatible and safe modes."""
        return self._get("ENCODING_AES_KEY", defaults.ENCODING_AES_KEY)

    @property
    def ENCRYPT_MODE(self) -> str:
        """``plain`` (明文), ``compatible`` (兼容) or ``safe`` (安全)."""
        return self._get("ENCRYPT_MODE", defaults.ENCRYPT_MODE)

    @property
    def TIMESTAMP_TOLERANCE(self) -> int:
        """Seconds a push may be early or late; 0 turns the check off."""
        return self._get("TIMESTAMP_TOLERANCE", defaults.TIMESTAMP_TOLERANCE)

    @property
    def API_BASE_URL(self) -> str:
        """Every server-to-server call goes here (the fake server in tests)."""
        return _with_slash(self._get("API_BASE_URL", defaults.API_BASE_URL))

    @property
    def API_TIMEOUT(self) -> float:
        """Seconds any server-to-server call to WeChat may take (it answers well within one)."""
        return self._get("API_TIMEOUT", defaults.API_TIMEOUT)

    @property
    def STABLE_TOKEN(self) -> bool:
        """Use ``cgi-bin/stable_token`` (True) or the classic ``cgi-bin/token`` (False)."""
        return self._get("STABLE_TOKEN", defaults.STABLE_TOKEN)

    @property
    def OPEN_BASE_URL(self) -> str:
        """Base of WeChat's web OAuth pages (the user's browser goes there)."""
        return _with_slash(self._get("OPEN_BASE_URL", defaults.OPEN_BASE_URL))

    @property
    def JSSDK_ALLOWED_HOSTS(self) -> Sequence[str]:
        """Hosts whose pages the JSSDK config may be signed for; ALLOWED_HOSTS by default."""
        return self._get("JSSDK_ALLOWED_HOSTS", defaults.JSSDK_ALLOWED_HOSTS) or settings.ALLOWED_HOSTS

    @property
    def JSSDK_API_LIST(self) -> Sequence[str]:
        """``jsApiList`` sent with the JSSDK config (e.g. ["updateAppMessageShareData"])."""
        return self._get("JSSDK_API_LIST", defaults.JSSDK_API_LIST)

    # -- Mini program (settings without the WECHAT_ prefix, as their environment variables) --
    @property
    def MINIPROGRAM_APP_ID(self) -> str:
        return getattr(settings, "MINIPROGRAM_APP_ID", defaults.MINIPROGRAM_APP_ID)

    @property
    def MINIPROGRAM_APP_SECRET(self) -> str:
        return getattr(settings, "MINIPROGRAM_APP_SECRET", defaults.MINIPROGRAM_APP_SECRET)

    @property
    def JWT_SECRET_KEY(self) -> str:
        """Signs the mini program's JWTs. Never the Django SECRET_KEY: empty, no token is signed or accepted."""
        return getattr(settings, "JWT_SECRET_KEY", defaults.JWT_SECRET_KEY)

    @property
    def JWT_ACCESS_TTL(self) -> int:
        return getattr(settings, "JWT_ACCESS_TTL", defaults.JWT_ACCESS_TTL)

    @property
    def JWT_REFRESH_TTL(self) -> int:
        return getattr(settings, "JWT_REFRESH_TTL", defaults.JWT_REFRESH_TTL)

    @property
    def JWT_ISSUER(self) -> str:
        return getattr(settings, "JWT_ISSUER", defaults.JWT_ISSUER)

    @property
    def MINIPROGRAM_FAKE_LOGIN(self) -> bool:
        """``/api/miniprogram/dev-login/`` for local work: needs DEBUG too."""
        return getattr(settings, "MINIPROGRAM_FAKE_LOGIN", defaults.MINIPROGRAM_FAKE_LOGIN) and settings.DEBUG

    @property
    def MINIPROGRAM_SESSION_AGE(self) -> int:
        """Seconds ``request.wechat_session`` lives after its last save."""
        return getattr(settings, "MINIPROGRAM_SESSION_AGE", defaults.MINIPROGRAM_SESSION_AGE)

    @property
    def REPLY_BUDGET(self) -> float:
        """Seconds a retry of a message still being handled waits for the first delivery's reply."""
        return self._get("REPLY_BUDGET", defaults.REPLY_BUDGET)

    @property
    def ON_STORE_OUTAGE(self) -> str:
        """When the shared store (dedup records) does not answer: ``handle`` the push anyway, a
        duplicate being possible, or ``retry``: answer 503 so that WeChat sends it again later."""
        return self._get("ON_STORE_OUTAGE", defaults.ON_STORE_OUTAGE)

    @property
    def CONTEXT_AGE(self) -> int:
        """Seconds a conversation context (``message.context``) lives after its last change."""
        return self._get("CONTEXT_AGE", defaults.CONTEXT_AGE)

    @property
    def HANDLERS(self) -> Sequence[str]:
        """Modules (or packages, with all their modules) that register handlers."""
        return self._get("HANDLERS", defaults.HANDLERS)

    @property
    def MAX_BODY_SIZE(self) -> int:
        """Largest push body accepted, in bytes (WeChat's are a few KB)."""
        return self._get("MAX_BODY_SIZE", defaults.MAX_BODY_SIZE)

    @property
    def MESSAGE_LOG_DAYS(self) -> int:
        """Days the message log keeps each push (``wechat.messagelog``); 0 turns the log off."""
        return self._get("MESSAGE_LOG_DAYS", defaults.MESSAGE_LOG_DAYS)

    @property
    def DEDUP_TTL(self) -> int:
        """How long a handled message's reply is kept for WeChat's retries."""
        return self._get("DEDUP_TTL", defaults.DEDUP_TTL)


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


app_settings = WeChatSettings()
setting_changed.connect(app_settings.forget)
