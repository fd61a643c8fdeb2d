# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""``{% wechat_jssdk_config %}``: ``<script>wx.config({...})</script>`` signed for the current page."""

import json
import logging

from django import template
from django.utils.safestring import mark_safe
from wechatpy.exceptions import WeChatClientException

from ..exceptions import ServiceUnavailable
from ..jssdk import UnsignableURL, config_for

logger = logging.getLogger("wechat.views")

register = template.Library()

# Keep the JSON inert inside <script>.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def wechat_jssdk_config(context, debug=False):
    """Put after jweixin-1.6.0.js; needs ``request`` in the context.

    When the page cannot be signed (WeChat down, host not allowed) the page still
    renders, and the browser console says why.
    """
    try:
        config = {"debug": bool(debug), **config_for(context["request"].build_absolute_uri())}
    except (UnsignableURL, ServiceUnavailable, WeChatClientException) as exc:
        logger.warning("JSSDK config not signed: %s", exc)
        problem = json.dumps(f"wechat jssdk: {exc}").translate(_SCRIPT_ESCAPES)
        return mark_safe(f"<script>console.error({problem});</script>")
    return mark_safe(f"<script>wx.config({json.dumps(config).translate(_SCRIPT_ESCAPES)});</script>")
