# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。

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

        connect_rule_signals()

        for name in app_settings.HANDLERS:
            import_handlers(name)


def import_handlers(name):
    """Import a handler module, or a package and every module in it (sorted by name)."""
    module = importlib.import_module(name)
    for info in sorted(pkgutil.iter_modules(getattr(module, "__path__", [])), key=lambda info: info.name):
        importlib.import_module(f"{name}.{info.name}")


def connect_rule_signals():
    """Every worker reloads its auto-reply rules when one is saved or deleted (wechat.rules)."""
    from django.db.models.signals import post_delete, post_save

    from .models import AutoReplyArticle, AutoReplyRule
    from .rules import rules_changed

    for model in (AutoReplyRule, AutoReplyArticle):
        post_save.connect(rules_changed, sender=model, dispatch_uid=f"wechat.rules.{model.__name__}.save")
        post_delete.connect(rules_changed, sender=model, dispatch_uid=f"wechat.rules.{model.__name__}.delete")
