"""The Django admin at /admin/, Chinese first: each part's pages live in a module of their own.

Log in with a user made by ``manage.py createsuperuser`` (``python app.py createsuperuser``).
Official-account features are absent from a mini_program project, so their modules are
imported only when present.
"""

from importlib import import_module
from importlib.util import find_spec

from django.contrib import admin

admin.site.site_header = "微信管理后台"
admin.site.site_title = "微信管理后台"
admin.site.index_title = "日常运营"

from . import admin_followers, admin_messagelog  # noqa: E402, F401

for feature in ("admin_rules", "admin_menus", "admin_materials"):  # official-account features
    if find_spec(f"wechat.{feature}") is not None:
        import_module(f"wechat.{feature}")
