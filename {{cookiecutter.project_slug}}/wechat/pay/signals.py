# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""The business hooks: connect a receiver to act on a payment or a refund.

    from wechat.pay.signals import order_paid

    @receiver(order_paid)
    def ship(sender, order, **kwargs): ...

``order_paid`` is sent exactly once per paid order, after the transaction that marked it paid has
committed, whichever of the notification, its retries or the reconciliation saw the payment first.
``order_refunded`` is sent once per successful refund (``refund=`` the ``Refund``). A receiver that
raises is logged and never makes WeChat Pay's notification fail (``send_robust``).
"""

import logging

from django.dispatch import Signal

logger = logging.getLogger("wechat.pay")

order_paid = Signal()  # sender=Order, order=Order
order_refunded = Signal()  # sender=Order, order=Order, refund=Refund


def send(signal, name, **kwargs):
    from .models import Order

    for receiver, result in signal.send_robust(sender=Order, **kwargs):
        if isinstance(result, Exception):
            logger.error(
                "%s receiver %s failed for order %s: %r",
                name,
                getattr(receiver, "__qualname__", receiver),
                kwargs["order"].out_trade_no,
                result,
                exc_info=(type(result), result, result.__traceback__),
            )
