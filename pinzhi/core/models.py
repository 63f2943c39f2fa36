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
