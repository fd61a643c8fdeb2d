"""What happens once an order is paid: WeChat Pay's ``order_paid`` signal calls ``fulfil``.

It runs once per paid order, after the payment is committed; an exception here is
logged and never makes WeChat Pay's notification fail. Put your own business here
(ship the goods, add credits, send a template message, ...).
订单支付成功后的业务逻辑：每个订单只执行一次。在这里发货、加积分、发通知……
"""

import logging

from django.utils import timezone

from .models import Purchase

logger = logging.getLogger("shop")


def fulfil(sender, order, **kwargs):
    updated = Purchase.objects.filter(order=order, fulfilled_at__isnull=True).update(fulfilled_at=timezone.now())
    if updated:
        logger.info("Order %s paid: fulfilled", order.out_trade_no)
