# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""``PayError``: what went wrong with a payment, said clearly, with the HTTP status to answer."""


class PayError(Exception):
    """A payment that could not be made or changed.

    ``str(error)`` is a clear message; ``code`` and ``message`` are WeChat Pay's own when it answered
    with an error (e.g. ``ORDER_NOT_EXIST``, ``NOT_ENOUGH``); ``status`` is the HTTP status for the
    caller's own answer: 503 when WeChat Pay fails, is unreachable or pay is not configured, 400 for a
    bad request (an amount that is not a positive integer of fen, a refund larger than what remains).
    """

    def __init__(self, message, *, code="", status=503, http_status=None):
        super().__init__(f"{message} [{code}]" if code else message)
        self.message = message
        self.code = code
        self.status = status
        self.http_status = http_status  # WeChat Pay's own HTTP status, when it answered


class NotConfigured(PayError):
    def __init__(self, message="WeChat Pay is not configured (WECHAT_PAY_* settings). 微信支付尚未配置"):
        super().__init__(message, code="NOT_CONFIGURED", status=503)
