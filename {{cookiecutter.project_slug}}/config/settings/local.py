"""Local development: DEBUG on, keys from the .env written when the project was generated.

本地开发配置：密钥来自生成项目时写好的 .env。
"""

from environment import logging_settings, secret_setting

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
LOGGING = logging_settings(DEBUG)
SECRET_KEY = secret_setting(env, "DJANGO_SECRET_KEY")
{%- if cookiecutter.__miniprogram == "True" %}
JWT_SECRET_KEY = secret_setting(env, "JWT_SECRET_KEY")
{%- endif %}
# WeChat reaches `runserver 0.0.0.0:80` by your server's IP or domain.
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["*"])
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
