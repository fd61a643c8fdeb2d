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
    """A permanent material (永久素材) of the official account, as WeChat lists it (wechat.materials)."""

    class Kind(models.TextChoices):
        IMAGE = "image", "图片"
        VOICE = "voice", "语音"
        VIDEO = "video", "视频"
        NEWS = "news", "图文"

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
