"""The shop's JSON API: place an order, then pay it with the parameters returned.

    POST /api/shop/orders/  {"product_id": 1}
        -> 201 {"out_trade_no": "...", "amount": 100, "product": {...}, "payment": {...}}
    GET  /api/shop/orders/<out_trade_no>/
        -> 200 {"out_trade_no": "...", "status": "paid", ...}

The buyer is known by
{%- if cookiecutter.__miniprogram == "True" %}
the mini program's JWT (``Authorization: Bearer <access token>``){% endif %}
{%- if cookiecutter.__miniprogram == "True" and cookiecutter.__oauth == "True" %} or by{% endif %}
{%- if cookiecutter.__oauth == "True" %}
web OAuth on official-account pages (the session cookie: send the CSRF token){% endif %}.
The amount always comes from the product on the server, never from the client.
"""

from django.http import JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from wechat.jsonbody import BadJSON, id_field, json_object
{%- if cookiecutter.__miniprogram == "True" %}
from wechat.jwt_auth import InvalidToken, SigningKeyMissing, authenticate
{%- endif %}
{%- if cookiecutter.__oauth == "True" %}
from wechat.oauth import current_user
{%- endif %}
from wechat.pay.models import Order
from wechat.pay.orders import PayError, create_order

from .models import Product, Purchase

{% if cookiecutter.__miniprogram == "True" and cookiecutter.__oauth == "True" -%}
SIGN_IN = "sign in first: Authorization: Bearer <access token>, or web OAuth on an official-account page"
{%- elif cookiecutter.__miniprogram == "True" -%}
SIGN_IN = "sign in first: Authorization: Bearer <access token>"
{%- else -%}
SIGN_IN = "sign in first: web OAuth on an official-account page"
{%- endif %}


class NotSignedIn(Exception):
    """No buyer: the reason goes back to the client with a 401."""


def error(status, message):
    return JsonResponse({"error": message}, status=status)


def buyer(request):
    """The WeChatUser placing or reading an order, and whether a bearer token (not a cookie) said so."""
{%- if cookiecutter.__miniprogram == "True" %}
    if "Authorization" in request.headers:
        try:
            return authenticate(request), True
        except InvalidToken as exc:
            raise NotSignedIn(str(exc)) from exc
        except SigningKeyMissing as exc:
            raise NotSignedIn("JWT_SECRET_KEY is not configured on the server") from exc
{%- endif %}
{%- if cookiecutter.__oauth == "True" %}
    user = current_user(request)
    if user is not None:
        return user, False
{%- endif %}
    raise NotSignedIn(SIGN_IN)


def csrf_refusal(request):
    """Django's CSRF check, for a buyer known by the session cookie (a bearer token needs none)."""
    return CsrfViewMiddleware(lambda request: None).process_view(request, None, (), {})


@csrf_exempt  # checked below when the buyer comes from a cookie
@require_POST
def orders(request):
    try:
        user, by_token = buyer(request)
    except NotSignedIn as exc:
        return error(401, str(exc))
    if not by_token and (refusal := csrf_refusal(request)) is not None:
        return refusal
    try:
        product_id = id_field(json_object(request.body), "product_id")
    except BadJSON as exc:
        return error(400, str(exc))
    product = Product.objects.filter(pk=product_id, active=True).first()
    if product is None:
        return error(400, f"product_id: no product {product_id} on sale")
    try:
        order = create_order(description=product.name, amount=product.price, openid=user.openid, appid=user.app_id)
    except PayError as exc:
        return error(exc.status, str(exc))
    Purchase.objects.create(order=order, product=product, user=user)
    payment = order.client_parameters()
    if by_token:
        payment.pop("appId")  # wx.requestPayment takes the rest; WeixinJSBridge needs appId too
    return JsonResponse(
        {
            "out_trade_no": order.out_trade_no,
            "amount": order.amount,
            "product": {"id": product.pk, "name": product.name},
            "payment": payment,
        },
        status=201,
    )


@require_GET
def order_detail(request, out_trade_no):
    try:
        user, _ = buyer(request)
    except NotSignedIn as exc:
        return error(401, str(exc))
    order = Order.objects.filter(out_trade_no=out_trade_no, openid=user.openid, appid=user.app_id).first()
    if order is None:
        return error(404, "no such order")
    purchase = Purchase.objects.filter(order=order).select_related("product").first()
    return JsonResponse(
        {
            "out_trade_no": order.out_trade_no,
            "status": order.status,
            "amount": order.amount,
            "refunded_amount": order.refunded_amount,
            "paid_at": order.paid_at.isoformat() if order.paid_at else None,
            "product": {"id": purchase.product.pk, "name": purchase.product.name} if purchase else None,
            "fulfilled": bool(purchase and purchase.fulfilled_at),
        }
    )
