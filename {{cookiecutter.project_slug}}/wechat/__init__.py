"""WeChat integration: the webhook, the message router and the shared cache."""

from .router import router

__all__ = ["router"]
