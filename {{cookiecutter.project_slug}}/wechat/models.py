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
