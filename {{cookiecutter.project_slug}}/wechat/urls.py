from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.urls import path

from .webhook import webhook

app_name = "wechat"

urlpatterns = [
    # The server URL to enter on WeChat's configuration page (服务器地址): https://<host>/wechat/
    path("", webhook, name="webhook"),
]

# The features chosen when the project was generated.
for feature in ("jssdk", "oauth"):
    if find_spec(f"wechat.{feature}") is not None:
        urlpatterns += import_module(f"wechat.{feature}").urlpatterns

# The dev console sends pushes signed with your WECHAT_TOKEN: with DEBUG off it is not even imported.
if settings.DEBUG:
    from .devconsole import urlpatterns as devconsole_urlpatterns

    urlpatterns += devconsole_urlpatterns
