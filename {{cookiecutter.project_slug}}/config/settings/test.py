"""Settings for the test suite (pytest): never the developer's .env, fresh random keys each run. 测试配置。"""

import secrets

from .base import *  # noqa: F403

SECRET_KEY = secrets.token_urlsafe(50)
{%- if cookiecutter.__miniprogram == "True" %}
JWT_SECRET_KEY = secrets.token_urlsafe(50)
{%- endif %}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
