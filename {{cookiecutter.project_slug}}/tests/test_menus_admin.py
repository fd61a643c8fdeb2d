"""The custom menu in the admin: edit with WeChat's rules, preview, publish, pull and delete, on the fake WeChat."""

import json
import re

import pytest
from django.urls import reverse

from wechat.models import Menu

MENU = {
    "button": [
        {"type": "click", "name": "今日推荐", "key": "ADMIN_TODAY"},
        {
            "name": "服务",
            "sub_button": [
                {"type": "view", "name": "官网", "url": "https://example.com/"},
                {"type": "click", "name": "联系客服", "key": "ADMIN_CONTACT"},
            ],
        },
    ]
}


def add(admin_client, menu, name="春季菜单"):
    return admin_client.post(
        reverse("admin:wechat_menu_add"), {"name": name, "menu": json.dumps(menu, ensure_ascii=False)}
    )


def page(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_staff_add_a_menu_and_see_it_as_a_phone_shows_it(admin_client, fake_wechat):
    response = add(admin_client, MENU)
    assert response.status_code == 302
    menu = Menu.objects.get()
    assert menu.menu == MENU
    change = page(admin_client.get(reverse("admin:wechat_menu_change", args=[menu.pk])))
    assert "\n  &quot;button&quot;: [\n" in change  # the JSON is indented,
    assert "&quot;name&quot;: &quot;今日推荐&quot;" in change  # and Chinese as it is
    assert "预览并发布到微信" in change
    assert change.count('class="wechat-sub-button"') == 2  # the preview, on the form too
    preview = page(admin_client.get(reverse("admin:wechat_menu_preview", args=[menu.pk])))
    bar = re.findall(r'class="wechat-menu-button".*?title="[^"]*">(?:≡ )?([^<]+)</div>', preview, re.S)
    assert bar == ["今日推荐", "服务"]
    assert re.findall(r'class="wechat-sub-button"[^>]*>([^<]+)</li>', preview) == ["官网", "联系客服"]
    assert "打开网页 https://example.com/" in preview
    assert 'value="发布到微信' in preview
    assert fake_wechat.calls["cgi-bin/menu/create"] == 0  # nothing is sent before publishing


def test_publish_puts_that_exact_menu_on_wechat(admin_client, fake_wechat):
    add(admin_client, MENU)
    older = Menu.objects.create(name="旧菜单", is_current=True)
    menu = Menu.objects.get(name="春季菜单")
    response = admin_client.post(reverse("admin:wechat_menu_preview", args=[menu.pk]), follow=True)
    assert "已发布到微信" in page(response)
    assert fake_wechat.menu == MENU
    menu.refresh_from_db()
    older.refresh_from_db()
    assert menu.is_current and menu.published_at is not None
    assert not older.is_current


def test_wechat_refusing_to_publish_is_said_clearly(admin_client, fake_wechat):
    add(admin_client, MENU)
    menu = Menu.objects.get()
    fake_wechat.fail("cgi-bin/menu/create", 45009)
    response = admin_client.post(reverse("admin:wechat_menu_preview", args=[menu.pk]), follow=True)
    assert "微信拒绝了这个操作 / WeChat refused: errcode 45009" in page(response)
    menu.refresh_from_db()
    assert not menu.is_current and menu.published_at is None
    assert fake_wechat.menu is None


@pytest.mark.parametrize(
    ("menu", "message"),
    [
        ({"button": [{"type": "click", "name": str(i), "key": str(i)} for i in range(4)]}, "一级菜单应有 1 到 3 个"),
        ({"button": [{"type": "click", "name": "六个汉字名字", "key": "K"}]}, "名称最多 16 字节"),
        ({"button": [{"type": "view", "name": "官网", "url": "example.com"}]}, "网址必须以 http:// 或 https:// 开头"),
    ],
    ids=["4 buttons", "long name", "bad url"],
)
def test_a_menu_breaking_a_rule_is_a_form_error_and_is_not_saved(admin_client, menu, message):
    html = page(add(admin_client, menu))
    assert 'class="errorlist' in html
    assert message in html
    assert not Menu.objects.exists()


def test_json_that_does_not_parse_is_a_form_error_and_the_text_is_kept(admin_client):
    response = admin_client.post(reverse("admin:wechat_menu_add"), {"name": "坏", "menu": '{"button": ['})
    html = page(response)
    assert "errorlist" in html
    assert "{&quot;button&quot;: [" in html  # what staff typed comes back to be fixed
    assert not Menu.objects.exists()


def test_a_stored_menu_breaking_a_rule_is_not_published(admin_client, fake_wechat):
    menu = Menu.objects.create(name="坏菜单", menu={"button": [{"type": "click", "name": "甲"}]})
    preview = page(admin_client.get(reverse("admin:wechat_menu_preview", args=[menu.pk])))
    assert "必须填写 key" in preview
    assert 'value="发布到微信' not in preview
    response = admin_client.post(reverse("admin:wechat_menu_preview", args=[menu.pk]), follow=True)
    assert "没有发布" in page(response)
    assert fake_wechat.calls["cgi-bin/menu/create"] == 0


def test_pull_the_menu_on_wechat_into_a_new_row(admin_client, fake_wechat):
    from wechat.client import get_client

    get_client().menu.create(MENU)
    stale = Menu.objects.create(name="以前发布的", is_current=True)
    remote = page(admin_client.get(reverse("admin:wechat_menu_remote")))
    assert "联系客服" in remote and "保存为新菜单" in remote
    response = admin_client.post(reverse("admin:wechat_menu_remote"), {"action": "pull"})
    pulled = Menu.objects.exclude(pk=stale.pk).get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{pulled.pk}/change/")
    assert pulled.menu == MENU  # without menuid or the empty sub_button WeChat adds
    assert pulled.is_current and pulled.name.startswith("从微信拉取")
    stale.refresh_from_db()
    assert not stale.is_current


def test_delete_the_menu_on_wechat(admin_client, fake_wechat):
    from wechat.client import get_client

    get_client().menu.create(MENU)
    current = Menu.objects.create(name="在用", menu=MENU, is_current=True)
    response = admin_client.post(reverse("admin:wechat_menu_remote"), {"action": "delete"}, follow=True)
    assert "已删除微信上的菜单" in page(response)
    assert fake_wechat.menu is None
    current.refresh_from_db()
    assert not current.is_current
    assert "微信上现在没有菜单" in page(admin_client.get(reverse("admin:wechat_menu_remote")))


def test_wechat_unreachable_is_a_message_not_an_error_page(admin_client, unreachable_wechat):
    settings_page = page(admin_client.get(reverse("admin:wechat_menu_remote")))
    assert "无法连接微信" in settings_page
    response = admin_client.post(reverse("admin:wechat_menu_remote"), {"action": "pull"}, follow=True)
    assert "无法连接微信" in page(response)
    assert not Menu.objects.exists()


def test_the_list_shows_each_menu_and_which_one_is_on_wechat(admin_client):
    Menu.objects.create(name="在用的菜单", menu=MENU, is_current=True)
    Menu.objects.create(name="草稿菜单")
    html = page(admin_client.get(reverse("admin:wechat_menu_changelist")))
    assert "在用的菜单" in html and "草稿菜单" in html
    assert "今日推荐 | 服务" in html
    assert "微信上的当前菜单" in html
