"""The admin: each feature's ModelAdmin classes live in their own module, imported here."""

from importlib import import_module
from importlib.util import find_spec

# Official-account features: absent from a mini_program project (hooks/post_gen_project.py removes them).
for optional in ("admin_menus", "admin_materials"):
    if find_spec(f"wechat.{optional}") is not None:
        import_module(f"wechat.{optional}")
