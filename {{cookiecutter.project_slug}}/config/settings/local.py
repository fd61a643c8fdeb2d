"""Local development: works with no .env at all. 本地开发配置，无需 .env 即可运行。"""

from wechat.environment import logging_settings

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
LOGGING = logging_settings(DEBUG)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="django-insecure-local-development-only-do-not-deploy")
# WeChat reaches `runserver 0.0.0.0:80` by your server's IP or domain.
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["*"])
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
