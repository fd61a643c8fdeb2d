"""Included under ``/wechat/pay/``: set WECHAT_PAY_NOTIFY_URL to ``https://<your host>/wechat/pay/notify/``."""

from django.urls import path

from .notify import payment_notify, refund_notify

app_name = "wechat_pay"

urlpatterns = [
    path("notify/", payment_notify, name="notify"),
    path("refund-notify/", refund_notify, name="refund_notify"),
]
