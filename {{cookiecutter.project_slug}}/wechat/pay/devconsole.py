# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""The dev console's pay button: one simulated payment, walked through the fake WeChat Pay server.

It places a 1-fen order as the console's own user, has the fake server (``manage.py
wechat_fake_server``) pay it and send the signed, encrypted notification to this
project's notify URL over HTTP, then reads the order back. Like the rest of the
console it answers only DEBUG requests from this machine, and it refuses to run
unless WECHAT_PAY_API_BASE_URL is a server on this machine: no real money moves.
"""

import requests
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from ..conf import app_settings
from ..devconsole import DEV_CONSOLE_OPENID, local_debug_only, on_this_machine
from .conf import pay_settings
from .orders import PayError, create_order


@local_debug_only
@require_POST
def pay(request):
    base = pay_settings.API_BASE_URL
    if not on_this_machine(base):
        message = f"WECHAT_PAY_API_BASE_URL 是 {base}，不是本机的假服务器 / is not a fake server on this machine"
        return JsonResponse({"error": message}, status=409)
    appid = app_settings.APP_ID or app_settings.MINIPROGRAM_APP_ID
    try:
        order = create_order(description="开发控制台测试 dev console", amount=1, openid=DEV_CONSOLE_OPENID, appid=appid)
    except PayError as exc:
        return JsonResponse({"error": str(exc)}, status=exc.status)
    steps = [f"下单 order {order.out_trade_no} · 1 分 fen · {order.status}"]
    notify_url = request.build_absolute_uri(reverse("wechat_pay:notify"))
    session = requests.Session()
    session.trust_env = False  # this machine: never through HTTP_PROXY
    try:
        with session:
            fake = base + "__fake__/pay/"
            # What wx.requestPayment would get: the fake checks the paySign before it "pays".
            paid = session.post(fake + "pay", json=order.client_parameters(), timeout=5)
            if paid.status_code != 200:
                steps.append(f"付款失败 payment refused: {paid.text[:200]}")
                raise requests.HTTPError(paid.text[:200])
            steps.append("付款 paid: paySign 验证通过 verified by the fake WeChat Pay")
            answer = session.post(
                fake + "notify", json={"out_trade_no": order.out_trade_no, "url": notify_url}, timeout=10
            )
            answer.raise_for_status()
            steps.append(f"通知 notification → {notify_url}: {answer.text[:200]}")
    except requests.RequestException as exc:
        steps.append(f"假服务器出错 the fake server failed: {exc.__class__.__name__} {exc}"[:300])
    order.refresh_from_db()
    steps.append(f"订单状态 order status: {order.status}")
    return JsonResponse({"out_trade_no": order.out_trade_no, "status": order.status, "steps": steps})
