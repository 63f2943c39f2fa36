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
SCOPES = [
    (SCOPE_WRITE, _("Register complaints (complaints:write)")),
    (SCOPE_READ, _("Read complaints it sent, with personal data (complaints:read)")),
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

    def __str__(self) -> str:
        return f"{self.token_id} → {self.complaint_id}"
