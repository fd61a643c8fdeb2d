from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # The URL to enter on WeChat's server configuration page: http(s)://<your host>/wechat/
    path("wechat/", include("wechat.urls")),
]
