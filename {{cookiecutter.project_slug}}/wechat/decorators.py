# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""``guard_view``: what the app's view decorators (``wechat_oauth``, ``jwt_required``) are built on.

A decorator made with it works on plain views and on ``async def`` views alike, as
Django's own decorators do: for a coroutine function the wrapper is one too, and the
checks (which read the database or the cache) run through ``sync_to_async``.
"""

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponseBase

View = TypeVar("View", bound=Callable[..., Any])
Check = Callable[[HttpRequest], HttpResponseBase | None]
Finish = Callable[[HttpRequest, HttpResponseBase], None]


def guard_view(view: View, check: Check, finish: Finish | None = None) -> View:
    """``view`` wrapped: ``check(request)`` first, whose response (if any) answers instead of the view;
    ``finish(request, response)`` after the view. Both are plain functions."""
    if iscoroutinefunction(view):

        async def async_wrapper(request, *args, **kwargs):
            refused = await sync_to_async(check)(request)
            if refused is not None:
                return refused
            response = await view(request, *args, **kwargs)
            if finish is not None:
                await sync_to_async(finish)(request, response)
            return response

        return functools.wraps(view)(async_wrapper)

    def wrapper(request, *args, **kwargs):
        refused = check(request)
        if refused is not None:
            return refused
        response = view(request, *args, **kwargs)
        if finish is not None:
            finish(request, response)
        return response

    return functools.wraps(view)(wrapper)
