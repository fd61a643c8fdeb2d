# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""``manage.py wechat_menu push menu.json | show | delete``: the official account's custom menu.

``push`` checks the file against WeChat's rules first (``wechat.menus``, the
admin's check too) and names every button that breaks one.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from wechatpy.exceptions import WeChatClientException

from wechat.client import get_client
from wechat.exceptions import ServiceUnavailable
from wechat.menus import clean_menu, forget_current, menu_errors


class Command(BaseCommand):
    help = "Push, show or delete the custom menu (自定义菜单)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        push = actions.add_parser("push", help="create the menu from a JSON file")
        push.add_argument("file", type=Path)
        actions.add_parser("show", help="print the current menu as JSON")
        actions.add_parser("delete", help="delete the menu")

    def handle(self, *args, action, file=None, **options):
        try:
            client = get_client()
            if action == "push":
                client.menu.create(self._read(file))
                forget_current()  # no menu of the admin's is the one on WeChat any more
                self.stdout.write(self.style.SUCCESS(f"Menu pushed from {file}"))
            elif action == "show":
                menu = client.menu.get()  # None when WeChat answers 46003 (no menu)
                # Just the menu (no menuid, no empty sub_button), so that the output can be pushed back as it is.
                shown = "No menu. 未设置菜单。"
                if menu:
                    shown = json.dumps(clean_menu(menu["menu"]), ensure_ascii=False, indent=2)
                self.stdout.write(shown)
            else:
                client.menu.delete()
                forget_current()
                self.stdout.write(self.style.SUCCESS("Menu deleted"))
        except WeChatClientException as exc:
            raise CommandError(f"WeChat refused: errcode {exc.errcode} {exc.errmsg}") from exc
        except ServiceUnavailable as exc:
            raise CommandError(str(exc)) from exc

    def _read(self, file):
        try:
            menu = json.loads(file.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        except ValueError as exc:
            raise CommandError(f"{file} is not valid JSON: {exc}") from exc
        if not isinstance(menu, dict) or "button" not in menu:
            raise CommandError(f'{file} must be a JSON object with a "button" list')
        errors = menu_errors(menu)
        if errors:
            raise CommandError(f"{file} breaks WeChat's menu rules 菜单不符合微信的规则:\n" + "\n".join(errors))
        return menu
