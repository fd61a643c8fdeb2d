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
