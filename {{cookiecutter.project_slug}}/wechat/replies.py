# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Turn what a handler returned into the XML reply WeChat expects.

A handler may return:

- a ``str``: a text reply;
- a list of articles (dicts with title, description, image, url): a news reply;
- any wechatpy reply (``ImageReply(media_id=...)``, ...);
- ``None``: no reply; WeChat gets ``success``.

wechatpy puts every value inside ``<![CDATA[...]]>`` without escaping, so a
value containing ``]]>`` (or a character XML forbids) would break the reply;
``render`` makes every value safe first.
"""

import re
from typing import Any

from wechatpy.messages import BaseMessage
from wechatpy.replies import ArticlesReply, BaseReply, TextReply

SUCCESS = b"success"
# Characters XML 1.0 does not allow, even inside CDATA.
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def make_reply(result: Any, message: BaseMessage) -> BaseReply | None:
    """The wechatpy reply for a handler's result, or None for ``success``."""
    if result is None or result == "":
        return None
    if isinstance(result, str):
        return TextReply(message=message, content=result)
    if isinstance(result, (list, tuple)):
        return ArticlesReply(message=message, articles=list(result))
    if isinstance(result, BaseReply):
        if not result.source:
            result.source = message.target
        if not result.target:
            result.target = message.source
        return result
    raise TypeError(
        f"a handler returned {type(result).__name__}; return str, a list of articles, a wechatpy reply or None"
    )


def render(reply: BaseReply | None) -> bytes:
    """Reply body bytes for a wechatpy reply (or ``success`` for None)."""
    if reply is None:
        return SUCCESS
    reply._data = {name: _cdata_safe(value) for name, value in reply._data.items()}
    return reply.render().encode("utf-8")


def _cdata_safe(value):
    if isinstance(value, str):
        return _INVALID_XML_CHARS.sub("", value).replace("]]>", "]]]]><![CDATA[>")
    if isinstance(value, dict):
        return {key: _cdata_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_cdata_safe(item) for item in value]
    return value
