# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""System checks for WeChat settings (``manage.py check``)."""

import base64
import binascii

from django.conf import settings
from django.core import checks

from .conf import ENCRYPT_MODES, STORE_OUTAGE_POLICIES, app_settings


def valid_aes_key(key):
    if len(key) != 43:
        return False
    try:
        return len(base64.b64decode(key + "=", validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


@checks.register("wechat")
def check_webhook_settings(app_configs, **kwargs):
    errors = []
    mode = app_settings.ENCRYPT_MODE
    if mode not in ENCRYPT_MODES:
        errors.append(
            checks.Error(
                f"WECHAT_ENCRYPT_MODE is {mode!r}.",
                hint="Use plain (明文), compatible (兼容) or safe (安全), as on the WeChat server configuration page.",
                id="wechat.E001",
            )
        )
    elif mode != "plain" and not valid_aes_key(app_settings.ENCODING_AES_KEY):
        errors.append(
            checks.Error(
                f"WECHAT_ENCRYPT_MODE is {mode} but WECHAT_ENCODING_AES_KEY is not a 43-character EncodingAESKey.",
                hint="Copy the EncodingAESKey from the WeChat server configuration page.",
                id="wechat.E002",
            )
        )
    if app_settings.ON_STORE_OUTAGE not in STORE_OUTAGE_POLICIES:
        errors.append(
            checks.Error(
                f"WECHAT_ON_STORE_OUTAGE is {app_settings.ON_STORE_OUTAGE!r}.",
                hint="Use handle (answer pushes without dedup while the store is down) or retry (answer 503).",
                id="wechat.E004",
            )
        )
    if not app_settings.TOKEN:
        errors.append(
            checks.Warning(
                "WECHAT_TOKEN is empty: WeChat's pushes cannot be verified.",
                hint="Set it to the Token of the WeChat server configuration page.",
                id="wechat.W001",
            )
        )
    return errors


PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@checks.register("wechat")
def check_shared_cache(app_configs, **kwargs):
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if (app_settings.APP_ID or app_settings.MINIPROGRAM_APP_ID) and backend in PER_PROCESS_CACHES:
        return [
            checks.Warning(
                f"The default cache ({backend.rsplit('.', 1)[-1]}) is private to each process: every worker would "
                "fetch its own access_token (invalidating the others') and miss the others' dedup records.",
                hint="Use CACHE_URL=dbcache://wechat_cache (the default) or redis://...",
                id="wechat.W003",
            )
        ]
    return []


UNSAFE_MODES = {
    "plain": "messages travel unencrypted and their bodies are not signed",
    "compatible": "the webhook still accepts unencrypted bodies, which are not signed",
}


@checks.register("wechat", deploy=True)
def check_deploy_settings(app_configs, **kwargs):
    mode = app_settings.ENCRYPT_MODE
    if mode in UNSAFE_MODES:
        return [
            checks.Warning(
                f"WECHAT_ENCRYPT_MODE is {mode}: {UNSAFE_MODES[mode]}, so a push can be altered on its way.",
                hint="Use safe mode (安全模式) in production and set WECHAT_ENCODING_AES_KEY.",
                id="wechat.W002",
            )
        ]
    return []


@checks.register("wechat")
def check_jwt_key(app_configs, **kwargs):
    # Projects with a mini program have these settings; the JWT key never falls back to SECRET_KEY.
    has_mini_program = hasattr(settings, "JWT_SECRET_KEY") or hasattr(settings, "MINIPROGRAM_APP_ID")
    if has_mini_program and not app_settings.JWT_SECRET_KEY:
        return [
            checks.Error(
                "JWT_SECRET_KEY is empty: the mini program API can neither issue nor accept tokens (it answers 503).",
                hint='Set JWT_SECRET_KEY to a random string of its own, e.g. python -c "import secrets; '
                'print(secrets.token_urlsafe(50))"; it never falls back to SECRET_KEY.',
                id="wechat.E003",
            )
        ]
    return []
