from django.contrib import admin
from django.urls import include, path

import pages
{%- if cookiecutter.__jssdk == "True" %}
import wechat.jssdk
{%- endif %}
{%- if cookiecutter.__oauth == "True" %}
import wechat.oauth.urls
{%- endif %}
import wechat.urls

# /wechat/: the webhook (and the dev console in DEBUG), then the features chosen when the project was generated.
wechat_urls = [
    *wechat.urls.urlpatterns,
{%- if cookiecutter.__jssdk == "True" %}
    *wechat.jssdk.urlpatterns,  # the JSSDK's wx.config: /wechat/jssdk/config/, /wechat/jssdk/config.js
{%- endif %}
{%- if cookiecutter.__oauth == "True" %}
    *wechat.oauth.urls.urlpatterns,  # web OAuth's callback: /wechat/oauth/callback/
{%- endif %}
]

urlpatterns = [
    path("", pages.home),
    path("admin/", admin.site.urls),
    # The URL to enter on WeChat's server configuration page: http(s)://<your host>/wechat/
    path("wechat/", include((wechat_urls, "wechat"))),
{%- if cookiecutter.use_pay == True %}
    # WeChat Pay's notifications 支付结果通知: WECHAT_PAY_NOTIFY_URL is https://<your host>/wechat/pay/notify/
    path("wechat/pay/", include("wechat.pay.urls")),
{%- endif %}
{%- if cookiecutter.__miniprogram == "True" %}
    path("api/miniprogram/", include("wechat.miniprogram.urls")),
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
