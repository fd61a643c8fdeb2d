"""Auto-reply rules in the admin: editing with clear errors, the preview, the import button."""

import pytest

from wechat.models import AutoReplyRule

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/wechat/autoreplyrule/add/"
LIST_URL = "/admin/wechat/autoreplyrule/"
PREVIEW_URL = "/admin/wechat/autoreplyrule/preview/"


def rule_form(articles=(), **fields):
    data = {
        "name": "规则",
        "enabled": "on",
        "priority": "0",
        "match_kind": "exact",
        "pattern": "",
        "reply_kind": "text",
        "text": "",
        "media_id": "",
        "media_title": "",
        "media_description": "",
        "articles-TOTAL_FORMS": str(len(articles)),
        "articles-INITIAL_FORMS": "0",
        "articles-MIN_NUM_FORMS": "0",
        "articles-MAX_NUM_FORMS": "8",
        **fields,
    }
    for index, article in enumerate(articles):
        data.update({f"articles-{index}-{name}": value for name, value in article.items()})
        data[f"articles-{index}-position"] = str(index)
    return data


def test_add_a_rule_and_it_answers(admin_client, wechat):
    response = admin_client.post(ADD_URL, rule_form(pattern="营业时间", text="9 点到 18 点"))
    assert response.status_code == 302, response.content.decode()
    assert wechat.send_text("营业时间")["Content"] == "9 点到 18 点"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"match_kind": "regex", "pattern": "[a-", "text": "x"}, "正则表达式有误"),
        ({"pattern": "", "text": "x"}, "请填写关键词"),
        ({"pattern": "长", "text": "长" * 700}, "回复文字太长"),
        ({"pattern": "图", "reply_kind": "image"}, "请填写素材的 media_id"),
        ({"pattern": "图文", "reply_kind": "news"}, "图文回复需要 1 到 8 篇文章，现在是 0 篇"),
    ],
)
def test_bad_input_is_a_form_error(admin_client, fields, message):
    response = admin_client.post(ADD_URL, rule_form(**fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AutoReplyRule.objects.exists()


def test_news_with_articles(admin_client, wechat):
    article = {"title": "开业", "description": "", "image": "", "url": "https://example.com/open"}
    response = admin_client.post(ADD_URL, rule_form(pattern="活动", reply_kind="news", articles=[article] * 2))
    assert response.status_code == 302, response.content.decode()
    assert wechat.send_text("活动")["ArticleCount"] == "2"
    too_many = rule_form(pattern="多", reply_kind="news", articles=[article] * 9)
    too_many["articles-MAX_NUM_FORMS"] = "9"
    assert "1 到 8 篇" in admin_client.post(ADD_URL, too_many).content.decode()


def test_list_filters_search_and_actions(admin_client, wechat):
    AutoReplyRule.objects.create(name="价格", match_kind="exact", pattern="价格", text="九块九")
    page = admin_client.get(LIST_URL, {"q": "价格", "enabled__exact": "1"}).content.decode()
    assert "价格" in page and "测试自动回复" in page and "从微信导入自动回复" in page
    assert wechat.send_text("价格")["Content"] == "九块九"
    rule = AutoReplyRule.objects.get()
    admin_client.post(LIST_URL, {"action": "disable_rules", "_selected_action": [rule.pk]})
    assert wechat.send_text("价格")["Content"] == "echo: 价格"


def test_preview_shows_the_rule_and_its_reply(admin_client):
    AutoReplyRule.objects.create(name="营业", match_kind="contains", pattern="营业", text="9 点开门 <准时>")
    page = admin_client.post(PREVIEW_URL, {"kind": "text", "content": "几点营业"}).content.decode()
    assert "自动回复规则“营业”回复" in page
    assert "9 点开门 &lt;准时&gt;" in page and "&lt;MsgType&gt;&lt;![CDATA[text]]&gt;" in page


def test_preview_names_the_code_handler_and_events(admin_client):
    page = admin_client.post(PREVIEW_URL, {"kind": "text", "content": "无规则"}).content.decode()
    assert "代码处理函数 tests.probes.echo 回复" in page
    AutoReplyRule.objects.create(name="菜单", match_kind="click", pattern="K1", text="点了菜单")
    page = admin_client.post(PREVIEW_URL, {"kind": "click", "key": "K1"}).content.decode()
    assert "自动回复规则“菜单”回复" in page and "点了菜单" in page
    page = admin_client.post(PREVIEW_URL, {"kind": "click", "key": ""}).content.decode()
    assert "请输入菜单按钮的 key" in page


def test_preview_sees_a_rule_saved_elsewhere_at_once(admin_client):
    admin_client.post(PREVIEW_URL, {"kind": "subscribe"})  # rules loaded in this process
    AutoReplyRule.objects.bulk_create([AutoReplyRule(name="欢迎", match_kind="subscribe", text="欢迎你")])
    page = admin_client.post(PREVIEW_URL, {"kind": "subscribe"}).content.decode()
    assert "欢迎你" in page


def test_import_button(admin_client, fake_wechat):
    fake_wechat.set_autoreply(keywords=[("营业", [("equal", "营业时间")], "9 点")], welcome="你好")
    for _ in range(2):
        response = admin_client.post("/admin/wechat/autoreplyrule/import/", follow=True)
    assert "新增 0 条，更新 2 条" in response.content.decode()
    assert AutoReplyRule.objects.count() == 2
    assert admin_client.get("/admin/wechat/autoreplyrule/import/").status_code == 405
    fake_wechat.fail("cgi-bin/get_current_autoreply_info", -1)
    response = admin_client.post("/admin/wechat/autoreplyrule/import/", follow=True)
    assert "微信拒绝了请求：errcode -1" in response.content.decode()


def test_a_rule_page_links_to_its_preview(admin_client):
    rule = AutoReplyRule.objects.create(name="价格", match_kind="exact", pattern="价 格", text="九块九")
    page = admin_client.get(f"/admin/wechat/autoreplyrule/{rule.pk}/change/").content.decode()
    assert f"{PREVIEW_URL}?kind=text&amp;content=%E4%BB%B7%20%E6%A0%BC" in page
    preview = admin_client.get(PREVIEW_URL, {"kind": "text", "content": "价 格"}).content.decode()
    assert 'value="价 格"' in preview


def test_the_media_id_field_suggests_the_synced_materials(admin_client):
    from wechat.models import Material

    Material.objects.create(media_id="MEDIA_PICKED_1", kind="image", name="春季海报")
    Material.objects.create(media_id="MEDIA_NEWS_1", kind="news", name="图文不是图片")
    page = admin_client.get("/admin/wechat/autoreplyrule/add/").content.decode()
    assert "MEDIA_PICKED_1" in page and "春季海报" in page
    assert "MEDIA_NEWS_1" not in page  # a news material is no image, voice or video
