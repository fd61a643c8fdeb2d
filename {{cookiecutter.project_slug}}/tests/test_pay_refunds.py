"""Refunds, full and partial, from code and from the admin, with their notifications over real HTTP."""

import json

import pytest

from wechat.pay.errors import PayError
from wechat.pay.models import Order, Refund
from wechat.pay.refunds import refund

from .pay_fixtures import new_order, reload


@pytest.fixture
def paid(fake_pay):
    order = new_order(amount=1000)
    assert fake_pay.pay.notify(order.out_trade_no) == [(204, "")]
    return reload(order)


def test_a_full_refund_and_its_notification(fake_pay, paid, refunded_signals, pay_mode):
    made = refund(paid, reason="不想要了")
    assert made.amount == 1000 and made.status == Refund.Status.PROCESSING and made.refund_id
    assert reload(paid).status == Order.Status.REFUNDING
    answers = fake_pay.pay.refund_notify(made.out_refund_no, times=3, concurrent=True)
    answers += fake_pay.pay.refund_notify(made.out_refund_no)
    assert [status for status, _ in answers] == [204] * 4, answers
    order = reload(paid)
    assert order.status == Order.Status.REFUNDED and order.refunded_amount == 1000
    assert Refund.objects.get().status == Refund.Status.SUCCESS
    assert [(call["order"].pk, call["refund"].pk) for call in refunded_signals.calls] == [(order.pk, made.pk)]
    kinds = list(order.events.values_list("kind", flat=True))
    assert kinds == ["created", "prepaid", "paid", "refund_requested", "refund_processing", "refunded"]


def test_partial_refunds_add_up(fake_pay, paid, refunded_signals):
    first = refund(paid, amount=300, reason="少了一杯")
    fake_pay.pay.refund_notify(first.out_refund_no)
    order = reload(paid)
    assert order.status == Order.Status.PAID and order.refunded_amount == 300
    second = refund(order, amount=200)
    third = refund(order)  # what remains: 500
    assert third.amount == 500
    with pytest.raises(PayError) as caught:
        refund(order, amount=1)
    assert caught.value.status == 400 and caught.value.code == "NOT_ENOUGH"
    fake_pay.pay.refund_notify(third.out_refund_no)
    assert reload(paid).status == Order.Status.REFUNDING and reload(paid).refunded_amount == 800
    fake_pay.pay.refund_notify(second.out_refund_no)
    order = reload(paid)
    assert order.status == Order.Status.REFUNDED and order.refunded_amount == 1000
    assert len(refunded_signals.calls) == 3


def test_the_same_out_refund_no_is_one_refund(fake_pay, paid):
    first = refund(paid, amount=400, out_refund_no="R-once-1")
    again = refund(paid, amount=400, out_refund_no="R-once-1")
    assert first.pk == again.pk and Refund.objects.count() == 1
    with pytest.raises(PayError):
        refund(paid, amount=500, out_refund_no="R-once-1")
    assert fake_pay.pay.orders[paid.out_trade_no]["refunded"] == 400


def test_an_unpaid_order_cannot_be_refunded(fake_pay):
    order = new_order()
    with pytest.raises(PayError) as caught:
        refund(order)
    assert caught.value.status == 400 and not Refund.objects.exists()


def test_a_refund_refused_by_wechat_pay_frees_its_amount(fake_pay, paid):
    fake_pay.fail("v3/refund/domestic/refunds", "NOT_ENOUGH")
    with pytest.raises(PayError) as caught:
        refund(paid)
    assert caught.value.code == "NOT_ENOUGH"
    assert Refund.objects.get().status == Refund.Status.FAILED
    assert reload(paid).status == Order.Status.PAID
    assert refund(reload(paid)).amount == 1000  # nothing held by the refused one


def test_a_refund_whose_answer_was_lost_is_sent_again_by_the_sync(fake_pay, paid, settings):
    from django.core.management import call_command

    fake_pay.fail("v3/refund/domestic/refunds", 500)
    with pytest.raises(PayError):
        refund(paid, amount=100)
    pending = Refund.objects.get()
    assert pending.status == Refund.Status.PENDING and reload(paid).status == Order.Status.REFUNDING
    settings.WECHAT_PAY_QUERY_AFTER = 0
    call_command("wechat_pay_sync")
    assert Refund.objects.get(pk=pending.pk).status == Refund.Status.PROCESSING
    fake_pay.pay.complete_refund(pending.out_refund_no)
    call_command("wechat_pay_sync")
    assert Refund.objects.get(pk=pending.pk).status == Refund.Status.SUCCESS
    assert reload(paid).status == Order.Status.PAID and reload(paid).refunded_amount == 100


def test_a_closed_refund_gives_its_amount_back(fake_pay, paid):
    made = refund(paid, amount=600)
    fake_pay.pay.complete_refund(made.out_refund_no, status="CLOSED")
    assert fake_pay.pay.refund_notify(made.out_refund_no) == [(204, "")]
    assert Refund.objects.get(pk=made.pk).status == Refund.Status.CLOSED
    order = reload(paid)
    assert order.status == Order.Status.PAID and order.refunded_amount == 0
    assert order.refundable_amount() == 1000


@pytest.mark.parametrize(
    "forge, status",
    [("signature", 401), ("key_id", 401), ("stale", 401), ("ciphertext", 400), ("amount", 400),
     ("unknown_order", 404), ("mchid", 400)],
)  # fmt: skip
def test_forged_refund_notifications_are_refused(fake_pay, paid, refunded_signals, forge, status):
    made = refund(paid, amount=500)
    fake_pay.pay.complete_refund(made.out_refund_no)
    for answer_status, body in fake_pay.pay.refund_notify(made.out_refund_no, forge=forge):
        assert answer_status == status and json.loads(body)["code"] == "FAIL"
    assert Refund.objects.get(pk=made.pk).status == Refund.Status.PROCESSING
    assert reload(paid).refunded_amount == 0 and refunded_signals.calls == []


# -- the admin ------------------------------------------------------------------------------------------------


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "a-long-password-1")
    client.force_login(user)
    return client


def test_a_partial_refund_from_the_admin(fake_pay, paid, staff):
    page = staff.get(f"/admin/wechat_pay/order/{paid.pk}/change/")
    assert page.status_code == 200 and f"/admin/wechat_pay/order/{paid.pk}/refund/" in page.content.decode()
    form = staff.get(f"/admin/wechat_pay/order/{paid.pk}/refund/")
    out_refund_no = form.context["form"].initial["out_refund_no"]
    data = {"amount": "2.50", "reason": "少一杯", "out_refund_no": out_refund_no}
    response = staff.post(f"/admin/wechat_pay/order/{paid.pk}/refund/", data)
    assert response.status_code == 302
    again = staff.post(f"/admin/wechat_pay/order/{paid.pk}/refund/", data)  # submitted twice
    assert again.status_code == 302
    made = Refund.objects.get()
    assert (made.amount, made.reason, made.out_refund_no) == (250, "少一杯", out_refund_no)
    fake_pay.pay.refund_notify(made.out_refund_no)
    assert reload(paid).refunded_amount == 250


def test_the_admin_shows_refund_errors_in_the_form(fake_pay, paid, staff):
    url = f"/admin/wechat_pay/order/{paid.pk}/refund/"
    response = staff.post(url, {"amount": "10.01", "reason": "", "out_refund_no": "R-admin-1"})
    assert response.status_code == 200
    assert "退款失败" in response.content.decode() and not Refund.objects.exists()
    response = staff.post(url, {"amount": "-1", "out_refund_no": "R-admin-2"})
    assert response.status_code == 200 and response.context["form"].errors
    response = staff.post(url, {"out_refund_no": "R-admin-3"})  # blank: everything
    assert response.status_code == 302 and Refund.objects.get().amount == 1000


def test_the_admin_lists_and_searches_orders_with_money_read_only(fake_pay, paid, staff):
    page = staff.get("/admin/wechat_pay/order/", {"q": paid.out_trade_no})
    assert page.status_code == 200 and paid.out_trade_no in page.content.decode()
    assert staff.get("/admin/wechat_pay/order/", {"q": paid.transaction_id}).context["cl"].result_count == 1
    assert staff.get("/admin/wechat_pay/order/", {"status__exact": "closed"}).context["cl"].result_count == 0
    staff.post(f"/admin/wechat_pay/order/{paid.pk}/change/", {"amount": "1"})
    assert reload(paid).amount == 1000
    assert staff.get("/admin/wechat_pay/order/add/").status_code == 403
