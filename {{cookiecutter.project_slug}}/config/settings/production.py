"""Production: refuses to start without DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS.

生产配置：必须设置 DJANGO_SECRET_KEY 和 DJANGO_ALLOWED_HOSTS。
"""

from wechat.environment import https_settings

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

globals().update(https_settings(env))
