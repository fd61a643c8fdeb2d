"""Reconciliation: a lost notification, an order never paid, by the task and by ``wechat_pay_sync``."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from wechat.pay.models import Order
from wechat.pay.tasks import query_order_task, reconcile_task

from .pay_fixtures import new_order, reload


def sync(*args):
    out = io.StringIO()
    call_command("wechat_pay_sync", *args, stdout=out)
    return out.getvalue()


def age(order, seconds):
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - datetime.timedelta(seconds=seconds))


def test_a_lost_notification_is_found_by_the_sync(fake_pay, paid_signals, settings):
    settings.WECHAT_PAY_QUERY_AFTER = 300
    order = new_order()
    fake_pay.pay.pay(order.out_trade_no)  # paid, and the notification never comes
    assert "0 order(s)" in sync()  # too recent to be queried yet
    age(order, 301)
    out = sync()
    assert f"order {order.out_trade_no}: paid" in out
    assert reload(order).status == Order.Status.PAID
    assert reload(order).transaction_id == fake_pay.pay.orders[order.out_trade_no]["transaction_id"]
    # The notification, late, and the next sync: nothing more.
    assert fake_pay.pay.notify(order.out_trade_no) == [(204, "")]
    assert "0 order(s)" in sync("--all")
    assert paid_signals.out_trade_nos() == [order.out_trade_no]


def test_an_expired_unpaid_order_is_closed_here_and_at_wechat_pay(fake_pay, paid_signals):
    order = new_order()
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    out = sync("--all")
    assert f"order {order.out_trade_no}: closed" in out
    assert reload(order).status == Order.Status.CLOSED
    assert fake_pay.pay.orders[order.out_trade_no]["trade_state"] == "CLOSED"
    assert fake_pay.calls["v3/pay/transactions/out-trade-no/{out_trade_no}/close"] == 1
    assert paid_signals.calls == []


def test_an_unpaid_order_not_yet_expired_stays_open(fake_pay):
    order = new_order()
    assert f"order {order.out_trade_no}: unpaid" in sync("--all")
    assert reload(order).status == Order.Status.CREATED
    assert reload(order).queried_at is not None


def test_the_query_task_marks_paid_and_closes_once_expired(fake_pay, paid_signals):
    paid, unpaid = new_order(), new_order()
    fake_pay.pay.pay(paid.out_trade_no)
    assert query_order_task.call(paid.out_trade_no) == "paid"
    assert query_order_task.call(paid.out_trade_no) == "done"
    assert query_order_task.call(unpaid.out_trade_no) == "unpaid"
    Order.objects.filter(pk=unpaid.pk).update(expires_at=timezone.now())
    assert query_order_task.call(unpaid.out_trade_no) == "closed"
    assert reload(paid).status == Order.Status.PAID and reload(unpaid).status == Order.Status.CLOSED
    assert paid_signals.out_trade_nos() == [paid.out_trade_no]


def test_the_reconcile_task_covers_every_due_order(fake_pay, settings):
    settings.WECHAT_PAY_QUERY_AFTER = 0
    orders = [new_order() for _ in range(3)]
    fake_pay.pay.pay(orders[1].out_trade_no)
    report = reconcile_task.call()
    assert dict(report["orders"]) == {
        orders[0].out_trade_no: "unpaid",
        orders[1].out_trade_no: "paid",
        orders[2].out_trade_no: "unpaid",
    }


def test_an_order_paid_while_being_closed_is_marked_paid(fake_pay, paid_signals):
    order = new_order()
    fake_pay.pay.pay(order.out_trade_no)
    from wechat.pay.orders import close_order

    assert close_order(reload(order)) == "paid"
    assert reload(order).status == Order.Status.PAID and len(paid_signals.calls) == 1


def test_the_sync_reports_wechat_pay_being_down(fake_pay, settings):
    order = new_order()
    fake_pay.fail("v3/pay/transactions/out-trade-no/{out_trade_no}", 500)
    with pytest.raises(CommandError):
        out = io.StringIO()
        call_command("wechat_pay_sync", "--all", stdout=out)
    assert f"order {order.out_trade_no}: error" in out.getvalue()
    assert reload(order).status == Order.Status.CREATED


def test_creating_an_order_queues_its_query(fake_pay, settings, transactional_db):
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
        queued = queued_in_database
    else:
        queued = queued_in_rq
    before = queued()
    order = new_order()
    after = [job for job in queued() if job not in before]
    assert [(path, args) for path, args, _ in after] == [("wechat.pay.tasks.query_order_task", [order.out_trade_no])]
    assert after[0][2] >= order.created_at + datetime.timedelta(seconds=299)


def queued_in_database():
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(task_path="wechat.pay.tasks.query_order_task")
    return [(row.task_path, row.args_kwargs["args"], row.run_after) for row in rows]


def queued_in_rq():
    import django_rq
    from rq.registry import ScheduledJobRegistry

    queue = django_rq.get_queue("default")
    registry = ScheduledJobRegistry(queue=queue)
    jobs = [queue.fetch_job(job_id) for job_id in registry.get_job_ids()]
    return [(job.func_name, list(job.args), registry.get_scheduled_time(job)) for job in jobs if job]
