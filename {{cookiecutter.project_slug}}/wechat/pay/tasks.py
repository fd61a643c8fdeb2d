# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""The reconciliation, run by ``wechat_worker``: the notification may never come.

Each order, once created, gets a task that queries it ``WECHAT_PAY_QUERY_AFTER`` seconds later and,
while it stays unpaid, again when it expires, to close it. ``reconcile_task`` (and the command
``wechat_pay_sync``) does the same for every order and open refund that is due.
"""

import datetime
import logging

from django.utils import timezone

from wechat.tasks import default_task_backend, task

from .conf import pay_settings
from .errors import PayError
from .models import Order

logger = logging.getLogger("wechat.pay")
GIVE_UP_AFTER = datetime.timedelta(days=2)  # an order WeChat Pay could not be asked about for so long: the sync's


def enqueue_query(out_trade_no, run_after):
    """Queue ``query_order_task`` for ``run_after``; a queue that does not answer is logged, never raised."""
    try:
        if default_task_backend.supports_defer:
            query_order_task.using(run_after=run_after).enqueue(out_trade_no)
        else:
            query_order_task.enqueue(out_trade_no)
    except Exception:  # the order stands; `wechat_pay_sync` finds it anyway
        logger.warning("could not queue the query of order %s", out_trade_no, exc_info=True)


@task()
def query_order_task(out_trade_no):
    from .orders import reconcile_order

    order = Order.objects.filter(out_trade_no=out_trade_no, status=Order.Status.CREATED).first()
    if order is None:
        return "done"
    now = timezone.now()
    try:
        outcome = reconcile_order(order, now, source="task")
    except PayError as exc:  # reconcile_order reports its own; this is the unexpected
        outcome = f"error: {exc}"
    if order.status == Order.Status.CREATED and now - order.created_at < GIVE_UP_AFTER:
        retry = max(order.expires_at, now + datetime.timedelta(seconds=pay_settings.QUERY_AFTER))
        enqueue_query(out_trade_no, retry + datetime.timedelta(seconds=5))
    return outcome


@task()
def reconcile_task():
    from .orders import reconcile
    from .refunds import reconcile_refunds

    return {"orders": reconcile(source="task"), "refunds": reconcile_refunds(source="task")}
