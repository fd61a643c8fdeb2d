"""Mini-program users appear in the admin's 微信用户 list once they log in, marked 小程序."""

import json


def test_a_mini_program_login_shows_in_the_admin(client, admin_client, fake_wechat, settings):
    code = fake_wechat.login_code("o_mini_shopper", app_id=settings.MINIPROGRAM_APP_ID)
    login = client.post("/api/miniprogram/login/", json.dumps({"code": code}), content_type="application/json")
    assert login.status_code == 200
    page = admin_client.get("/admin/wechat/wechatuser/", {"app": "miniprogram"}).content.decode()
    assert "o_mini_shopper" in page and '<td class="field-app">小程序</td>' in page
    assert "o_mini_shopper" not in admin_client.get("/admin/wechat/wechatuser/", {"app": "official"}).content.decode()
