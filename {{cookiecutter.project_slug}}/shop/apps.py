from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "商店"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wechat.pay.signals import order_paid

        from .fulfilment import fulfil

        order_paid.connect(fulfil, dispatch_uid="shop.fulfil")
