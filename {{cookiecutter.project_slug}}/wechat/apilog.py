# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""The wechat.api.* loggers: one line per call to WeChat's API, and never its query string."""

import contextlib
import logging
import time
from urllib.parse import urlsplit

request_log = logging.getLogger("wechat.api.request")
response_log = logging.getLogger("wechat.api.response")
error_log = logging.getLogger("wechat.api.error")


@contextlib.contextmanager
def logged_call(method, url):
    path = urlsplit(url).path  # the query carries the access_token or the app secret
    request_log.debug("%s %s", method.upper(), path)
    started = time.monotonic()
    try:
        yield
    except Exception as exc:
        errcode = getattr(exc, "errcode", None)
        reason = f"errcode {errcode}" if errcode else exc.__class__.__name__
        error_log.warning("%s %s failed after %d ms: %s", method.upper(), path, _ms(started), reason)
        raise
    response_log.debug("%s %s answered in %d ms", method.upper(), path, _ms(started))


def _ms(started):
    return (time.monotonic() - started) * 1000
