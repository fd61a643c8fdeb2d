# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Included under ``/wechat/pay/``: set WECHAT_PAY_NOTIFY_URL to ``https://<your host>/wechat/pay/notify/``.

The views are imported on the first request: ``app.py`` (the single-file layout) builds its URLs while it
is still being read as the settings, before the models can load.
"""

from django.conf import settings
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

app_name = "wechat_pay"


def lazy(name):
    @csrf_exempt  # WeChat Pay posts without a CSRF token: the signature is what authenticates it
    def view(request, *args, **kwargs):
        from . import notify

        return getattr(notify, name)(request, *args, **kwargs)

    view.__name__ = view.__qualname__ = name
    return view


def dev_console_pay(request):
    from .devconsole import pay

    return pay(request)


urlpatterns = [
    path("notify/", lazy("payment_notify"), name="notify"),
    path("refund-notify/", lazy("refund_notify"), name="refund_notify"),
]

# The dev console's pay button (wechat.pay.devconsole), DEBUG only like the console itself.
if settings.DEBUG:
    urlpatterns.append(path("dev/", dev_console_pay, name="dev_console"))
