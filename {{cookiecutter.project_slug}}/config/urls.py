from django.contrib import admin
from django.urls import include, path

import pages

urlpatterns = [
    path("", pages.home),
    path("admin/", admin.site.urls),
    # The URL to enter on WeChat's server configuration page: http(s)://<your host>/wechat/
    path("wechat/", include("wechat.urls")),
{%- if cookiecutter.__miniprogram == "True" %}
    path("api/miniprogram/", include("wechat.miniprogram")),
{%- endif %}
{%- if cookiecutter.use_pay %}
    path("api/shop/", include("shop.urls")),  # the example shop's orders API
{%- endif %}
{%- if cookiecutter.__oauth == "True" %}
    path("me/", pages.me, name="me"),
{%- endif %}
{%- if cookiecutter.__jssdk == "True" %}
    path("jssdk-demo/", pages.jssdk_demo, name="jssdk_demo"),
{%- endif %}
]
