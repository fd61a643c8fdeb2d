"""Your menu (menu.json) is one WeChat accepts. This file is yours, like menu.json."""

import json
from pathlib import Path

from django.core.management import call_command

MENU = Path(__file__).resolve().parent.parent / "menu.json"


def test_wechat_accepts_the_menu(fake_wechat):
    call_command("wechat_menu", "push", str(MENU))
    assert fake_wechat.menu == json.loads(MENU.read_text(encoding="utf-8"))
