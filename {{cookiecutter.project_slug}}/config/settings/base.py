"""Settings shared by every environment; values come from environment variables.

共享配置：所有值都来自环境变量（或项目根目录下的 .env 文件）。
"""

from pathlib import Path

import environ

from wechat.environment import (
    cache_settings,
    database_settings,
    logging_settings,
{%- if cookiecutter.__miniprogram == "True" %}
    miniprogram_settings,
{%- endif %}
    read_env_file,
    task_apps,
    tasks_settings,
    wechat_settings,
)

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
    *task_apps("{{ cookiecutter.cache }}"),
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
globals().update(tasks_settings(env, "{{ cookiecutter.cache }}", "{{ cookiecutter.__cache_url }}"))

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

# WeChat: WECHAT_APP_ID, WECHAT_TOKEN, WECHAT_ENCODING_AES_KEY, ... (see .env.example)
globals().update(wechat_settings(env))
WECHAT_HANDLERS = ["handlers"]

# The example LLM chatbot in handlers/examples.py: off (no outside call) until LLM_API_URL is set.
LLM_API_URL = env.str("LLM_API_URL", default="")  # an OpenAI-compatible chat completions URL
LLM_API_KEY = env.str("LLM_API_KEY", default="")
LLM_MODEL = env.str("LLM_MODEL", default="")
{%- if cookiecutter.__miniprogram == "True" %}

# Mini program: MINIPROGRAM_APP_ID, MINIPROGRAM_APP_SECRET, JWT_SECRET_KEY, JWT_ACCESS_TTL, JWT_REFRESH_TTL
globals().update(miniprogram_settings(env))
{%- endif %}
