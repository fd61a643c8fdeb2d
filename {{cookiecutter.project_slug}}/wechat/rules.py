# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Auto-reply rules that staff edit in the admin (``wechat.models.AutoReplyRule``).

Precedence (the router asks this module in one place, ``Router.resolve``): a code
handler with a specific match (exact text, regex, ``when=``, event with its key)
answers first; then the enabled database rules, highest priority first, the
database default rule last; the code catch-alls (``@router.text()``,
``@router.message(...)``, ``@router.event(name)``, ``@router.default``) answer only
what no database rule matched, or what a "hand to code" rule hands them.

No query per push: every process keeps the enabled rules in memory, compiled
(exact keywords and CLICK keys in dicts, regexes compiled). Saving or deleting a
rule changes a version kept in the shared cache (``wechat:rules:version``); each
process reads that version at most once a second and reloads the rules when it
changed, so a change reaches every worker within about a second.
"""

import logging
import re
import threading
import time
import uuid

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "wechat:rules:version"
CHECK_INTERVAL = 1.0  # seconds between two reads of the version, per process

logger = logging.getLogger("wechat.rules")


# -- Validation (AutoReplyRule.clean) ------------------------------------------------------------
def rule_errors(rule):
    """``{field: message}`` of what is wrong with ``rule`` (unsaved articles are checked by the admin)."""
    from .models import WECHAT_TEXT_LIMIT, AutoReplyRule

    match, reply = AutoReplyRule.Match, AutoReplyRule.Reply
    errors = {}
    pattern = rule.pattern.strip()
    if rule.match_kind in (match.EXACT, match.CONTAINS) and not pattern:
        errors["pattern"] = "请填写关键词。"
    elif rule.match_kind == match.CLICK and not pattern:
        errors["pattern"] = "请填写菜单按钮的 key（与菜单里 CLICK 按钮的 key 一致）。"
    elif rule.match_kind == match.REGEX:
        if not pattern:
            errors["pattern"] = "请填写正则表达式。"
        else:
            try:
                re.compile(rule.pattern)
            except re.error as exc:
                errors["pattern"] = f"正则表达式有误：{exc}。"
    if rule.reply_kind == reply.TEXT:
        size = len(rule.text.encode("utf-8"))
        if not rule.text.strip():
            errors["text"] = "请填写回复文字。"
        elif size > WECHAT_TEXT_LIMIT:
            errors["text"] = f"回复文字太长：{size} 字节，微信最多接受 {WECHAT_TEXT_LIMIT} 字节（约 680 个汉字）。"
    if rule.reply_kind in (reply.IMAGE, reply.VOICE, reply.VIDEO) and not rule.media_id.strip():
        errors["media_id"] = "回复图片、语音或视频时，请填写素材的 media_id。"
    return errors


def article_count_error(rule, count):
    """The message for a news reply with ``count`` articles, or None."""
    from .models import WECHAT_MAX_ARTICLES, AutoReplyRule

    if rule.reply_kind == AutoReplyRule.Reply.NEWS and not 1 <= count <= WECHAT_MAX_ARTICLES:
        return f"图文回复需要 1 到 {WECHAT_MAX_ARTICLES} 篇文章，现在是 {count} 篇。"
    return None


# -- Replies -----------------------------------------------------------------------------------
class RuleHandler:
    """A rule, callable like a code handler: what it returns goes through wechat.replies."""

    wechat_defer = False
    wechat_ack = None

    def __init__(self, rule, articles):
        self.rule_id = rule.pk
        self.hands_to_code = rule.reply_kind == "code"
        self.wechat_name = f"auto-reply rule #{rule.pk} {rule.name}"
        self._kind = rule.reply_kind
        self._text = rule.text
        self._media = (rule.media_id.strip(), rule.media_title, rule.media_description)
        self._articles = [article.as_reply_item() for article in articles]

    def __call__(self, message):
        from wechatpy.replies import ImageReply, VideoReply, VoiceReply

        media_id, title, description = self._media
        if self._kind == "text":
            return self._text
        if self._kind == "news":
            return [dict(article) for article in self._articles]
        if self._kind == "image":
            return ImageReply(media_id=media_id)
        if self._kind == "voice":
            return VoiceReply(media_id=media_id)
        if self._kind == "video":
            return VideoReply(media_id=media_id, title=title, description=description)
        return None

    def __repr__(self):
        return f"<{self.wechat_name}>"


class Rulebook:
    """The enabled rules, compiled for matching; ``match(message)`` costs a dict lookup or a few regexes."""

    def __init__(self, rules=()):
        self.exact = {}  # keyword -> (rank, handler)
        self.click = {}
        self.scanned = []  # (rank, test, handler): contains and regex rules, best first
        self.subscribe = None
        self.default = None
        for rank, (rule, articles) in enumerate(rules):
            handler = RuleHandler(rule, articles)
            kind = rule.match_kind
            if kind == "exact":
                self.exact.setdefault(rule.pattern.strip(), (rank, handler))
            elif kind == "click":
                self.click.setdefault(rule.pattern.strip(), (rank, handler))
            elif kind == "contains":
                self.scanned.append((rank, _contains(rule.pattern.strip()), handler))
            elif kind == "regex":
                try:
                    self.scanned.append((rank, re.compile(rule.pattern).search, handler))
                except re.error:
                    logger.warning("Auto-reply rule #%s has a bad regex; it is skipped", rule.pk)
            elif kind == "subscribe":
                self.subscribe = self.subscribe or handler
            elif kind == "default":
                self.default = self.default or handler

    def match(self, kind, content=None, key=None):
        """The rule handler for a message of ``kind`` ("text", "image", ..., "event:click"), or None."""
        if kind == "event:subscribe":
            return self.subscribe
        if kind == "event:click":
            found = self.click.get(key)
            return found[1] if found else None
        if kind.startswith("event:"):
            return None
        if kind == "text" and content is not None:
            best = self.exact.get(content.strip())
            for rank, test, handler in self.scanned:
                if best is not None and rank > best[0]:
                    break
                if test(content):
                    return handler
            if best is not None:
                return best[1]
        return self.default


def _contains(keyword):
    return lambda content: keyword in content


def load_rulebook():
    """A Rulebook of the enabled rules, read from the database now (two queries)."""
    from .models import AutoReplyRule

    rules = AutoReplyRule.objects.filter(enabled=True).prefetch_related("articles").order_by("-priority", "id")
    return Rulebook((rule, list(rule.articles.all())) for rule in rules)


# -- The in-process cache ----------------------------------------------------------------------------
class RuleCache:
    """This process's Rulebook, reloaded when the shared version changes (read at most once a second)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.forget()

    def forget(self):
        """Reload from the database at the next push (this process only)."""
        self.rulebook = None
        self.version = None
        self.checked_at = float("-inf")

    def current(self):
        now = time.monotonic()
        rulebook = self.rulebook  # once: forget() may run in another thread meanwhile
        if rulebook is not None and now - self.checked_at < CHECK_INTERVAL:
            return rulebook
        with self._lock:
            if self.rulebook is not None and now - self.checked_at < CHECK_INTERVAL:
                return self.rulebook
            try:
                version = cache.get(VERSION_KEY)
            except Exception:  # the shared cache is down: keep what we have, look again in a second
                logger.warning("Cannot read the auto-reply rules version; keeping the rules loaded")
                version = self.version
            if self.rulebook is None or version != self.version:
                self.rulebook = load_rulebook()
                self.version = version
            self.checked_at = now
            return self.rulebook


rule_cache = RuleCache()


def match(message):
    """The rule handler answering ``message`` (its ``hands_to_code`` may be True), or None.

    A database that does not answer leaves routing to the code handlers.
    """
    from .router import event_key, event_name, is_event

    try:
        rulebook = rule_cache.current()
    except Exception:
        logger.exception("Cannot load the auto-reply rules; code handlers answer alone")
        return None
    if is_event(message):
        return rulebook.match("event:" + event_name(message), key=event_key(message))
    return rulebook.match(message.type, content=getattr(message, "content", None))


def bump_version():
    """Tell every process to reload its rules (called after a change is committed)."""
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    except Exception:
        logger.exception("Cannot publish the auto-reply rules change; other workers keep their rules")


def rules_changed(**kwargs):
    """Signal receiver: this process reloads at once, the others once the change is committed."""
    rule_cache.forget()
    transaction.on_commit(bump_version)
