"""The one exception for "WeChat's servers did not answer".

Errors WeChat *does* answer with (an ``errcode``) stay wechatpy's
``WeChatClientException``, with ``errcode`` and ``errmsg``.
"""


class WeChatUnavailable(Exception):
    """WeChat's API could not be reached, timed out, or answered with an HTTP error."""
