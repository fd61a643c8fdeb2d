"""The admin: each feature registers its models in a module of its own.

Official-account features are absent from a mini_program project, so each module is imported if present.
"""

from importlib import import_module
from importlib.util import find_spec

for feature in ("admin_rules",):  # auto-reply rules
    if find_spec(f"wechat.{feature}") is not None:
        import_module(f"wechat.{feature}")
