# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Orders, refunds and the record of every change of either (amounts in integer fen, 分)."""

from django.db import models
from django.db.models import Sum


class Order(models.Model):
    class Status(models.TextChoices):
        CREATED = "created", "待支付 created"
        PAID = "paid", "已支付 paid"
        CLOSED = "closed", "已关闭 closed"
        REFUNDING = "refunding", "退款中 refunding"
        REFUNDED = "refunded", "已全额退款 refunded"

    out_trade_no = models.CharField("商户订单号", max_length=32, unique=True, editable=False)
    appid = models.CharField("AppID", max_length=32)
    mchid = models.CharField("商户号", max_length=32)
    openid = models.CharField("付款用户 openid", max_length=128, db_index=True)
    description = models.CharField("商品描述", max_length=127)
    amount = models.PositiveIntegerField("金额（分）")
    currency = models.CharField("币种", max_length=8, default="CNY")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.CREATED, db_index=True)
    prepay_id = models.CharField(max_length=64, blank=True)
    transaction_id = models.CharField("微信支付订单号", max_length=32, blank=True, db_index=True)
    trade_state = models.CharField("微信支付交易状态", max_length=32, blank=True)
    refunded_amount = models.PositiveIntegerField("已退款（分）", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    expires_at = models.DateTimeField("支付截止时间")
    paid_at = models.DateTimeField("支付时间", null=True, blank=True)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    queried_at = models.DateTimeField("最后查询时间", null=True, blank=True)

    class Meta:
        verbose_name = "支付订单"
        verbose_name_plural = "支付订单"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="wechat_pay_status_created")]

    def __str__(self):
        return f"{self.out_trade_no} ({self.amount / 100:.2f} 元, {self.get_status_display()})"

    def client_parameters(self):
        """What ``wx.requestPayment`` / ``WeixinJSBridge.invoke('getBrandWCPayRequest')`` needs, signed."""
        from .orders import client_parameters

        return client_parameters(self)

    def refundable_amount(self):
        """Fen that may still be refunded: the amount less every refund not failed (pending ones included)."""
        held = self.refunds.exclude(status__in=Refund.FAILED).aggregate(total=Sum("amount"))["total"] or 0
        return max(self.amount - held, 0)


class Refund(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "已提交 pending"  # recorded, WeChat Pay's answer not known yet
        PROCESSING = "processing", "退款处理中 processing"
        SUCCESS = "success", "退款成功 success"
        CLOSED = "closed", "退款关闭 closed"
        ABNORMAL = "abnormal", "退款异常 abnormal"
        FAILED = "failed", "被拒绝 refused"  # WeChat Pay refused the request itself

    FAILED = (Status.CLOSED, Status.FAILED)
    OPEN = (Status.PENDING, Status.PROCESSING, Status.ABNORMAL)

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds", verbose_name="订单")
    out_refund_no = models.CharField("商户退款单号", max_length=64, unique=True)
    refund_id = models.CharField("微信支付退款单号", max_length=32, blank=True)
    amount = models.PositiveIntegerField("退款金额（分）")
    reason = models.CharField("退款原因", max_length=80, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    error = models.CharField("错误", max_length=255, blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    succeeded_at = models.DateTimeField("退款成功时间", null=True, blank=True)

    class Meta:
        verbose_name = "退款"
        verbose_name_plural = "退款"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.out_refund_no} ({self.amount / 100:.2f} 元, {self.get_status_display()})"


class OrderEvent(models.Model):
    """One change of an order or of one of its refunds: what, from which state to which, and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events", verbose_name="订单")
    refund = models.ForeignKey(Refund, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="退款")
    kind = models.CharField("事件", max_length=32)
    from_status = models.CharField("原状态", max_length=16, blank=True)
    to_status = models.CharField("新状态", max_length=16, blank=True)
    source = models.CharField("来源", max_length=16)  # code, notify, query, admin, sync
    detail = models.JSONField("详情", default=dict, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "订单事件"
        verbose_name_plural = "订单事件"
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.kind}: {self.from_status or '-'} → {self.to_status or '-'}"
