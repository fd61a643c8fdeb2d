# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""``/api/miniprogram/``: the project's URLconf includes this module (``include("wechat.miniprogram.urls")``)."""

from django.urls import path

from .views import decrypt, dev_login, login, me, phone, refresh

app_name = "miniprogram"

urlpatterns = [
    path("login/", login, name="login"),
    path("refresh/", refresh, name="refresh"),
    path("me/", me, name="me"),
    path("decrypt/", decrypt, name="decrypt"),
    path("phone/", phone, name="phone"),
    path("dev-login/", dev_login, name="dev_login"),
]
