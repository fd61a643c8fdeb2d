"""Your models go here (then `python manage.py makemigrations core && python manage.py migrate`).

你的模型写在这里，然后运行 makemigrations 与 migrate。The WeChat users are ``wechat.models.WeChatUser``:
link to them with a ForeignKey, e.g.

    from django.db import models

    from wechat.models import WeChatUser


    class Order(models.Model):
        user = models.ForeignKey(WeChatUser, on_delete=models.PROTECT, related_name="orders")
        total = models.DecimalField(max_digits=10, decimal_places=2)
        created_at = models.DateTimeField(auto_now_add=True)
"""
