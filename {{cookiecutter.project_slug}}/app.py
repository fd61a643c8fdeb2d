"""{{ cookiecutter.project_name }}: the whole project in one file, read top to bottom.

单文件项目：配置、处理器、URL 都在这里。运行 Run:

    python app.py migrate
    python app.py runserver 0.0.0.0:80   # also starts the task worker, wechat_worker

This module is also its own settings module (DJANGO_SETTINGS_MODULE=app), so
``gunicorn app`` (production settings) and ``pytest`` work too. The WeChat
machinery lives in the ``wechat`` package next to this file.
"""

import os
import secrets
import sys
from pathlib import Path

import django
import environ
from django.urls import include, path

from environment import (
    cache_settings,
    database_settings,
    logging_settings,
    read_env_file,
{%- if cookiecutter.cache == "redis" %}
    rq_queue_url,
{%- endif %}
    running_tests,
    secret_setting,
    startup_errors_in_one_line,
)
from wechat import defaults
{%- if cookiecutter.use_pay == True %}
from wechat.pay import conf as pay_defaults
{%- endif %}

# ---------------------------------------------------------------------------
# Settings 配置 (environment variables, or a .env file next to this one)
# ---------------------------------------------------------------------------
BASE_DIR = Path(__file__).resolve().parent
env = environ.Env()
read_env_file(BASE_DIR / ".env")  # not under pytest: the tests never read your .env

# DEBUG is on only when asked for. `python app.py <command>` (runserver, migrate, shell...) asks for it
# by default, so development needs nothing more; `gunicorn app` and every other WSGI server get the
# production settings below unless DJANGO_DEBUG=true. DJANGO_DEBUG=false makes a command production too.
# 开发：python app.py ... 默认开启 DEBUG；gunicorn app 等 WSGI 服务器默认是生产配置。
if __name__ == "__main__":
    os.environ.setdefault("DJANGO_DEBUG", "true")
    startup_errors_in_one_line()  # a missing key or database: one line saying what to do
DEBUG = env.bool("DJANGO_DEBUG", default=False)
LOGGING = logging_settings(DEBUG)  # the wechat.* loggers; secrets are redacted from every line
TESTING = running_tests() and __name__ != "__main__"  # pytest imports this file as its settings module
if TESTING:  # fresh random keys every run, whatever the environment says
    SECRET_KEY = secrets.token_urlsafe(50)
    ALLOWED_HOSTS = ["*"]
elif DEBUG:  # development: the keys of the .env written when the project was generated
    SECRET_KEY = secret_setting(env, "DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["*"])
else:  # production: refuses to start without host names and random secret keys
    SECRET_KEY = secret_setting(env, "DJANGO_SECRET_KEY", production=True)
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
    # HTTPS; `python app.py check --deploy` is clean with these. The webhook is exempt from the redirect:
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

ROOT_URLCONF = __name__
WSGI_APPLICATION = f"{__name__}.application"
INSTALLED_APPS = [
    "django.contrib.admin",  # /admin/: followers and the rest, for staff (python app.py createsuperuser)
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
            ]
        },
    }
]
DATABASES = database_settings(env, "{{ cookiecutter.__database_url }}", BASE_DIR)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The admin's passwords: not like the user name, 8 characters or more, not a common one, not all digits.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
CACHES = cache_settings(env, "{{ cookiecutter.__cache_url }}")  # tokens, dedup, context
# Work that runs later (Django's Tasks framework): {{ "RQ on the Redis of CACHE_URL" if cookiecutter.cache == "redis" else "a table in the database" }}.
# `python app.py wechat_worker` runs it (`runserver` starts one for you in development).
{%- if cookiecutter.cache == "redis" %}
TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
RQ_QUEUES = {"default": {"URL": rq_queue_url(CACHES["default"])}}  # the Redis of CACHE_URL
# Tasks run in the worker process itself (rq.SimpleWorker): one process, one task, no fork per task.
RQ = {"JOB_CLASS": "django_tasks_rq.Job", "WORKER_CLASS": "rq.SimpleWorker"}
{%- else %}
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # a table in the database
{%- endif %}
LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

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
WECHAT_HANDLERS = []  # the handlers are below, in this file
# The example LLM chatbot below: off (no outside call) until LLM_API_URL is set.
LLM_API_URL = env.str("LLM_API_URL", default="")  # an OpenAI-compatible chat completions URL
LLM_API_KEY = env.str("LLM_API_KEY", default="")
LLM_MODEL = env.str("LLM_MODEL", default="")
{%- if cookiecutter.__miniprogram == "True" %}
# Mini program
MINIPROGRAM_APP_ID = env.str("MINIPROGRAM_APP_ID", default=defaults.MINIPROGRAM_APP_ID)
MINIPROGRAM_APP_SECRET = env.str("MINIPROGRAM_APP_SECRET", default=defaults.MINIPROGRAM_APP_SECRET)
MINIPROGRAM_FAKE_LOGIN = env.bool("MINIPROGRAM_FAKE_LOGIN", default=defaults.MINIPROGRAM_FAKE_LOGIN)
JWT_ACCESS_TTL = env.int("JWT_ACCESS_TTL", default=defaults.JWT_ACCESS_TTL)
JWT_REFRESH_TTL = env.int("JWT_REFRESH_TTL", default=defaults.JWT_REFRESH_TTL)
if TESTING:
    JWT_SECRET_KEY = secrets.token_urlsafe(50)
else:  # signs the mini program's tokens: required, as SECRET_KEY
    JWT_SECRET_KEY = secret_setting(env, "JWT_SECRET_KEY", production=not DEBUG)
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
# The settings are complete: from here on Django may read them (wechat/urls.py asks for DEBUG).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", __name__)

# ---------------------------------------------------------------------------
{% include "handlers/examples.py" %}

# ---------------------------------------------------------------------------
{% include "pages.py" %}

# ---------------------------------------------------------------------------
# URLs: enter http(s)://<your host>/wechat/ on WeChat's server configuration page.
# ---------------------------------------------------------------------------
{%- if cookiecutter.__jssdk == "True" %}
import wechat.jssdk
{%- endif %}
{%- if cookiecutter.__oauth == "True" %}
import wechat.oauth.urls
{%- endif %}
import wechat.urls


class AdminURLs:
    """``admin.site.urls``, built on the first request: this file is read as the settings, before the apps load."""

    @property
    def urlpatterns(self):
        from django.contrib import admin

        return admin.site.get_urls()


# /wechat/: the webhook (and the dev console in DEBUG), then the features chosen when the project was generated.
wechat_urls = [
    *wechat.urls.urlpatterns,
{%- if cookiecutter.__jssdk == "True" %}
    *wechat.jssdk.urlpatterns,  # the JSSDK's wx.config: /wechat/jssdk/config/, /wechat/jssdk/config.js
{%- endif %}
{%- if cookiecutter.__oauth == "True" %}
    *wechat.oauth.urls.urlpatterns,  # web OAuth's callback: /wechat/oauth/callback/
{%- endif %}
]

urlpatterns = [
    path("", home),
    path("admin/", (AdminURLs(), "admin", "admin")),  # 管理后台 /admin/: first `python app.py createsuperuser`
    path("wechat/", include((wechat_urls, "wechat"))),
{%- if cookiecutter.use_pay == True %}
    path("wechat/pay/", include("wechat.pay.urls")),  # WeChat Pay's notifications 支付结果通知
{%- endif %}
{%- if cookiecutter.__miniprogram == "True" %}
    path("api/miniprogram/", include("wechat.miniprogram.urls")),
{%- endif %}
{%- if cookiecutter.use_pay %}
    path("api/shop/", include("shop.urls")),  # the example shop's orders API
{%- endif %}
{%- if cookiecutter.__oauth == "True" %}
    path("me/", me, name="me"),
{%- endif %}
{%- if cookiecutter.__jssdk == "True" %}
    path("jssdk-demo/", jssdk_demo, name="jssdk_demo"),
{%- endif %}
]


# ---------------------------------------------------------------------------
# Entry points: `python app.py <command>`, and `gunicorn app` (WSGI)
# ---------------------------------------------------------------------------
def __getattr__(name):
    """``app.application``, created on first use, so importing settings starts nothing."""
    if name != "application":
        raise AttributeError(name)
    from django.core.wsgi import get_wsgi_application

    global application
    application = get_wsgi_application()
    return application


if __name__ == "__main__":
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
