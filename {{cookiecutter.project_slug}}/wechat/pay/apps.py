from django.apps import AppConfig


class PayConfig(AppConfig):
    name = "wechat.pay"
    label = "wechat_pay"
    verbose_name = "微信支付"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
