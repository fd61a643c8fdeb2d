# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Orders in the admin: read-only money, every event, search, a status filter; refunds and queries.

``<id>/refund/`` is the refund form (full or partial, with a reason); the form carries its own
``out_refund_no``, so submitting it twice makes one refund. The action "向微信支付查询" queries the
selected orders now.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from .errors import PayError
from .models import Order, OrderEvent, Refund
from .orders import reconcile_order
from .refunds import new_out_refund_no, refund


def yuan(fen):
    return f"{(fen or 0) / 100:.2f}"


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    fields = ["created_at", "kind", "from_status", "to_status", "source", "refund", "detail"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RefundInline(admin.TabularInline):
    model = Refund
    fields = ["out_refund_no", "amount_yuan", "reason", "status", "refund_id", "error", "created_at", "succeeded_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description="退款金额（元）")
    def amount_yuan(self, refund_row):
        return yuan(refund_row.amount)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label="退款金额（元）",
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        help_text="留空则退还全部剩余金额。Blank: everything that remains.",
    )
    reason = forms.CharField(label="退款原因", max_length=80, required=False)
    out_refund_no = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def amount_in_fen(self):
        amount = self.cleaned_data.get("amount")
        return None if amount is None else int(amount * 100)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["out_trade_no", "description", "amount_yuan", "refunded_yuan", "status", "openid", "created_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["out_trade_no", "openid", "transaction_id"]
    readonly_fields = [
        "out_trade_no", "appid", "mchid", "openid", "description", "amount_yuan", "currency", "status",
        "refunded_yuan", "transaction_id", "trade_state", "prepay_id", "created_at", "expires_at", "paid_at",
        "closed_at", "queried_at",
    ]  # fmt: skip
    fields = readonly_fields
    inlines = [RefundInline, OrderEventInline]
    actions = ["query_now"]
    change_form_template = "admin/wechat_pay/order/change_form.html"

    @admin.display(description="金额（元）", ordering="amount")
    def amount_yuan(self, order):
        return yuan(order.amount)

    @admin.display(description="已退款（元）", ordering="refunded_amount")
    def refunded_yuan(self, order):
        return yuan(order.refunded_amount)

    def has_add_permission(self, request):
        return False  # orders come from create_order(): the amount is the server's

    def has_delete_permission(self, request, obj=None):
        return False  # money records are kept

    def get_urls(self):
        refund_view = self.admin_site.admin_view(self.refund_view)
        return [path("<int:pk>/refund/", refund_view, name="wechat_pay_order_refund"), *super().get_urls()]

    @admin.action(description="向微信支付查询所选订单（更新状态，过期关单）", permissions=["change"])
    def query_now(self, request, queryset):
        for order in queryset.filter(status=Order.Status.CREATED)[:100]:
            outcome = reconcile_order(order, source="admin")
            level = messages.ERROR if outcome.startswith("error") else messages.INFO
            self.message_user(request, f"{order.out_trade_no}: {outcome}", level)

    def refund_view(self, request, pk):
        order = get_object_or_404(Order, pk=pk)
        if not self.has_change_permission(request, order):
            raise PermissionDenied
        if request.method == "POST":
            form = RefundForm(request.POST)
            if form.is_valid():
                try:
                    made = refund(
                        order,
                        amount=form.amount_in_fen(),
                        reason=form.cleaned_data["reason"],
                        out_refund_no=form.cleaned_data["out_refund_no"],
                        source="admin",
                    )
                except PayError as exc:
                    form.add_error(None, f"退款失败 Refund failed: {exc}")
                else:
                    self.message_user(
                        request,
                        f"已申请退款 {yuan(made.amount)} 元（{made.out_refund_no}）：{made.get_status_display()}",
                    )
                    return redirect(reverse("admin:wechat_pay_order_change", args=[order.pk]))
        else:
            form = RefundForm(initial={"out_refund_no": new_out_refund_no()})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": order,
            "form": form,
            "refundable": yuan(order.refundable_amount()),
            "title": f"退款 Refund: {order.out_trade_no}",
        }
        return TemplateResponse(request, "admin/wechat_pay/order/refund.html", context)


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ["out_refund_no", "order", "amount", "status", "reason", "created_at"]
    list_filter = ["status"]
    search_fields = ["out_refund_no", "refund_id", "order__out_trade_no"]
    readonly_fields = [field.name for field in Refund._meta.fields]

    def has_add_permission(self, request):
        return False  # from the order's refund form, or refund() in code

    def has_delete_permission(self, request, obj=None):
        return False
