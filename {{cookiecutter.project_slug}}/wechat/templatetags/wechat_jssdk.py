"""``{% wechat_jssdk_config %}``: ``<script>wx.config({...})</script>`` signed for the current page."""

import json

from django import template
from django.utils.safestring import mark_safe

from ..jssdk import config_for

register = template.Library()

# Keep the JSON inert inside <script>.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def wechat_jssdk_config(context, debug=False):
    """Put after jweixin-1.6.0.js; needs ``request`` in the context."""
    config = {"debug": bool(debug), **config_for(context["request"].build_absolute_uri())}
    return mark_safe(f"<script>wx.config({json.dumps(config).translate(_SCRIPT_ESCAPES)});</script>")
