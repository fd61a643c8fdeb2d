from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "业务数据"  # its heading in the admin; rename it as you like
