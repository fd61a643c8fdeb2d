# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Helpers for the project's settings (``config/settings/`` or ``app.py``): database, cache, logging, keys.

The settings modules write every setting out by name (``grep WECHAT_TOKEN`` finds
it); these helpers build the few values that take more than one line, so that an
environment variable means the same thing whichever layout you chose. Nothing here
runs at request time, and nothing here is WeChat's: the ``wechat`` app's own
defaults are in ``wechat/defaults.py``.
"""

import os
import re
import sys
from pathlib import Path
from urllib.parse import urlencode

import environ
from django.core.exceptions import ImproperlyConfigured

# django-environ maps URL schemes to Django's stock backends; these replace
# them with the multi-process variants in ``wechat.cache``.
CACHE_BACKENDS = {
    "django.core.cache.backends.db.DatabaseCache": "wechat.cache.DatabaseCache",
    "django.core.cache.backends.redis.RedisCache": "wechat.cache.RedisCache",
    "django_redis.cache.RedisCache": "wechat.cache.RedisCache",
}

# SQLite tuned for several worker processes: WAL lets readers and one writer
# work side by side, IMMEDIATE transactions take the write lock up front (no
# "database is locked" half-way through), and synchronous=NORMAL is durable
# across application crashes without an fsync on every commit. A write waits
# at most 1 s for the lock (writes take milliseconds): a file locked for longer
# is an outage, and the webhook must still answer WeChat within 5 s.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 1,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}

# Redis answers in well under a millisecond: one that takes a second is down or
# frozen. redis-py's own retries would multiply that wait; the cache backend
# fails fast after an error instead (see wechat.cache).
REDIS_OPTIONS = {"socket_timeout": 1, "socket_connect_timeout": 1}


def read_env_file(env_file):
    """Load ``.env`` when it exists; real environment variables win.

    Skipped while pytest runs (pytest >= 8.2 sets ``PYTEST_VERSION``, and the
    commands a test starts inherit it): the tests never depend on your ``.env``.
    """
    if env_file.is_file() and not running_tests():
        environ.Env.read_env(str(env_file))


def running_tests():
    """True under pytest (and in the commands its tests start)."""
    return "PYTEST_VERSION" in os.environ


# Keys earlier versions of this template shipped: public, so they sign nothing.
PUBLISHED_SECRETS = frozenset(
    {
        "django-insecure-local-development-only-do-not-deploy",
        "test-only-secret-key-not-for-production",
        "change-me-to-a-long-random-string",
    }
)
MAKE_A_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(50))"'


def startup_errors_in_one_line():
    """Make a command-line run end on a setup error with one line saying what to do (exit status 1).

    - A missing key or variable (ImproperlyConfigured, raised while the settings load):
      ``Error: DJANGO_SECRET_KEY is not set. ... (config/settings/production.py, line 12)``.
    - A PostgreSQL database that does not exist yet (``migrate`` on a new machine): the
      ``createdb`` command that makes the one ``DATABASE_URL`` names.

    ``manage.py``, ``app.py`` and ``gunicorn.conf.py`` call it first. Every other exception keeps its traceback.
    """
    previous = sys.excepthook

    def hook(kind, error, traceback):
        message = explain_startup_error(kind, error, traceback)
        if message is None:
            return previous(kind, error, traceback)
        sys.stderr.write(f"Error: {message}\n")

    sys.excepthook = hook


def settings_load_or_exit():
    """Load Django's settings now; on a setup error, one line saying what to do and exit status 1.

    ``gunicorn.conf.py`` calls it before any worker starts: without it each worker would print
    the whole traceback and gunicorn would stop with "Worker failed to boot".
    """
    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018 (reading a setting imports the settings module)
    except Exception as error:
        message = explain_startup_error(type(error), error, error.__traceback__)
        if message is None:
            raise
        sys.stderr.write(f"Error: {message}\n")
        sys.exit(1)


MISSING_DATABASE = re.compile(r'database "([^"]+)" does not exist')


def explain_startup_error(kind, error, traceback):
    """The one-line explanation of a setup error, or None for an exception that needs its traceback."""
    if issubclass(kind, ImproperlyConfigured):
        where = ""
        project = Path.cwd()
        while traceback is not None:  # the last line of the project's own settings that led here
            path = Path(traceback.tb_frame.f_code.co_filename)
            own = path.is_relative_to(project) and "wechat" not in path.relative_to(project).parts
            if own and path.resolve() != Path(__file__).resolve():  # the settings line, not this file
                where = f" ({path.relative_to(project)}, line {traceback.tb_lineno})"
            traceback = traceback.tb_next
        return f"{error}{where}"
    from django.db import OperationalError, connections

    missing = MISSING_DATABASE.search(str(error)) if issubclass(kind, OperationalError) else None
    if missing is None:
        return None
    database = connections["default"].settings_dict
    flags = (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER"))
    options = [f"{flag} {database[key]}" for flag, key in flags if database[key]]
    command = " ".join(["createdb", *options, missing.group(1)])
    return (
        f"the PostgreSQL database {missing.group(1)} (DATABASE_URL) does not exist: create it with "
        f"`{command}`, then run the command again."
    )


def secret_setting(env, name, production=False):
    """The secret key in the environment variable ``name``, refused when anyone could know it.

    Missing, empty or published: ImproperlyConfigured, everywhere. In production
    also a placeholder: shorter than 50 characters, ``django-insecure...`` or
    fewer than 5 distinct characters (Django's ``check --deploy`` rules, enforced).
    """
    value = env.str(name, default="")
    if not value or value in PUBLISHED_SECRETS:
        problem = f"{name} is not set" if not value else f"{name} is a key published with this template"
        raise ImproperlyConfigured(
            f"{problem}. Set it, in .env or the environment, to a random key: the .env written when the project "
            f"was generated has one; elsewhere copy .env.example to .env and use the output of {MAKE_A_KEY}"
        )
    if production and (len(value) < 50 or value.startswith("django-insecure") or len(set(value)) < 5):
        raise ImproperlyConfigured(
            f"{name} looks like a placeholder (shorter than 50 characters, django-insecure..., or repetitive): "
            f"production needs a random key, such as the output of {MAKE_A_KEY}"
        )
    return value


def database_settings(env, default_url, base_dir):
    """``DATABASES`` from ``DATABASE_URL``; a relative SQLite path is under ``base_dir``."""
    database = env.db_url("DATABASE_URL", default=default_url)
    database["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=600)
    database["CONN_HEALTH_CHECKS"] = True
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database["NAME"] = str(base_dir / database["NAME"])
        database["OPTIONS"] = {**SQLITE_OPTIONS, **database.get("OPTIONS", {})}
        # Tests get a file too (Django's default is shared memory, which locks instead of waiting).
        database.setdefault("TEST", {"NAME": database["NAME"] + ".test"})
    return {"default": database}


def cache_settings(env, default_url):
    """``CACHES`` from ``CACHE_URL``: ``dbcache://wechat_cache`` or ``redis://...``."""
    cache = env.cache_url("CACHE_URL", default=default_url)
    cache["BACKEND"] = CACHE_BACKENDS.get(cache["BACKEND"], cache["BACKEND"])
    if cache["BACKEND"] == "wechat.cache.RedisCache":
        cache["OPTIONS"] = {**REDIS_OPTIONS, **cache.get("OPTIONS", {})}  # ?socket_timeout=... in the URL wins
    return {"default": cache}


def rq_queue_url(cache):
    """RQ's queue URL (``RQ_QUEUES``): the Redis server and database of the cache ``cache``.

    A project generated with cache=redis keeps its tasks there, through django-tasks-rq, with
    the cache's socket timeouts (a stalled Redis costs the webhook one second, not a hang).
    RQ's keys start with ``rq:`` and the cache's with ``:1:``, so they share the database
    without clashing; the one thing to avoid is ``cache.clear()``, which empties the whole
    Redis database, queued tasks included. Every machine that runs the web processes or a
    worker must use the same ``CACHE_URL``.
    """
    if cache["BACKEND"] != "wechat.cache.RedisCache":
        raise ImproperlyConfigured(
            "This project keeps its tasks in Redis (it was generated with cache=redis): "
            "CACHE_URL must be a redis:// or rediss:// URL"
        )
    location = cache["LOCATION"]
    if isinstance(location, (list, tuple)):  # redis://a,b/0: Django writes to the first server
        location = location[0]
    options = cache.get("OPTIONS", {})
    timeouts = {key: options[key] for key in ("socket_timeout", "socket_connect_timeout") if key in options}
    return f"{location}?{urlencode(timeouts)}" if timeouts else location


def logging_settings(debug):
    """``LOGGING``: the wechat.* loggers (after wechat_django's table), every line through RedactSecrets."""
    verbose = "DEBUG" if debug else "INFO"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact_secrets": {"()": "wechat.redact.RedactSecrets"}},
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secrets"]},
        },
        "root": {"handlers": ["console"], "level": "WARNING"},
        "loggers": {
            "django": {"level": "INFO"},
            "wechat": {"level": verbose},  # the webhook, the store, OAuth, the mini program
            "wechat.api.request": {"level": verbose},  # every call to WeChat's API
            "wechat.api.response": {"level": verbose},
            "wechat.api.error": {"level": "WARNING"},
            "wechat.handler": {"level": verbose},  # your handlers: failures, slow ones
            "urllib3": {"level": "WARNING"},  # its DEBUG lines carry URLs with tokens
        },
    }
