from django.contrib import admin
from django.urls import include, path

import pages

urlpatterns = [
    path("", pages.home),
    path("admin/", admin.site.urls),
    # The URL to enter on WeChat's server configuration page: http(s)://<your host>/wechat/
    path("wechat/", include("wechat.urls")),
{%- if cookiecutter.use_pay == True %}
    # WeChat Pay's notifications 支付结果通知: WECHAT_PAY_NOTIFY_URL is https://<your host>/wechat/pay/notify/
    path("wechat/pay/", include("wechat.pay.urls")),
{%- endif %}
{%- if cookiecutter.__miniprogram == "True" %}
    path("api/miniprogram/", include("wechat.miniprogram")),
{%- endif %}
{%- if cookiecutter.__oauth == "True" %}
    path("me/", pages.me, name="me"),
{%- endif %}
{%- if cookiecutter.__jssdk == "True" %}
    path("jssdk-demo/", pages.jssdk_demo, name="jssdk_demo"),
{%- endif %}
]
