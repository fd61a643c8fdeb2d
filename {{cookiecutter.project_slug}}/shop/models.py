from django.core.validators import MinValueValidator
from django.db import models


class Product(models.Model):
    """Something to sell. The price is in fen (分): 1 yuan is 100."""

    name = models.CharField("名称", max_length=100)
    price = models.PositiveIntegerField(
        "价格（分）", validators=[MinValueValidator(1)], help_text="单位：分，100 分 = 1 元"
    )
    active = models.BooleanField("在售", default=True, help_text="下架的商品不能再下单")

    class Meta:
        verbose_name = verbose_name_plural = "商品"

    def __str__(self):
        return f"{self.name}（¥{self.price / 100:.2f}）"


class Purchase(models.Model):
    """What one WeChat Pay order bought, and when it was handed over."""

    order = models.OneToOneField(
        "wechat_pay.Order", on_delete=models.PROTECT, related_name="purchase", verbose_name="支付订单"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="purchases", verbose_name="商品")
    user = models.ForeignKey(
        "wechat.WeChatUser", on_delete=models.PROTECT, related_name="purchases", verbose_name="用户"
    )
    fulfilled_at = models.DateTimeField("发货时间", null=True, blank=True, help_text="支付成功后由 order_paid 信号填写")

    class Meta:
        verbose_name = verbose_name_plural = "购买记录"

    def __str__(self):
        return f"{self.product.name} · {self.order.out_trade_no}"
