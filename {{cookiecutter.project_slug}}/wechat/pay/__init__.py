# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""WeChat Pay API v3 (微信支付 APIv3): JSAPI / mini program orders, notifications, refunds, reconciliation.

Public-key mode first (merchants since 2024 get a WeChat Pay public key, ``PUB_KEY_ID_...``), the platform
certificate mode as a fallback. See ``wechat.pay.orders`` (``create_order``) and ``wechat.pay.refunds``.
"""
