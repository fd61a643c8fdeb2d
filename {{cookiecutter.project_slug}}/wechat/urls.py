# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""``/wechat/``: the webhook, and the dev console while DEBUG is on.

The project's URLconf (``config/urls.py`` or ``app.py``) adds the URLs of each feature
chosen when the project was generated (JSSDK, web OAuth) to these, in the same
``wechat`` namespace.
"""

from django.conf import settings
from django.urls import path

from .webhook import webhook

app_name = "wechat"

urlpatterns = [
    # The server URL to enter on WeChat's configuration page (服务器地址): https://<host>/wechat/
    path("", webhook, name="webhook"),
]

# The dev console sends pushes signed with your WECHAT_TOKEN: with DEBUG off it is not even imported.
if settings.DEBUG:
    from .devconsole import urlpatterns as devconsole_urlpatterns

    urlpatterns += devconsole_urlpatterns
