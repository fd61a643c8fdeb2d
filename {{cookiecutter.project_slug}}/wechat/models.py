# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。

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
    openid = models.CharField("用户 openid", max_length=64)
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


# -- Menus and materials (official account; the admin is wechat/admin_menus.py, wechat/admin_materials.py) ----------
def example_menu():
    return {"button": [{"type": "click", "name": "菜单", "key": "MENU_CLICK"}]}


class Menu(models.Model):
    """A version of the custom menu, edited in the admin and published to WeChat (wechat.menus)."""

    name = models.CharField("名称", max_length=100, help_text="只用于在后台区分不同的菜单，如“春节活动菜单”。")
    menu = models.JSONField(
        "菜单内容",
        default=example_menu,
        help_text=(
            '微信菜单的 JSON：{"button": [...]}。最多 3 个一级菜单，每个最多 5 个子菜单；'
            "一级菜单名最多 16 字节（约 5 个汉字），子菜单名最多 60 字节。保存前会按微信的规则检查。"
        ),
    )
    is_current = models.BooleanField("微信上正在使用", default=False, editable=False)
    published_at = models.DateTimeField("发布时间", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "自定义菜单"
        verbose_name_plural = "自定义菜单"
        ordering = ["-is_current", "-updated_at"]

    def __str__(self):
        return self.name


class Material(models.Model):
    """A permanent material (永久素材) or a draft (草稿) of the account, as WeChat lists it (wechat.materials)."""

    class Kind(models.TextChoices):
        IMAGE = "image", "图片"
        VOICE = "voice", "语音"
        VIDEO = "video", "视频"
        NEWS = "news", "图文"
        DRAFT = "draft", "草稿"  # the draft box (草稿箱), where newer accounts keep their articles

    media_id = models.CharField(
        "media_id", max_length=128, unique=True, help_text="微信给素材的编号，回复图片等消息时使用。"
    )
    kind = models.CharField("类型", max_length=8, choices=Kind.choices, db_index=True)
    name = models.CharField("名称", max_length=200, blank=True)
    url = models.URLField("链接", max_length=1000, blank=True, help_text="图片素材在微信上的地址。")
    articles = models.JSONField(
        "图文内容", default=list, blank=True, help_text="图文素材的文章列表（标题、摘要、链接等）。"
    )
    update_time = models.DateTimeField("微信上的更新时间", null=True, blank=True)
    synced_at = models.DateTimeField("同步时间", null=True, blank=True)

    class Meta:
        verbose_name = "素材"
        verbose_name_plural = "素材"
        ordering = ["-update_time"]

    def __str__(self):
        return self.name or self.media_id


# -- End of menus and materials ---------------------------------------------------------------------------------------
