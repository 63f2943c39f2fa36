"""API tokens for hotline and WeChat integrations (CMP-1). Only the SHA-256 of a token is
stored; the token itself is shown once, when it is created."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pinzhi.lib.fields import person_fk
from pinzhi.orgs.models import Company

SCOPE_WRITE = "complaints:write"
SCOPE_READ = "complaints:read"
SCOPE_RECTIFICATION_READ = "rectification:read"
SCOPE_RECTIFICATION_WRITE = "rectification:write"
SCOPE_SUPPLIERS_READ = "suppliers:read"
SCOPE_ASSESSMENT_READ = "assessment:read"
SCOPE_ASSESSMENT_WRITE = "assessment:write"
SCOPE_INSPECTIONS_READ = "inspections:read"
SCOPE_INSPECTIONS_WRITE = "inspections:write"
SCOPE_PAYROLL_READ = "payroll:read"
SCOPE_TRAINING_READ = "training:read"
SCOPE_TRAINING_WRITE = "training:write"
SCOPE_QUARTERLY_READ = "quarterly:read"
SCOPES = [
    (SCOPE_WRITE, _("Register complaints (complaints:write)")),
    (SCOPE_READ, _("Read complaints it sent, with personal data (complaints:read)")),
    ("checklists:read", _("Read checklist templates and their versions (checklists:read)")),
    (SCOPE_RECTIFICATION_READ, _("Read findings and their rectification (rectification:read)")),
    (SCOPE_RECTIFICATION_WRITE, _("Report and verify fixes (rectification:write)")),
    (SCOPE_INSPECTIONS_READ, _("Read inspections and their results (inspections:read)")),
    (SCOPE_INSPECTIONS_WRITE, _("Submit inspections with their answers (inspections:write)")),
    (SCOPE_SUPPLIERS_READ, _("Read supplier evaluations and deductions (suppliers:read)")),
    (
        "standards:read",
        _("Read the service standards, goals, SLAs and commitments (standards:read)"),
    ),
    ("standards:write", _("Add service items and draft standards (standards:write)")),
    ("schedules:read", _("Read inspection schedules, tasks and sampling draws (schedules:read)")),
    (
        "schedules:write",
        _("Create schedules, assign and cancel inspection tasks (schedules:write)"),
    ),
    (SCOPE_ASSESSMENT_READ, _("Read the points ledger and people's months (assessment:read)")),
    (
        SCOPE_ASSESSMENT_WRITE,
        _("Record offences and daily assessment records (assessment:write)"),
    ),
    (SCOPE_PAYROLL_READ, _("Read the monthly assessment and closed months' totals (payroll:read)")),
    (
        SCOPE_TRAINING_READ,
        _("Read training courses, sessions, scores and assignments (training:read)"),
    ),
    (SCOPE_TRAINING_WRITE, _("Record training attendance and test scores (training:write)")),
    (
        SCOPE_QUARTERLY_READ,
        _("Read the issued quarterly assessments and their results (quarterly:read)"),
    ),
]


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class ApiToken(models.Model):
    """A token of one integration (a hotline system, the WeChat official account …)."""

    name = models.CharField(_("name"), max_length=100)
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("company")
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    # The first characters, so that people can tell tokens apart without the secret.
    prefix = models.CharField(_("token starts with"), max_length=12, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = person_fk(_("revoked by"))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def scope_labels(self) -> list[str]:
        labels = dict(SCOPES)
        return [str(labels.get(scope, scope)) for scope in self.scopes]


class ApiComplaint(models.Model):
    """Which token registered a complaint: a token with complaints:read sees the personal
    data of the complaints it sent itself, and nobody else's (ORG-3)."""

    token = models.ForeignKey(ApiToken, on_delete=models.PROTECT, related_name="complaints")
    complaint = models.OneToOneField(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="api_origin"
    )
    external_id = models.CharField(_("id in the integration"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("complaint sent through the API")
        verbose_name_plural = _("complaints sent through the API")
        # Issue 9 item 2: a resend is found by its external id at any size of the archive.
        indexes = [
            models.Index(
                fields=["external_id"],
                name="api_complaint_external_id",
                condition=~models.Q(external_id=""),
            )
        ]

    def __str__(self) -> str:
        return f"{self.token_id} → {self.complaint_id}"


class IdempotencyKey(models.Model):
    """A write an integration sent with an `Idempotency-Key` header and the answer it got:
    the same key with the same request is answered again with this answer instead of doing
    the write twice (a retry after a lost answer); the same key with another request is
    refused. Keys belong to one token and are kept PINZHI_API_IDEMPOTENCY_HOURS."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="idempotency_keys")
    key = models.CharField(_("idempotency key"), max_length=255)
    # SHA-256 of the method, the path and the request body (JSON canonicalised; the fields
    # and the files' content of a multipart upload).
    fingerprint = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    body = models.BinaryField()
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="api_idempotency_token_key")
        ]
        indexes = [models.Index(fields=["created_at"], name="api_idempotency_created")]

    def __str__(self) -> str:
        return f"{self.token_id}: {self.key}"


class StatusWebhook(models.Model):
    """One signed POST of a complaint's status change to a webhook endpoint subscribed to
    it (CMP-2, issue 8 item 5). Made from the complaint's timeline events by
    `api.webhooks.status_webhooks_plan`; sent, and retried with notify's back-off, by
    `api.webhooks.status_webhooks_send`. A worker claims a row with a conditional UPDATE, so
    each attempt is sent once."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        GAVE_UP = "gave_up", _("gave up")

    endpoint = models.ForeignKey(
        "notify.WebhookEndpoint", on_delete=models.CASCADE, related_name="status_webhooks"
    )
    event_id = models.BigIntegerField(_("timeline event"))
    kind = models.CharField(_("kind"), max_length=80)
    payload = models.JSONField(_("payload"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("status webhook")
        verbose_name_plural = _("status webhooks")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="api_status_webhook_once")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="api_status_due")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.endpoint_id}"
