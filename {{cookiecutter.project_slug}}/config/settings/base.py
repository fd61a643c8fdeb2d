"""Settings shared by every environment; values come from environment variables.

共享配置：所有值都来自环境变量（或项目根目录下的 .env 文件）。
"""

from pathlib import Path

import django
import environ

from environment import (
    cache_settings,
    database_settings,
    logging_settings,
    read_env_file,
{%- if cookiecutter.cache == "redis" %}
    rq_queue_url,
{%- endif %}
)
from wechat import defaults
{%- if cookiecutter.use_pay == True %}
from wechat.pay import conf as pay_defaults
{%- endif %}

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
read_env_file(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)
LOGGING = logging_settings(DEBUG)  # the wechat.* loggers; secrets are redacted from every line
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "wechat",  # before staticfiles: its runserver (which starts the task worker in DEBUG) wins
    "django.contrib.staticfiles",
    # Django's Tasks framework (django_tasks: its backport, for Django 5.2) and the queue's backend
    *(["django_tasks"] if django.VERSION < (6, 0) else []),
{%- if cookiecutter.cache == "redis" %}
    "django_rq",
    "django_tasks_rq",
{%- else %}
    "django_tasks_db",
{%- endif %}
    "core",  # your app: your models (core/models.py), admin pages and views
{%- if cookiecutter.use_pay == True %}
    "wechat.pay",  # WeChat Pay 微信支付: orders, refunds, notifications
    "shop",  # the example shop (products, orders paid with WeChat Pay): yours to edit
{%- endif %}
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
{%- if cookiecutter.__miniprogram == "True" %}
    "wechat.middleware.WeChatSessionMiddleware",  # saves request.wechat_session (the mini program's), DRF views too
{%- endif %}
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# The admin's passwords: not like the user name, 8 characters or more, not a common one, not all digits.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

DATABASES = database_settings(env, "{{ cookiecutter.__database_url }}", BASE_DIR)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Tokens, dedup records and conversation context live here, shared by every worker.
CACHES = cache_settings(env, "{{ cookiecutter.__cache_url }}")

# Work that runs later (Django's Tasks framework): {{ "RQ on the Redis of CACHE_URL" if cookiecutter.cache == "redis" else "a table in the database" }}.
# `python manage.py wechat_worker` runs it (`runserver` starts one for you in development).
{%- if cookiecutter.cache == "redis" %}
TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
RQ_QUEUES = {"default": {"URL": rq_queue_url(CACHES["default"])}}  # the Redis of CACHE_URL
# Tasks run in the worker process itself (rq.SimpleWorker), as with the database backend:
# one process, one task; no fork per task, and the worker keeps its database connection.
RQ = {"JOB_CLASS": "django_tasks_rq.Job", "WORKER_CLASS": "rq.SimpleWorker"}
{%- else %}
# A table in the project's database: no server, durable across restarts.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
{%- endif %}

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# WeChat (see .env.example); each default is in wechat/defaults.py.
WECHAT_APP_ID = env.str("WECHAT_APP_ID", default=defaults.APP_ID)
WECHAT_APP_SECRET = env.str("WECHAT_APP_SECRET", default=defaults.APP_SECRET)
WECHAT_TOKEN = env.str("WECHAT_TOKEN", default=defaults.TOKEN)
WECHAT_ENCODING_AES_KEY = env.str("WECHAT_ENCODING_AES_KEY", default=defaults.ENCODING_AES_KEY)
WECHAT_ENCRYPT_MODE = env.str("WECHAT_ENCRYPT_MODE", default=defaults.ENCRYPT_MODE)
WECHAT_TIMESTAMP_TOLERANCE = env.int("WECHAT_TIMESTAMP_TOLERANCE", default=defaults.TIMESTAMP_TOLERANCE)
WECHAT_API_BASE_URL = env.str("WECHAT_API_BASE_URL", default=defaults.API_BASE_URL)
WECHAT_OPEN_BASE_URL = env.str("WECHAT_OPEN_BASE_URL", default=defaults.OPEN_BASE_URL)
WECHAT_ON_STORE_OUTAGE = env.str("WECHAT_ON_STORE_OUTAGE", default=defaults.ON_STORE_OUTAGE)
WECHAT_MESSAGE_LOG_DAYS = env.int("WECHAT_MESSAGE_LOG_DAYS", default=defaults.MESSAGE_LOG_DAYS)
WECHAT_HANDLERS = ["handlers"]

# The example LLM chatbot in handlers/examples.py: off (no outside call) until LLM_API_URL is set.
LLM_API_URL = env.str("LLM_API_URL", default="")  # an OpenAI-compatible chat completions URL
LLM_API_KEY = env.str("LLM_API_KEY", default="")
LLM_MODEL = env.str("LLM_MODEL", default="")
{%- if cookiecutter.__miniprogram == "True" %}

# Mini program; JWT_SECRET_KEY is read by local.py and production.py.
MINIPROGRAM_APP_ID = env.str("MINIPROGRAM_APP_ID", default=defaults.MINIPROGRAM_APP_ID)
MINIPROGRAM_APP_SECRET = env.str("MINIPROGRAM_APP_SECRET", default=defaults.MINIPROGRAM_APP_SECRET)
MINIPROGRAM_FAKE_LOGIN = env.bool("MINIPROGRAM_FAKE_LOGIN", default=defaults.MINIPROGRAM_FAKE_LOGIN)
JWT_SECRET_KEY = env.str("JWT_SECRET_KEY", default=defaults.JWT_SECRET_KEY)
JWT_ACCESS_TTL = env.int("JWT_ACCESS_TTL", default=defaults.JWT_ACCESS_TTL)
JWT_REFRESH_TTL = env.int("JWT_REFRESH_TTL", default=defaults.JWT_REFRESH_TTL)
{%- endif %}
{%- if cookiecutter.use_pay == True %}

# WeChat Pay 微信支付 (wechat/pay; every variable is explained in .env.example). Unset, orders answer 503.
WECHAT_PAY_MCH_ID = env.str("WECHAT_PAY_MCH_ID", default="")
WECHAT_PAY_API_V3_KEY = env.str("WECHAT_PAY_API_V3_KEY", default="")
WECHAT_PAY_PRIVATE_KEY_PATH = env.str("WECHAT_PAY_PRIVATE_KEY_PATH", default="")
WECHAT_PAY_CERT_SERIAL_NO = env.str("WECHAT_PAY_CERT_SERIAL_NO", default="")
WECHAT_PAY_PUBLIC_KEY_ID = env.str("WECHAT_PAY_PUBLIC_KEY_ID", default="")
WECHAT_PAY_PUBLIC_KEY_PATH = env.str("WECHAT_PAY_PUBLIC_KEY_PATH", default="")
WECHAT_PAY_PLATFORM_CERT_PATH = env.str("WECHAT_PAY_PLATFORM_CERT_PATH", default="")
WECHAT_PAY_NOTIFY_URL = env.str("WECHAT_PAY_NOTIFY_URL", default="")
WECHAT_PAY_REFUND_NOTIFY_URL = env.str("WECHAT_PAY_REFUND_NOTIFY_URL", default="")
WECHAT_PAY_API_BASE_URL = env.str("WECHAT_PAY_API_BASE_URL", default=pay_defaults.API_BASE_URL)
WECHAT_PAY_TIMEOUT = env.float("WECHAT_PAY_TIMEOUT", default=pay_defaults.TIMEOUT)
WECHAT_PAY_QUERY_AFTER = env.int("WECHAT_PAY_QUERY_AFTER", default=pay_defaults.QUERY_AFTER)
WECHAT_PAY_ORDER_TTL = env.int("WECHAT_PAY_ORDER_TTL", default=pay_defaults.ORDER_TTL)
{%- endif %}
