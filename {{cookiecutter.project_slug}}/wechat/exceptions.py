# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""What the project raises when something it depends on is down.

Errors WeChat *does* answer with (an ``errcode``) stay wechatpy's
``WeChatClientException``, with ``errcode`` and ``errmsg``.
"""

import contextlib

from django.db import DatabaseError


class ServiceUnavailable(Exception):
    """WeChat's API or the shared cache is down: views answer 503, and it passes by itself."""


class WeChatUnavailable(ServiceUnavailable):
    """WeChat's API could not be reached, timed out, or answered with an HTTP error."""


class CacheUnavailable(ServiceUnavailable):
    """The shared cache (the database table or Redis) did not answer."""


def _cache_errors():
    errors = [DatabaseError, OSError]
    with contextlib.suppress(ImportError):
        from redis.exceptions import RedisError

        errors.append(RedisError)
    return tuple(errors)


CACHE_ERRORS = _cache_errors()


@contextlib.contextmanager
def shared_cache():
    """Turn the cache backend's own errors into CacheUnavailable."""
    try:
        yield
    except CACHE_ERRORS as exc:
        raise CacheUnavailable(f"the shared cache is unavailable: {exc.__class__.__name__}") from exc


def unavailable_message(exc):
    """What a 503 answer says."""
    if isinstance(exc, CacheUnavailable):
        return "the shared cache is unavailable, try again later"
    return "WeChat is unavailable, try again later"
