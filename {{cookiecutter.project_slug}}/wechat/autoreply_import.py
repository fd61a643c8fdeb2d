# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Import the account's own auto-reply settings (公众号后台的“自动回复”) as AutoReplyRule rows.

``get_current_autoreply_info`` returns the keyword rules, the welcome on
subscribe and the default reply. Each keyword becomes one rule; a rule
imported before is updated, never duplicated (``import_key``). WeChat's replies
that cannot be given passively by this project (a video given by URL) become
a text reply with the link.
"""

from django.db import transaction

from .client import get_client
from .models import AutoReplyArticle, AutoReplyRule

MATCH_MODES = {"equal": AutoReplyRule.Match.EXACT, "contain": AutoReplyRule.Match.CONTAINS}


def import_autoreply():
    """Fetch WeChat's settings and save them as rules; ``(created, updated)`` counts."""
    info = get_client().message.get_autoreply_info()
    return save_rules(rules_from(info))


def rules_from(info):
    """``(import_key, fields, articles)`` for every rule in WeChat's answer."""
    found = []
    # WeChat's welcome on subscribe and its default reply: (its field, its on/off switch, our rule).
    for field, switch, match_kind, name in (
        ("add_friend_autoreply_info", "is_add_friend_reply_open", "subscribe", "关注欢迎语（微信导入）"),
        ("message_default_autoreply_info", "is_autoreply_open", "default", "默认回复（微信导入）"),
    ):
        if info.get(field):
            fields, articles = reply_fields(info[field])
            enabled = bool(info.get(switch, 1))
            found.append(
                (
                    f"wechat:{match_kind}",
                    {"name": name, "match_kind": match_kind, "enabled": enabled, **fields},
                    articles,
                )
            )
    keyword_rules = (info.get("keyword_autoreply_info") or {}).get("list") or []
    for wechat_rule in keyword_rules:
        replies = wechat_rule.get("reply_list_info") or []
        if not replies:
            continue
        fields, articles = reply_fields(replies[0])
        for keyword in wechat_rule.get("keyword_list_info") or []:
            mode = MATCH_MODES.get(keyword.get("match_mode"), AutoReplyRule.Match.CONTAINS)
            content = str(keyword.get("content", "")).strip()
            if not content:
                continue
            key = f"wechat:keyword:{wechat_rule.get('rule_name', '')}:{mode}:{content}"[:255]
            name = str(wechat_rule.get("rule_name") or content)[:100]
            found.append((key, {"name": name, "match_kind": mode, "pattern": content[:255], **fields}, articles))
    return found


def reply_fields(reply):
    """The reply fields of a rule (and its articles) for one of WeChat's reply objects."""
    kind, content = reply.get("type"), str(reply.get("content", ""))
    if kind == "text":
        return {"reply_kind": "text", "text": content}, []
    if kind in ("img", "image", "voice"):
        return {"reply_kind": "image" if kind != "voice" else "voice", "media_id": content}, []
    if kind == "news":
        items = (reply.get("news_info") or {}).get("list") or []
        articles = [
            {
                "title": str(item.get("title", ""))[:64] or "（无标题）",
                "description": str(item.get("digest", ""))[:120],
                "image": item.get("cover_url", ""),
                "url": item.get("content_url") or item.get("source_url") or "",
            }
            for item in items
        ]
        return {"reply_kind": "news"}, articles
    # A video WeChat gives by URL (or a type this project cannot send passively): a text with its link.
    return {"reply_kind": "text", "text": content or "（微信导入的回复无法在这里显示）"}, []


@transaction.atomic
def save_rules(found):
    created = updated = 0
    for key, fields, articles in found:
        defaults = {"text": "", "media_id": "", "pattern": "", **fields}
        rule, was_created = AutoReplyRule.objects.update_or_create(import_key=key, defaults=defaults)
        created += was_created
        updated += not was_created
        rule.articles.all().delete()
        AutoReplyArticle.objects.bulk_create(
            AutoReplyArticle(rule=rule, position=position, **article) for position, article in enumerate(articles)
        )
    from .rules import rules_changed

    rules_changed()  # bulk_create sends no signal
    return created, updated
