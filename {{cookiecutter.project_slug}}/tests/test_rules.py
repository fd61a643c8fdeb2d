"""Auto-reply rules from the database, through the real webhook: matching, replies, precedence, the cache."""

import time

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wechat import rules
from wechat.models import AutoReplyArticle, AutoReplyRule
from wechat.router import Router, router

pytestmark = pytest.mark.django_db

ARTICLE = {
    "title": "开业",
    "description": "新店开业",
    "image": "https://example.com/a.jpg",
    "url": "https://example.com/1",
}


def make_rule(articles=(), **fields):
    fields.setdefault("name", "规则")
    rule = AutoReplyRule(**fields)
    rule.full_clean()
    rule.save()
    for position, article in enumerate(articles):
        AutoReplyArticle.objects.create(rule=rule, position=position, **article)
    return rule


def code_router():
    """Code handlers of every kind, specific and catch-all."""
    code = Router()
    code.text("营业时间")(lambda message: "code exact")
    code.text(regex="^天气")(lambda message: "code regex")
    code.text(when=lambda message: message.content == "问卷")(lambda message: "code when")
    code.event("CLICK", key="CODE_KEY")(lambda message: "code click")
    code.text()(lambda message: "code catch-all")
    code.message("image")(lambda message: "code image")
    code.event("subscribe")(lambda message: "code welcome")
    code.default(lambda message: "code default")
    return code


def image_fields(wechat):
    return wechat.push.fields("image", PicUrl="https://example.com/p.png", MediaId="m1")


# -- Each match kind -------------------------------------------------------------------------
def test_exact_keyword(wechat):
    make_rule(match_kind="exact", pattern="价格", text="九块九")
    assert wechat.send_text("价格")["Content"] == "九块九"
    assert wechat.send_text("价格表")["Content"] == "echo: 价格表"  # the probes' catch-all


def test_contains_keyword(wechat):
    make_rule(match_kind="contains", pattern="地址", text="北京路 1 号")
    assert wechat.send_text("请问你们的地址在哪")["Content"] == "北京路 1 号"
    assert wechat.send_text("电话")["Content"] == "echo: 电话"


def test_regex(wechat):
    make_rule(match_kind="regex", pattern=r"^订单\s*\d{6}$", text="正在查询订单")
    assert wechat.send_text("订单 123456")["Content"] == "正在查询订单"
    assert wechat.send_text("订单 12")["Content"] == "echo: 订单 12"


def test_subscribe_welcome(wechat):
    make_rule(match_kind="subscribe", text="欢迎关注！")
    assert wechat.send_event("subscribe")["Content"] == "欢迎关注！"
    assert wechat.send_event("subscribe", key="qrscene_42")["Content"] == "欢迎关注！"  # by a QR code too


def test_click_key(wechat):
    make_rule(match_kind="click", pattern="MENU_HOURS", text="9:00–18:00")
    assert wechat.send_event("CLICK", key="MENU_HOURS")["Content"] == "9:00–18:00"
    assert wechat.send_event("CLICK", key="OTHER")["Content"] == "clicked OTHER"


def test_default_answers_any_user_message_no_other_rule_matched(wechat):
    make_rule(match_kind="default", text="收到，稍后回复您")
    make_rule(match_kind="exact", pattern="你好", text="你好呀")
    assert wechat.send_text("随便说说")["Content"] == "收到，稍后回复您"
    assert wechat.send(image_fields(wechat))["Content"] == "收到，稍后回复您"
    assert wechat.send_text("你好")["Content"] == "你好呀"
    assert wechat.send_event("subscribe")["Content"] == "welcome"  # events are not messages


# -- Each reply kind -----------------------------------------------------------------------------
def test_news_reply(wechat):
    second = {**ARTICLE, "title": "第二篇", "url": "https://example.com/2"}
    make_rule(match_kind="exact", pattern="活动", reply_kind="news", articles=[ARTICLE, second])
    reply = wechat.send_text("活动")
    assert reply["MsgType"] == "news" and reply["ArticleCount"] == "2"
    items = reply["Articles"]["item"]
    assert [item["Title"] for item in items] == ["开业", "第二篇"]
    assert items[0]["PicUrl"] == ARTICLE["image"] and items[0]["Url"] == ARTICLE["url"]


@pytest.mark.parametrize(
    ("kind", "read"),
    [
        ("image", lambda reply: reply["Image"]["MediaId"]),
        ("voice", lambda reply: reply["Voice"]["MediaId"]),
        ("video", lambda reply: reply["Video"]["MediaId"]),
    ],
)
def test_media_replies(wechat, kind, read):
    make_rule(match_kind="exact", pattern="素材", reply_kind=kind, media_id="MEDIA_123", media_title="视频")
    reply = wechat.send_text("素材")
    assert reply["MsgType"] == kind
    assert read(reply) == "MEDIA_123"


def test_hand_to_code_lets_the_catch_all_answer(wechat):
    make_rule(match_kind="contains", pattern="客服", reply_kind="code", priority=10)
    make_rule(match_kind="default", text="默认回复")
    assert wechat.send_text("找客服")["Content"] == "echo: 找客服"  # not the database default either


@pytest.mark.parametrize("mode", ["plain", "compatible", "safe"])
def test_rule_replies_are_encrypted_like_any_reply(wechat_in, mode):
    wechat = wechat_in(mode)
    make_rule(match_kind="exact", pattern="加密", text="密文回复")
    response = wechat.deliver(wechat.push.text_fields("加密"))
    assert (b"<Encrypt>" in response.content) == (mode != "plain")
    assert wechat.push.read_reply(response.content)["Content"] == "密文回复"


def test_a_retry_gets_the_first_reply_even_after_the_rule_changed(wechat):
    rule = make_rule(match_kind="exact", pattern="重试", text="第一次")
    fields = wechat.push.text_fields("重试")
    assert wechat.send(fields)["Content"] == "第一次"
    rule.text = "改过了"
    rule.save()
    assert wechat.send(fields)["Content"] == "第一次"  # WeChat's retry: the same reply, exactly once
    assert wechat.send_text("重试")["Content"] == "改过了"


# -- Precedence ------------------------------------------------------------------------------------
def test_specific_code_handlers_beat_rules(wechat):
    for pattern in ("营业时间", "天气", "问卷"):
        make_rule(match_kind="contains", pattern=pattern, text="rule", priority=100)
    make_rule(match_kind="click", pattern="CODE_KEY", text="rule")
    with router.replaced_by(code_router()):
        assert wechat.send_text("营业时间")["Content"] == "code exact"
        assert wechat.send_text("天气 北京")["Content"] == "code regex"
        assert wechat.send_text("问卷")["Content"] == "code when"
        assert wechat.send_event("CLICK", key="CODE_KEY")["Content"] == "code click"


def test_rules_beat_code_catch_alls(wechat):
    with router.replaced_by(code_router()):
        assert wechat.send_text("优惠")["Content"] == "code catch-all"
        assert wechat.send(image_fields(wechat))["Content"] == "code image"
        assert wechat.send_event("subscribe")["Content"] == "code welcome"
        assert wechat.send_event("LOCATION")["Content"] == "code default"
        make_rule(match_kind="contains", pattern="优惠", text="rule text")
        make_rule(match_kind="subscribe", text="rule welcome")
        assert wechat.send_text("有优惠吗")["Content"] == "rule text"  # beats @router.text()
        # (Another user: events have no MsgId, and the same user's event in the same second is a retry.)
        assert wechat.send_event("subscribe", openid="o_b")["Content"] == "rule welcome"  # beats @router.event()
        make_rule(match_kind="default", text="rule default")
        assert wechat.send(image_fields(wechat))["Content"] == "rule default"  # beats @router.message("image")
        assert wechat.send_text("别的")["Content"] == "rule default"
        assert wechat.send_event("LOCATION", openid="o_b")["Content"] == "code default"  # no rule for that event


def test_rule_beats_the_code_default(wechat):
    code = Router()
    code.default(lambda message: "code default")
    with router.replaced_by(code):
        assert wechat.send_text("hello")["Content"] == "code default"
        make_rule(match_kind="exact", pattern="hello", text="rule hello")
        assert wechat.send_text("hello")["Content"] == "rule hello"


def test_disabled_rules_are_ignored(wechat):
    rule = make_rule(match_kind="exact", pattern="停用", text="rule", enabled=False)
    assert wechat.send_text("停用")["Content"] == "echo: 停用"
    rule.enabled = True
    rule.save()
    assert wechat.send_text("停用")["Content"] == "rule"


def test_priority_order(wechat):
    make_rule(name="low", match_kind="contains", pattern="会员", text="low", priority=1)
    make_rule(name="high", match_kind="regex", pattern="会员", text="high", priority=5)
    make_rule(name="exact", match_kind="exact", pattern="会员卡", text="exact", priority=3)
    make_rule(name="default", match_kind="default", text="default", priority=99)
    assert wechat.send_text("会员卡")["Content"] == "high"
    AutoReplyRule.objects.get(name="high").delete()
    assert wechat.send_text("会员卡")["Content"] == "exact"
    assert wechat.send_text("会员价")["Content"] == "low"
    assert wechat.send_text("其他")["Content"] == "default"  # the default is last whatever its priority


def test_same_priority_the_older_rule_wins(wechat):
    make_rule(name="first", match_kind="contains", pattern="票", text="first")
    make_rule(name="second", match_kind="contains", pattern="门票", text="second")
    assert wechat.send_text("门票")["Content"] == "first"


# -- Validation -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"match_kind": "regex", "pattern": "(unclosed"}, "pattern", "正则表达式有误"),
        ({"match_kind": "exact", "pattern": "  "}, "pattern", "请填写关键词"),
        ({"match_kind": "contains", "pattern": ""}, "pattern", "请填写关键词"),
        ({"match_kind": "click", "pattern": ""}, "pattern", "菜单按钮的 key"),
        ({"match_kind": "default", "text": "长" * 683}, "text", "回复文字太长：2049 字节"),
        ({"match_kind": "default", "text": ""}, "text", "请填写回复文字"),
        ({"match_kind": "default", "reply_kind": "image"}, "media_id", "media_id"),
        ({"match_kind": "default", "reply_kind": "video", "media_id": " "}, "media_id", "media_id"),
    ],
)
def test_bad_rules_are_refused_with_a_clear_message(fields, field, message):
    rule = AutoReplyRule(name="坏规则", **{"text": "ok", **fields})
    with pytest.raises(ValidationError) as caught:
        rule.full_clean()
    assert message in " ".join(caught.value.message_dict[field])


def test_the_longest_text_wechat_accepts_is_fine():
    AutoReplyRule(name="ok", match_kind="default", text="长" * 682 + "ab").full_clean()  # 2048 bytes


@pytest.mark.parametrize("count", [0, 9])
def test_news_needs_one_to_eight_articles(count):
    rule = AutoReplyRule(name="图文", match_kind="default", reply_kind="news")
    assert "1 到 8 篇" in rules.article_count_error(rule, count)
    assert rules.article_count_error(rule, 8) is None


# -- The in-process cache ---------------------------------------------------------------------------
def rule_queries(queries):
    return [query["sql"] for query in queries if "wechat_autoreply" in query["sql"]]


def test_no_rule_query_per_push(wechat):
    make_rule(match_kind="exact", pattern="缓存", text="cached")
    assert wechat.send_text("缓存")["Content"] == "cached"  # loads the rules
    with CaptureQueriesContext(connection) as queries:
        assert wechat.send_text("缓存")["Content"] == "cached"
        time.sleep(rules.CHECK_INTERVAL + 0.1)
        assert wechat.send_text("缓存")["Content"] == "cached"  # the version is read, unchanged
    assert rule_queries(queries) == []


def test_a_change_elsewhere_is_seen_once_the_version_changes(wechat):
    rule = make_rule(match_kind="exact", pattern="版本", text="old")
    assert wechat.send_text("版本")["Content"] == "old"
    # Another worker's change: this process got no signal, only the shared version tells it.
    AutoReplyRule.objects.filter(pk=rule.pk).update(text="new")
    time.sleep(rules.CHECK_INTERVAL + 0.1)
    assert wechat.send_text("版本")["Content"] == "old"  # version unchanged: no reload, no query
    rules.bump_version()
    assert wechat.send_text("版本")["Content"] == "old"  # read at most once a second
    time.sleep(rules.CHECK_INTERVAL + 0.1)
    with CaptureQueriesContext(connection) as queries:
        assert wechat.send_text("版本")["Content"] == "new"
    assert rule_queries(queries)  # reloaded once
    with CaptureQueriesContext(connection) as queries:
        assert wechat.send_text("版本")["Content"] == "new"
    assert rule_queries(queries) == []


def test_saving_a_rule_publishes_a_new_version_on_commit(django_capture_on_commit_callbacks):
    from django.core.cache import cache

    before = cache.get(rules.VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        rule = make_rule(match_kind="exact", pattern="提交", text="x")
    saved = cache.get(rules.VERSION_KEY)
    assert saved not in (None, before)
    with django_capture_on_commit_callbacks(execute=True):
        rule.delete()
    assert cache.get(rules.VERSION_KEY) != saved


# -- Import from WeChat ------------------------------------------------------------------------------
def set_wechat_autoreply(fake):
    news = {
        "type": "news",
        "news_info": {
            "list": [{"title": "指南", "digest": "新手指南", "cover_url": "https://example.com/c.jpg",
                      "content_url": "https://mp.weixin.qq.com/s/guide"}]
        },
    }  # fmt: skip
    fake.set_autoreply(
        keywords=[
            ("营业", [("equal", "营业时间"), ("contain", "几点开门")], "每天 9 点到 18 点"),
            ("指南", [("contain", "指南")], news),
            ("海报", [("equal", "海报")], {"type": "img", "content": "IMG_MEDIA"}),
        ],
        welcome="感谢关注",
        default="已收到",
    )


def test_import_from_wechat_twice_creates_no_duplicates(fake_wechat, wechat, capsys):
    set_wechat_autoreply(fake_wechat)
    call_command("wechat_import_autoreply")
    assert "6 new rules" in capsys.readouterr().out
    call_command("wechat_import_autoreply")
    assert "0 new rules, 6 updated" in capsys.readouterr().out
    assert AutoReplyRule.objects.count() == 6
    assert AutoReplyArticle.objects.count() == 1
    assert fake_wechat.calls["cgi-bin/get_current_autoreply_info"] == 2
    assert wechat.send_text("营业时间")["Content"] == "每天 9 点到 18 点"
    assert wechat.send_text("请问几点开门")["Content"] == "每天 9 点到 18 点"
    assert wechat.send_text("新手指南")["Articles"]["item"]["Url"] == "https://mp.weixin.qq.com/s/guide"
    assert wechat.send_text("海报")["Image"]["MediaId"] == "IMG_MEDIA"
    assert wechat.send_event("subscribe")["Content"] == "感谢关注"
    assert wechat.send_text("随便")["Content"] == "已收到"


def test_import_updates_what_changed_on_wechat(fake_wechat, wechat):
    set_wechat_autoreply(fake_wechat)
    call_command("wechat_import_autoreply")
    fake_wechat.set_autoreply(welcome="欢迎回来")
    call_command("wechat_import_autoreply")
    assert AutoReplyRule.objects.get(import_key="wechat:subscribe").text == "欢迎回来"
    assert wechat.send_event("subscribe")["Content"] == "欢迎回来"


def test_import_refused_by_wechat_is_a_clear_error(fake_wechat):
    fake_wechat.fail("cgi-bin/get_current_autoreply_info", 48001)
    with pytest.raises(CommandError, match="48001"):
        call_command("wechat_import_autoreply")
    assert AutoReplyRule.objects.count() == 0
