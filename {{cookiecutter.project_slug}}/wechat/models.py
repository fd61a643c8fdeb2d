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
    Official-account followers come from ``wechat_sync_users`` (and stay current
    through subscribe/unsubscribe pushes, see ``wechat.followers``); mini-program
    users from their logins.
    """

    app_id = models.CharField(
        "AppID", max_length=32, help_text="这个用户属于哪个公众号或小程序（同一个人在每个应用里各有一行）"
    )
    openid = models.CharField("OpenID", max_length=64, help_text="用户在这个应用里的唯一标识")
    unionid = models.CharField(
        "UnionID", max_length=64, blank=True, db_index=True, help_text="同一开放平台账号下各应用共用的用户标识"
    )
    nickname = models.CharField("昵称", max_length=100, blank=True)
    avatar = models.URLField("头像", max_length=500, blank=True)
    # The mini program's session_key from the last login: stays on the server (decrypting user data).
    session_key = models.CharField(max_length=64, blank=True, editable=False)
    # Followers of the official account (wechat.followers keeps these current).
    subscribed = models.BooleanField("已关注", default=False, db_index=True, help_text="现在是否关注着公众号")
    subscribed_at = models.DateTimeField("关注时间", null=True, blank=True, help_text="最近一次关注公众号的时间")
    unsubscribed_at = models.DateTimeField(
        "取消关注时间", null=True, blank=True, help_text="最近一次取消关注的时间（收到取消关注推送时记录）"
    )
    remark = models.CharField(
        "备注名",
        max_length=30,
        blank=True,
        help_text="公众号给这个关注者起的备注名，最多 30 个字；保存时同步到微信",
    )
    language = models.CharField("语言", max_length=16, blank=True)
    subscribe_scene = models.CharField(
        "关注渠道", max_length=32, blank=True, help_text="微信给出的关注来源，例如 ADD_SCENE_QR_CODE（扫二维码）"
    )
    tags = models.ManyToManyField(
        "WeChatTag", blank=True, related_name="users", verbose_name="标签", help_text="公众号给关注者打的标签"
    )
    synced_at = models.DateTimeField("最近同步", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "微信用户"
        verbose_name_plural = "微信用户"
        constraints = [models.UniqueConstraint(fields=["app_id", "openid"], name="wechat_user_unique_openid")]

    def __str__(self):
        return self.remark or self.nickname or self.openid

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


# -- Followers: tags and the sync's progress (wechat.followers) ----------------------------
class WeChatTag(models.Model):
    """A tag of the official account's followers (用户标签), as WeChat numbers it."""

    app_id = models.CharField("AppID", max_length=32)
    tag_id = models.PositiveIntegerField("微信标签 ID", help_text="微信给这个标签的编号")
    name = models.CharField("标签名", max_length=30, help_text="最多 30 个字，同一公众号里不能重名")
    count = models.PositiveIntegerField("人数", default=0, help_text="微信统计的带这个标签的关注者人数（同步时更新）")

    class Meta:
        verbose_name = "用户标签"
        verbose_name_plural = "用户标签"
        ordering = ["tag_id"]
        constraints = [models.UniqueConstraint(fields=["app_id", "tag_id"], name="wechat_tag_unique_id")]

    def __str__(self):
        return self.name


class FollowerSync(models.Model):
    """The progress of the follower sync of one official account: a crashed sync continues from here."""

    app_id = models.CharField("AppID", max_length=32, unique=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True, help_text="为空：同步还没做完（或中断了）")
    # user/get's next_openid for the page being synced ('' = the first page), and how many of it are done.
    cursor = models.CharField("进度游标", max_length=64, blank=True)
    page_done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField("关注者总数", default=0)
    synced = models.PositiveIntegerField("已同步", default=0)
    last_error = models.TextField("最近的错误", blank=True)

    class Meta:
        verbose_name = "关注者同步进度"
        verbose_name_plural = "关注者同步进度"

    def __str__(self):
        return f"{self.app_id}: {self.synced}/{self.total}"


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
