"""Production: refuses to start without DJANGO_ALLOWED_HOSTS and random secret keys.

生产配置：必须设置 DJANGO_ALLOWED_HOSTS 和随机密钥（占位值、过短的密钥一律拒绝）。
"""

from environment import secret_setting

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = secret_setting(env, "DJANGO_SECRET_KEY", production=True)
{%- if cookiecutter.__miniprogram == "True" %}
JWT_SECRET_KEY = secret_setting(env, "JWT_SECRET_KEY", production=True)
{%- endif %}
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

# HTTPS; `manage.py check --deploy` is clean with these. The webhook is exempt from the redirect:
# WeChat may push to port 80 and does not follow redirects, and every push is signed anyway.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^wechat/$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
