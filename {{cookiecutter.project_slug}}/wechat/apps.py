import importlib
import pkgutil

from django.apps import AppConfig


class WeChatConfig(AppConfig):
    name = "wechat"
    verbose_name = "微信"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
        from .conf import app_settings

        for name in app_settings.HANDLERS:
            import_handlers(name)


def import_handlers(name):
    """Import a handler module, or a package and every module in it (sorted by name)."""
    module = importlib.import_module(name)
    for info in sorted(pkgutil.iter_modules(getattr(module, "__path__", [])), key=lambda info: info.name):
        importlib.import_module(f"{name}.{info.name}")
