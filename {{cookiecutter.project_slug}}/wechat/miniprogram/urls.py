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
