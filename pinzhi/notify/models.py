"""Notifications (X-3, 通知): the in-app inbox, each person's channel choices, the webhook
endpoints that WeChat/SMS gateways consume, and a delivery log row for every e-mail or
webhook attempt."""

import re
import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pinzhi.lib.fields import company_fk, optional_fk

# "deadline.breached", "complaint.assigned": lower-case words joined by dots.
KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")


def new_secret() -> str:
    return secrets.token_hex(32)


class Notification(models.Model):
    """One message in one person's inbox (通知). Created by `services.notify`."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=80)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    subject_id = models.CharField(max_length=64, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notify_recipient_read"),
            models.Index(fields=["recipient", "-created_at"], name="notify_recipient_created"),
            models.Index(fields=["subject_type", "subject_id"], name="notify_subject"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class ChannelPreference(models.Model):
    """The channels a person chose (X-3). The inbox is always on; a person without a row
    gets the defaults of the fields below."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notify_preference",
        verbose_name=_("person"),
    )
    email = models.BooleanField(_("e-mail"), default=True)
    webhook = models.BooleanField(_("WeChat / SMS"), default=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("channel preference")
        verbose_name_plural = _("channel preferences")

    def __str__(self) -> str:
        return str(self.person)


def validate_http_url(value: str) -> None:
    URLValidator(schemes=["http", "https"])(value)


class WebhookEndpoint(models.Model):
    """A gateway that receives notifications as signed JSON POSTs (X-3), managed by the
    quality department. `kinds` holds kind prefixes ("deadline", "complaint.assigned");
    empty means every kind. An endpoint belongs to one company and receives only the
    notifications of that company's people (ORG-2); one without a company is a global
    gateway set up by a superuser and receives everyone's."""

    company = company_fk(on_delete=models.CASCADE, related_name="webhook_endpoints")
    name = models.CharField(_("name"), max_length=100)
    url = models.CharField(_("URL"), max_length=500, validators=[validate_http_url])
    secret = models.CharField(_("signing secret"), max_length=200, default=new_secret)
    kinds = models.JSONField(_("kinds"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"], name="notify_endpoint_company_name_unique"
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(company__isnull=True),
                name="notify_endpoint_global_name_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def accepts(self, kind: str) -> bool:
        if not self.kinds:
            return True
        return any(kind == prefix or kind.startswith(prefix + ".") for prefix in self.kinds)


class Delivery(models.Model):
    """One attempt to carry a notification over e-mail or to one webhook endpoint (X-3).
    A failed attempt schedules the next one as a new PENDING row; the last allowed attempt
    that fails is GAVE_UP. A worker claims a PENDING row by moving it to SENDING with a
    conditional UPDATE, so an attempt is sent at most once."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        WEBHOOK = "webhook", _("webhook")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        GAVE_UP = "gave_up", _("gave up")
        SKIPPED = "skipped", _("skipped")

    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("notification"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    endpoint = optional_fk(WebhookEndpoint, _("endpoint"), related_name="deliveries")
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    # `error` is what the quality department may see (a generic failure, a status class);
    # `detail` is the technical reason (network error, the gateway's answer), kept for the
    # server log and superusers only (issue 6 item 5).
    error = models.TextField(_("error"), blank=True)
    detail = models.TextField(_("technical detail"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notify_delivery_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel="email", endpoint__isnull=True)
                | Q(channel="webhook", endpoint__isnull=False),
                name="notify_delivery_endpoint_matches_channel",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.notification_id} ({self.attempt})"
