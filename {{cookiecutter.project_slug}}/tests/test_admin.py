"""The admin at /admin/: Chinese, password rules on, and the 微信用户 list of both apps."""

from importlib.util import find_spec

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from wechat.models import WeChatUser

USERS = "/admin/wechat/wechatuser/"


def test_the_admin_is_in_chinese_and_asks_for_a_login(client, admin_client, db):
    assert client.get("/admin/").status_code == 302  # to the login page
    page = admin_client.get("/admin/").content.decode()
    assert "微信管理后台" in page and "微信用户" in page


@pytest.mark.parametrize("password", ["12345678", "password", "short1"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_strong_password_is_accepted():
    validate_password("小程序-and-公众号-2026")


@pytest.fixture
def users(settings, db):
    settings.MINIPROGRAM_APP_ID = "wx_mini_program_app"
    follower = WeChatUser.objects.create(
        app_id=settings.WECHAT_APP_ID, openid="o_follower", unionid="u_shared", remark="老客户", subscribed=True
    )
    shopper = WeChatUser.objects.create(
        app_id=settings.MINIPROGRAM_APP_ID, openid="o_shopper", unionid="u_shared", nickname="小红"
    )
    return follower, shopper


def listed(admin_client, **query):
    response = admin_client.get(USERS, query)
    assert response.status_code == 200
    page = response.content.decode()
    return {openid for openid in ("o_follower", "o_shopper") if openid in page}, page


def test_both_apps_users_are_listed_marked_by_app(admin_client, users):
    openids, page = listed(admin_client)
    official_account = find_spec("wechat.management.commands.wechat_sync_users") is not None
    assert ('value="sync_all_followers"' in page) == official_account  # the sync button
    assert openids == {"o_follower", "o_shopper"}
    assert page.count('<td class="field-app">公众号</td>') == page.count('<td class="field-app">小程序</td>') == 1
    assert listed(admin_client, app="official")[0] == {"o_follower"}
    assert listed(admin_client, app="miniprogram")[0] == {"o_shopper"}
    assert listed(admin_client, subscribed__exact=1)[0] == {"o_follower"}
    assert listed(admin_client, subscribed__exact=0)[0] == {"o_shopper"}


@pytest.mark.parametrize(
    "q, found",
    [
        ("o_shop", {"o_shopper"}),
        ("u_shared", {"o_follower", "o_shopper"}),
        ("老客", {"o_follower"}),
        ("小红", {"o_shopper"}),
    ],
)
def test_search_by_openid_unionid_remark_nickname(admin_client, users, q, found):
    assert listed(admin_client, q=q)[0] == found


def test_a_mini_program_users_page_shows_but_does_not_edit_the_remark(admin_client, users):
    shopper = users[1]
    page = admin_client.get(f"{USERS}{shopper.pk}/change/").content.decode()
    assert "o_shopper" in page and 'name="remark"' not in page
    assert admin_client.get(f"{USERS}add/").status_code == 403  # rows come from WeChat
