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

import environ
from django.urls import include, path

from wechat.environment import (
    cache_settings,
    database_settings,
    https_settings,
    logging_settings,
{%- if cookiecutter.__miniprogram == "True" %}
    miniprogram_settings,
{%- endif %}
    read_env_file,
    running_tests,
    secret_setting,
    startup_errors_in_one_line,
    task_apps,
    tasks_settings,
    wechat_settings,
)

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
    globals().update(https_settings(env))

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
    *task_apps("{{ cookiecutter.cache }}"),  # Django's Tasks framework and its queue
{%- if cookiecutter.use_pay %}
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
globals().update(tasks_settings(env, "{{ cookiecutter.cache }}", "{{ cookiecutter.__cache_url }}"))
LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

globals().update(wechat_settings(env))  # WECHAT_TOKEN, WECHAT_APP_ID, ... (see .env.example)
WECHAT_HANDLERS = []  # the handlers are below, in this file
# The example LLM chatbot below: off (no outside call) until LLM_API_URL is set.
LLM_API_URL = env.str("LLM_API_URL", default="")  # an OpenAI-compatible chat completions URL
LLM_API_KEY = env.str("LLM_API_KEY", default="")
LLM_MODEL = env.str("LLM_MODEL", default="")
{%- if cookiecutter.__miniprogram == "True" %}
globals().update(miniprogram_settings(env))  # MINIPROGRAM_APP_ID, MINIPROGRAM_APP_SECRET, JWT_*
if TESTING:
    JWT_SECRET_KEY = secrets.token_urlsafe(50)
else:  # signs the mini program's tokens: required, as SECRET_KEY
    JWT_SECRET_KEY = secret_setting(env, "JWT_SECRET_KEY", production=not DEBUG)
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
class AdminURLs:
    """``admin.site.urls``, built on the first request: this file is read as the settings, before the apps load."""

    @property
    def urlpatterns(self):
        from django.contrib import admin

        return admin.site.get_urls()


urlpatterns = [
    path("", home),
    path("admin/", (AdminURLs(), "admin", "admin")),  # 管理后台 /admin/: first `python app.py createsuperuser`
    path("wechat/", include("wechat.urls")),
{%- if cookiecutter.__miniprogram == "True" %}
    path("api/miniprogram/", include("wechat.miniprogram")),
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
