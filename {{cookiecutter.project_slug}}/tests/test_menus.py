"""WeChat's menu rules (wechat.menus): each one broken is refused with a message naming the button.

The same menus go to the fake WeChat server, which refuses them with WeChat's errcode:
the check here and the server's agree.
"""

import json

import pytest
from django.core.management import CommandError, call_command
from wechatpy.exceptions import WeChatClientException

from wechat.client import get_client
from wechat.menus import check_menu, clean_menu, menu_errors


def click(name="按钮", key=None):
    return {"type": "click", "name": name, "key": key or f"KEY_{name}"}


def parent(name, *subs):
    return {"name": name, "sub_button": list(subs)}


def subs(count):
    return [click(f"子{i}") for i in range(count)]


# (case, menu, fragments every message must hold, WeChat's errcode or None when only the check refuses it)
BROKEN = [
    ("4 top-level buttons", [click(str(i)) for i in range(4)], ["1 到 3", "1 to 3", "现有 4 个"], 40016),
    ("no button", [], ["1 到 3", "has 0"], 40016),
    ("6 sub-buttons", [parent("更多", *subs(6))], ["「更多」", "最多 5 个", "at most 5"], 40023),
    ("top-level name over 16 bytes", [click("六个汉字名字")], ["「六个汉字名字」", "16 字节", "18 bytes"], 40018),
    ("sub name over 60 bytes", [parent("更多", click("字" * 21))], ["第 1 个子菜单", "60 字节", "63 bytes"], 40025),
    ("no name", [{"type": "click", "key": "K"}], ["第 1 个菜单", "缺少名称", "has no name"], 40018),
    ("click without a key", [{"type": "click", "name": "点我"}], ["「点我」", "key", "needs a key"], 40019),
    ("key over 128 bytes", [click("长", "K" * 129)], ["「长」", "128 字节", "129 bytes"], 40019),
    ("sub key over 128 bytes", [parent("更多", click("长", "K" * 129))], ["「长」", "128"], 40026),
    ("scan without a key", [{"type": "scancode_push", "name": "扫码"}], ["「扫码」", "needs a key"], 40019),
    ("view without a url", [{"type": "view", "name": "官网"}], ["「官网」", "url", "needs a url"], 40020),
    ("view url not http", [{"type": "view", "name": "官网", "url": "ftp://x"}], ["http://", "https://"], 40020),
    ("sub url not http", [parent("更多", {"type": "view", "name": "站", "url": "example.com"})], ["「站」"], 40027),
    (
        "url over 1024 bytes",
        [{"type": "view", "name": "官网", "url": "https://example.com/" + "a" * 1005}],
        ["1024 字节", "1025 bytes"],
        40020,
    ),
    (
        "miniprogram without pagepath",
        [{"type": "miniprogram", "name": "小程序", "appid": "wx1", "url": "https://example.com/"}],
        ["「小程序」", "pagepath"],
        40019,
    ),
    ("media_id without media_id", [{"type": "media_id", "name": "图片"}], ["「图片」", "media_id"], 40019),
    ("article_id without article_id", [{"type": "article_id", "name": "文章"}], ["article_id"], 40019),
    ("unknown type", [{"type": "tap", "name": "点"}], ["「点」", "类型「tap」无效", "'tap'"], 40017),
    ("no type and no sub-buttons", [{"name": "空"}], ["「空」", "或者设置子菜单"], 40017),
    ("sub unknown type", [parent("更多", {"type": "tap", "name": "点"})], ["第 1 个子菜单「点」"], 40024),
    ("sub-menu in a sub-menu", [parent("更多", parent("再多", click()))], ["「再多」", "不能再有子菜单"], 40022),
    ("parent with a type", [{**parent("更多", click()), "type": "click", "key": "K"}], ["有子菜单", "no type"], None),
    ("duplicate keys", [click("甲", "SAME"), parent("更多", click("乙", "SAME"))], ["「乙」", "「甲」", "SAME"], None),
]


@pytest.mark.parametrize(("menu", "fragments", "errcode"), [case[1:] for case in BROKEN], ids=[c[0] for c in BROKEN])
def test_each_rule_broken_is_one_clear_message(menu, fragments, errcode):
    errors = menu_errors({"button": menu})
    assert len(errors) == 1, errors
    for fragment in fragments:
        assert fragment in errors[0]
    if errcode:
        assert f"errcode {errcode}" in errors[0]


REFUSED_BY_WECHAT = [case for case in BROKEN if case[3]]


@pytest.mark.parametrize(
    ("menu", "errcode"), [(c[1], c[3]) for c in REFUSED_BY_WECHAT], ids=[c[0] for c in REFUSED_BY_WECHAT]
)
def test_the_fake_wechat_refuses_the_same_menus(fake_wechat, menu, errcode):
    with pytest.raises(WeChatClientException) as refused:
        get_client().menu.create({"button": menu})
    assert refused.value.errcode == errcode
    assert fake_wechat.menu is None


def largest_menu():
    """Every limit reached, none passed: 3 buttons of 5 sub-buttons, the longest names, key and URL."""
    return {
        "button": [
            parent(
                "五个汉字名"[: 5 - i] + "x" * (1 + 3 * i),  # 16 bytes
                *[click("字" * 20, f"K{i}{j}".ljust(128, "k")) for j in range(4)],
                {"type": "view", "name": "网", "url": "https://example.com/" + "a" * 1004},
            )
            for i in range(3)
        ]
    }


def test_a_menu_at_every_limit_is_accepted(fake_wechat):
    menu = largest_menu()
    assert [len(button["name"].encode()) for button in menu["button"]] == [16, 16, 16]
    assert menu_errors(menu) == []
    get_client().menu.create(menu)
    assert fake_wechat.menu == menu


def test_every_type_with_its_fields_is_accepted(fake_wechat):
    menu = {
        "button": [
            {
                "type": "miniprogram",
                "name": "小程序",
                "appid": "wx1",
                "pagepath": "pages/index",
                "url": "https://a.cn/",
            },
            parent(
                "扫码拍照",
                *[{"type": kind, "name": kind[:10], "key": kind} for kind in ("scancode_push", "scancode_waitmsg")],
                *[{"type": kind, "name": kind[:10], "key": kind} for kind in ("pic_sysphoto", "location_select")],
                {"type": "pic_weixin", "name": "相册", "key": "PIC"},
            ),
            parent(
                "素材",
                {"type": "media_id", "name": "图片", "media_id": "MEDIA"},
                {"type": "article_id", "name": "文章", "article_id": "ARTICLE"},
                {"type": "view", "name": "网页", "url": "http://example.com/"},
            ),
        ]
    }
    assert check_menu(menu) is menu
    get_client().menu.create(menu)
    assert fake_wechat.menu == menu


def test_all_the_errors_are_listed_not_just_the_first():
    errors = menu_errors({"button": [click("六个汉字名字"), {"type": "view", "name": "站"}, click("甲"), click("乙")]})
    assert len(errors) == 3  # 4 buttons, a long name, a view without url
    assert "现有 4 个" in errors[0]


def test_what_is_not_a_menu_is_said_so():
    assert "button" in menu_errors([])[0]
    assert "button" in menu_errors({"menu": []})[0]
    assert "JSON 对象" in menu_errors({"button": ["text"]})[0]


def test_the_command_refuses_a_broken_file_before_calling_wechat(fake_wechat, tmp_path):
    menu_file = tmp_path / "menu.json"
    menu_file.write_text(json.dumps({"button": [click("六个汉字名字")]}, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError, match="「六个汉字名字」：名称最多 16 字节"):
        call_command("wechat_menu", "push", str(menu_file))
    assert fake_wechat.calls["cgi-bin/menu/create"] == 0


def test_menu_get_answers_can_be_pushed_back(fake_wechat):
    menu = {"button": [click("甲"), parent("更多", click("乙"))]}
    get_client().menu.create(menu)
    answer = get_client().menu.get()
    assert answer["menu"]["button"][0]["sub_button"] == []  # as WeChat answers
    assert menu_errors(answer["menu"]) == []
    assert clean_menu(answer["menu"]) == menu
