"""Production: refuses to start without DJANGO_ALLOWED_HOSTS and random secret keys.

生产配置：必须设置 DJANGO_ALLOWED_HOSTS 和随机密钥（占位值、过短的密钥一律拒绝）。
"""

from wechat.environment import https_settings, secret_setting

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = secret_setting(env, "DJANGO_SECRET_KEY", production=True)
{%- if cookiecutter.__miniprogram == "True" %}
JWT_SECRET_KEY = secret_setting(env, "JWT_SECRET_KEY", production=True)
{%- endif %}
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

globals().update(https_settings(env))
