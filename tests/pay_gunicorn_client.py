"""WeChat Pay against a generated project under gunicorn: the fake WeChat Pay, driven over stdin/stdout.

Run with the generated project on PYTHONPATH (it uses the project's own ``wechat.fake_pay``) and its
production environment. It starts the fake, writes throwaway keys, prints one JSON line with the
``WECHAT_PAY_*`` environment gunicorn needs, then waits for a line with gunicorn's base URL; it then
creates an order (in the project's database, through the fake), delivers its payment notification
3 times at once and 2 more times, and prints one JSON line with the answers and the order's state.
"""

import json
import os
import sys
import tempfile
from pathlib import Path

MCH_ID = "1900000109"
APP_ID = "wx1234567890abcdef"


def main():
    from wechat.fake_pay import merchant_keys
    from wechat.fake_server import FakeWeChat

    directory = Path(tempfile.mkdtemp(prefix="pay-gunicorn-"))
    keys = merchant_keys(directory / "merchant")
    merchant = keys.merchant(mch_id=MCH_ID, appids=(APP_ID,))
    with FakeWeChat(pay=merchant) as fake:
        paths = fake.pay.write_keys(directory / "wechatpay")
        env = {
            "WECHAT_PAY_MCH_ID": MCH_ID,
            "WECHAT_PAY_API_V3_KEY": merchant.api_v3_key,
            "WECHAT_PAY_PRIVATE_KEY_PATH": str(keys.private_key_path),
            "WECHAT_PAY_CERT_SERIAL_NO": keys.serial_no,
            "WECHAT_PAY_PUBLIC_KEY_ID": fake.pay.public_key_id,
            "WECHAT_PAY_PUBLIC_KEY_PATH": str(paths["public_key"]),
            "WECHAT_PAY_NOTIFY_URL": "https://shop.example.com/wechat/pay/notify/",
            "WECHAT_PAY_API_BASE_URL": fake.url,
        }
        print(json.dumps(env), flush=True)
        url = sys.stdin.readline().strip()
        fake.pay.notify_base = url
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app")  # the single-file layout's settings

        import django

        django.setup()
        from wechat.pay.models import Order
        from wechat.pay.orders import create_order

        order = create_order(description="gunicorn", amount=321, openid="o_gunicorn", appid=APP_ID)
        answers = fake.pay.notify(order.out_trade_no, times=3, concurrent=True)
        answers += fake.pay.notify(order.out_trade_no, times=2)
        order = Order.objects.get(pk=order.pk)
        print(
            json.dumps(
                {
                    "answers": [status for status, _ in answers],
                    "status": order.status,
                    "paid_events": order.events.filter(kind="paid").count(),
                    "transaction_id_matches": order.transaction_id
                    == fake.pay.orders[order.out_trade_no]["transaction_id"],
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
