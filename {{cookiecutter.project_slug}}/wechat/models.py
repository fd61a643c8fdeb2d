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


# -- Message log (wechat.messagelog) ------------------------------------------------------------


class MessageLog(models.Model):
    """One push WeChat delivered and what it got back; read-only in the admin (消息记录)."""

    class Outcome(models.TextChoices):
        REPLIED = "replied", "已回复 Replied"
        NO_REPLY = "no_reply", "无回复 (success)"
        DEFERRED = "deferred", "交给任务稍后回复 Deferred to a task"
        LATE = "late", "超时，稍后发送 Late, sent later"
        DUPLICATE = "duplicate", "微信重试，答复第一次的回复 Retry, first reply"
        UNCHECKED = "unchecked", "存储不可用，未去重 Store down, not deduplicated"

    received_at = models.DateTimeField("收到时间", db_index=True)
    account = models.CharField("公众号", max_length=64, help_text="推送里的 ToUserName（公众号原始 ID）")
    openid = models.CharField("用户 openid", max_length=64, db_index=True)
    msg_type = models.CharField("类型", max_length=32)
    event = models.CharField("事件", max_length=64, blank=True)
    event_key = models.CharField("事件 Key", max_length=256, blank=True)
    msg_id = models.CharField("消息 ID", max_length=20, blank=True)
    content = models.TextField("内容", blank=True, help_text="文本消息的内容，其他消息为空")
    fields = models.JSONField("推送字段", help_text="解密后的推送，不含签名和密文")
    encrypted = models.BooleanField("加密推送", default=False)
    outcome = models.CharField("结果", max_length=16, choices=Outcome.choices)
    handler = models.CharField("处理者", max_length=200, blank=True, help_text="回复它的处理函数或自动回复规则")
    reply = models.TextField("回复", blank=True, help_text="被动回复的 XML（明文），或 success")
    latency_ms = models.PositiveIntegerField("耗时（毫秒）", help_text="从收到推送到答复")

    class Meta:
        verbose_name = "消息记录"
        verbose_name_plural = "消息记录"
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.openid} {self.msg_type} {self.received_at:%Y-%m-%d %H:%M:%S}"
