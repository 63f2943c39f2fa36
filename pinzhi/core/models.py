from datetime import datetime, timedelta

from django.db import models
from django.db.models import Q


class PeriodicJobQuerySet(models.QuerySet):
    def filter_due(self, *, now: datetime, every: timedelta):
        return self.filter(Q(last_enqueued_at__isnull=True) | Q(last_enqueued_at__lte=now - every))


class PeriodicJob(models.Model):
    """When the clock last enqueued a periodic job."""

    name = models.CharField(max_length=100, unique=True)
    last_enqueued_at = models.DateTimeField(null=True)

    objects = PeriodicJobQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name


class RateBucket(models.Model):
    """The hits of one key (an address, an account at an address, a tracking code, an API
    token) for one purpose in its current window: the one rate-limit mechanism of sign-in,
    the public forms and the API (issue 7 item 6; see `pinzhi/core/ratelimit.py`). A row is
    claimed with conditional UPDATEs, so that concurrent requests on every worker process
    count exactly; expired rows are purged by the clock."""

    purpose = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    count = models.PositiveIntegerField(default=0)
    # The end of the window (a full bucket stays closed until then).
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["purpose", "key"], name="one_rate_bucket_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.key} {self.count}"
