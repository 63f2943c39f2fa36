from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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


def import_upload_to(batch: "ImportBatch", filename: str) -> str:
    return f"imports/{batch.kind}/{batch.token}/upload"


class ImportBatch(models.Model):
    """One uploaded file imported by a tabular import — the organisation, historical
    complaints, a holiday calendar (导入批次; issue 7 item 3, see `pinzhi/core/imports.py`).

    It is planned (read and checked, nothing written), previewed, confirmed and applied in
    one transaction, once. The upload is kept through Django's storage API, the plan, the
    per-row errors and the counts in the database, so that any web or worker process on any
    machine reads the same batch. It belongs to one company (none for the operator's shared
    calendars); stale batches are purged by the clock."""

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned, not applied")
        APPLYING = "applying", _("Being applied")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Failed")
        DISCARDED = "discarded", _("Discarded")

    token = models.CharField(max_length=64, unique=True)
    company = models.ForeignKey(
        "orgs.Company", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=40)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.PLANNED)
    filename = models.CharField(max_length=255, blank=True)
    upload = models.FileField(upload_to=import_upload_to, max_length=255, blank=True)
    # What the reader found and the person chose (encoding, headers, mapping, options).
    meta = models.JSONField(default=dict, blank=True)
    # What the preview shows: the planned rows or a summary of them.
    plan = models.JSONField(default=dict, blank=True)
    # Per-row errors as [line, column, value, reason], at most imports.MAX_ERRORS of them.
    errors = models.JSONField(default=list, blank=True)
    errors_not_listed = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    # Phase and rows done of an import running in the background; its result when done.
    progress = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    planned_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        indexes = [models.Index(fields=["company", "kind", "created_at"], name="import_batch_list")]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename} ({self.state})"


def export_file_to(job: "ExportJob", filename: str) -> str:
    return f"exports/{job.kind}/{job.token}/{filename}"


class ExportJob(models.Model):
    """A large export written by a worker (导出任务; issue 9 item 4, see
    `pinzhi/core/exports.py`): queued by the page that asked for it, written in the
    background with its progress, then downloaded from its page by the person who asked
    for it only, until it expires and the clock deletes the file."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being written")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    token = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=40)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # What the export is of (the list's query string) and the language it is written in.
    params = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=20, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    filename = models.CharField(max_length=200)
    file = models.FileField(upload_to=export_file_to, max_length=255, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [models.Index(fields=["state", "updated_at"], name="export_job_state")]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename} ({self.state})"
