# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""``manage.py wechat_pay_sync`` (``app.py wechat_pay_sync``): reconcile with WeChat Pay now.

Queries every order still unpaid ``WECHAT_PAY_QUERY_AFTER`` seconds after it was created (``--all``:
every unpaid order), marks paid those WeChat Pay says are, closes those that expired, and asks again
about refunds still open; prints one line per order or refund. 主动与微信支付对账。
"""

from django.core.management.base import BaseCommand, CommandError

from wechat.pay.conf import pay_settings
from wechat.pay.orders import reconcile
from wechat.pay.refunds import reconcile_refunds


class Command(BaseCommand):
    help = "Query WeChat Pay about unpaid orders and open refunds; mark paid, close expired. 与微信支付对账"

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="every unpaid order, however recent")
        parser.add_argument("--limit", type=int, default=500, help="at most this many orders (default 500)")

    def handle(self, *args, all, limit, **options):
        if not pay_settings.configured:
            raise CommandError("WeChat Pay is not configured (WECHAT_PAY_* settings). 微信支付尚未配置")
        min_age = 0 if all else None
        orders = reconcile(min_age=min_age, limit=limit)
        refunds = reconcile_refunds(min_age=min_age, limit=limit)
        for out_trade_no, outcome in orders:
            self.stdout.write(f"order {out_trade_no}: {outcome}")
        for out_refund_no, outcome in refunds:
            self.stdout.write(f"refund {out_refund_no}: {outcome}")
        errors = sum(outcome.startswith("error") for _, outcome in orders + refunds)
        self.stdout.write(f"{len(orders)} order(s), {len(refunds)} refund(s) checked, {errors} error(s)")
        if errors:
            raise CommandError(f"{errors} could not be checked (see above); run it again later")
