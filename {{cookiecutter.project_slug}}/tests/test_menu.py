"""``manage.py wechat_menu push | show | delete`` against the fake WeChat server."""

import json

import pytest
from django.core.management import CommandError, call_command

# A menu of the tests' own: the project's menu.json is yours (test_examples.py checks it).
MENU = {
    "button": [
        {"type": "click", "name": "今日", "key": "PROBE_TODAY"},
        {
            "name": "更多",
            "sub_button": [
                {"type": "view", "name": "网站", "url": "https://example.com/"},
                {"type": "click", "name": "联系", "key": "PROBE_CONTACT"},
            ],
        },
    ]
}


def test_push_show_delete_a_menu(fake_wechat, capsys, tmp_path):
    menu_file = tmp_path / "menu.json"
    menu_file.write_text(json.dumps(MENU, ensure_ascii=False), encoding="utf-8")
    call_command("wechat_menu", "push", str(menu_file))
    assert fake_wechat.menu == MENU
    call_command("wechat_menu", "show")
    shown = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert shown == MENU  # can be pushed back as it is
    call_command("wechat_menu", "delete")
    assert fake_wechat.menu is None


def test_bad_menu_file_is_a_clear_error(fake_wechat, tmp_path):
    bad = tmp_path / "menu.json"
    bad.write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("wechat_menu", "push", str(bad))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("wechat_menu", "push", str(tmp_path / "missing.json"))


def test_wechat_refusal_is_a_clear_error(fake_wechat, tmp_path):
    too_many = tmp_path / "menu.json"
    too_many.write_text(json.dumps({"button": [{"type": "click", "name": str(i), "key": str(i)} for i in range(4)]}))
    with pytest.raises(CommandError, match="40016"):
        call_command("wechat_menu", "push", str(too_many))


def test_show_without_a_menu_says_so(fake_wechat, capsys):
    call_command("wechat_menu", "show")
    assert "No menu" in capsys.readouterr().out
