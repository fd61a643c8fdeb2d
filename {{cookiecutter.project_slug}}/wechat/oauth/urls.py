"""The OAuth callback's URL, under ``/wechat/`` in the ``wechat`` namespace (``wechat:oauth_callback``)."""

from django.urls import path

from .views import callback

urlpatterns = [
    path("oauth/callback/", callback, name="oauth_callback"),
]
