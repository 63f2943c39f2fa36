"""Bookkeeping of the public portal: attempts counted per address so that rate limits hold
across every worker process (CMP-1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PublicAttempt(models.Model):
    """One counted action from an address (a submitted complaint, a failed tracking check).
    The rate limits count these rows; a cache would not be shared by gunicorn workers."""

    class Kind(models.TextChoices):
        SUBMIT = "submit", _("Complaint submitted")
        TRACK_FAILED = "track_failed", _("Tracking check failed")
        HONEYPOT = "honeypot", _("Automated submission refused")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    address = models.CharField(_("IP address"), max_length=45)
    # The tracking code tried, so guessing one code from many addresses is limited too.
    key = models.CharField(_("key"), max_length=40, blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("public attempt")
        verbose_name_plural = _("public attempts")
        indexes = [
            models.Index(fields=["kind", "address", "at"]),
            models.Index(fields=["kind", "key", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.address} {self.at:%Y-%m-%d %H:%M}"
