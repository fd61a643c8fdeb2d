from django.db import models


class CacheEntry(models.Model):
    """A row of the shared cache (``wechat.cache.DatabaseCache``).

    A model, so ``manage.py migrate`` creates the table: no ``createcachetable``.
    """

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.BinaryField()
    # Unix time in seconds; NULL never expires.
    expires = models.FloatField(null=True, db_index=True)

    class Meta:
        db_table = "wechat_cache"
        verbose_name_plural = "cache entries"

    def __str__(self):
        return self.cache_key


class WeChatUser(models.Model):
    """A WeChat user of one app (official account or mini program).

    The same person has one row per app (each app sees its own openid);
    ``unionid`` links those rows when the apps share an Open Platform account.
    """

    app_id = models.CharField(max_length=32)
    openid = models.CharField(max_length=64)
    unionid = models.CharField(max_length=64, blank=True, db_index=True)
    nickname = models.CharField(max_length=100, blank=True)
    avatar = models.URLField(max_length=500, blank=True)
    # The mini program's session_key from the last login: stays on the server (decrypting user data).
    session_key = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "WeChat user"
        constraints = [models.UniqueConstraint(fields=["app_id", "openid"], name="wechat_user_unique_openid")]

    def __str__(self):
        return self.nickname or self.openid

    # Enough of Django's user API for permission checks (DRF's IsAuthenticated).
    is_authenticated = True
    is_anonymous = False


class PendingReply(models.Model):
    """A reply that goes out later as customer-service messages, exactly once (see wechat.deferred).

    One row per push: a deferred handler's (its task runs the handler), or the
    late reply of a handler that overran WeChat's 5 s. ``parts_sent`` counts the
    messages already sent, so a task run again after a crash sends only the rest.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done"
        DROPPED = "dropped", "dropped"

    push_key = models.CharField(max_length=64, unique=True)
    openid = models.CharField(max_length=64)
    fields = models.JSONField(help_text="The push, as WeChat sent it.")
    handler = models.CharField(max_length=200, blank=True)
    # For a late reply: WeChat's retries may still carry it passively until then.
    late = models.BooleanField(default=False)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED, db_index=True)
    # The customer-service messages to send, as [method, [arguments]] of wechatpy's client.message;
    # null until the deferred handler has run.
    messages = models.JSONField(null=True, blank=True)
    parts_sent = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    owner = models.CharField(max_length=200, blank=True, help_text="host:pid:start of the worker running it")
    run_after = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "pending reply"
        verbose_name_plural = "pending replies"

    def __str__(self):
        return f"{self.openid} {self.state} ({self.parts_sent} sent)"


# -- Auto-reply rules (official accounts; see wechat/rules.py) ------------------------------------
# Staff edit these in the admin; wechat.rules keeps the enabled ones in memory in every process.
WECHAT_TEXT_LIMIT = 2048  # bytes of UTF-8 WeChat accepts in a text reply
WECHAT_MAX_ARTICLES = 8


class AutoReplyRule(models.Model):
    class Match(models.TextChoices):
        EXACT = "exact", "关键词：完全匹配"
        CONTAINS = "contains", "关键词：包含"
        REGEX = "regex", "正则表达式"
        SUBSCRIBE = "subscribe", "关注时的欢迎语"
        CLICK = "click", "菜单点击（CLICK 事件的 key）"
        DEFAULT = "default", "默认回复（其他规则都没匹配的消息）"

    class Reply(models.TextChoices):
        TEXT = "text", "文字"
        NEWS = "news", "图文（文章列表）"
        IMAGE = "image", "图片（media_id）"
        VOICE = "voice", "语音（media_id）"
        VIDEO = "video", "视频（media_id）"
        CODE = "code", "交给代码处理（规则不回复）"

    name = models.CharField("规则名称", max_length=100, help_text="给自己看的名字，例如“营业时间”。")
    enabled = models.BooleanField("启用", default=True, help_text="取消勾选后，这条规则不再回复任何消息。")
    priority = models.IntegerField(
        "优先级", default=0, help_text="数字越大越先匹配；相同时先建的规则优先。默认回复总是在其他规则之后。"
    )
    match_kind = models.CharField("匹配方式", max_length=16, choices=Match.choices, default=Match.EXACT)
    pattern = models.CharField(
        "关键词 / 表达式 / 菜单 key",
        max_length=255,
        blank=True,
        help_text="完全匹配、包含：填关键词；正则表达式：填表达式（如 ^天气）；菜单点击：填菜单按钮的 key。"
        "关注欢迎语和默认回复不用填。",
    )
    reply_kind = models.CharField("回复类型", max_length=8, choices=Reply.choices, default=Reply.TEXT)
    text = models.TextField(
        "回复文字", blank=True, help_text="回复类型为“文字”时填写，最多 2048 字节（约 680 个汉字）。"
    )
    # A plain input for now; a picker of the account's materials can replace its widget (admin_rules.py).
    media_id = models.CharField(
        "素材 media_id",
        max_length=128,
        blank=True,
        help_text="回复图片、语音或视频时填写：公众号永久素材的 media_id。",
    )
    media_title = models.CharField("视频标题", max_length=64, blank=True)
    media_description = models.CharField("视频描述", max_length=120, blank=True)
    # "wechat:..." for a rule imported from WeChat's own auto-reply settings: importing again updates it.
    import_key = models.CharField("导入来源", max_length=255, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "自动回复规则"
        verbose_name_plural = "自动回复规则"
        ordering = ["-priority", "id"]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        from .rules import rule_errors

        errors = rule_errors(self)
        if errors:
            raise ValidationError(errors)


class AutoReplyArticle(models.Model):
    """One article of a rule's news reply (图文)."""

    rule = models.ForeignKey(AutoReplyRule, on_delete=models.CASCADE, related_name="articles", verbose_name="规则")
    position = models.PositiveSmallIntegerField("顺序", default=0)
    title = models.CharField("标题", max_length=64)
    description = models.CharField("摘要", max_length=120, blank=True)
    image = models.URLField("封面图片地址", max_length=500, blank=True, help_text="大图 360×200，小图 200×200。")
    url = models.URLField("点击后打开的链接", max_length=500)

    class Meta:
        verbose_name = "图文文章"
        verbose_name_plural = "图文文章"
        ordering = ["position", "id"]

    def __str__(self):
        return self.title

    def as_reply_item(self):
        return {"title": self.title, "description": self.description, "image": self.image, "url": self.url}


# -- End of auto-reply rules ---------------------------------------------------------------------------
