"""WeChat Pay API v3 (微信支付 APIv3): JSAPI / mini program orders, notifications, refunds, reconciliation.

Public-key mode first (merchants since 2024 get a WeChat Pay public key, ``PUB_KEY_ID_...``), the platform
certificate mode as a fallback. See ``wechat.pay.orders`` (``create_order``) and ``wechat.pay.refunds``.
"""
