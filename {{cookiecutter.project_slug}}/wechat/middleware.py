# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""``WeChatSessionMiddleware``: saves ``request.wechat_session`` after every response.

``jwt_required`` saves the session of the views it wraps; this middleware (in
``MIDDLEWARE``) also saves the one Django REST framework views get from
``wechat.drf.JWTAuthentication``, and any other set on the request. A session
nobody changed costs nothing: ``UserStore.save()`` writes only changes. After a 5xx (a view
that raised) nothing is saved, as with Django's own sessions.
"""

import logging

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest

from .exceptions import CacheUnavailable

logger = logging.getLogger("wechat.miniprogram")


def save_wechat_session(request: HttpRequest, response: object = None) -> None:
    """Save ``request.wechat_session``, if the request has one; a cache outage is logged, not raised."""
    session = getattr(request, "wechat_session", None)
    if session is None:
        return
    try:
        session.save()
    except CacheUnavailable:
        logger.error("Could not save the session of %s: the shared cache is unavailable", request.wechat_user)


class WeChatSessionMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        response = self.get_response(request)
        if response.status_code < 500:  # a view that failed half-way leaves the session as it was
            save_wechat_session(request)
        return response

    async def __acall__(self, request):
        response = await self.get_response(request)
        if response.status_code < 500:
            await sync_to_async(save_wechat_session)(request)
        return response
