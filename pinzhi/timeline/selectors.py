"""Reads of the timeline (X-1): a subject's events and attachments, the scoped event list,
the last verification, and who may download an attachment."""

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet

from pinzhi.core.roles import Role
from pinzhi.timeline.filters import EventFilter
from pinzhi.timeline.models import Attachment, Event, Verification, company_model

# Roles that read the whole timeline (the audit trail of every record).
AUDIT_ROLES = frozenset({Role.QUALITY_DEPARTMENT, Role.LEADERSHIP, Role.QUALITY_COMMITTEE})
# Roles that see the integrity page and may run the verifier.
INTEGRITY_ROLES = frozenset({Role.QUALITY_DEPARTMENT, Role.LEADERSHIP})
# Roles that may download any attachment.
ATTACHMENT_ROLES = frozenset({Role.QUALITY_DEPARTMENT})

# The person asking (a Person, whom the timeline cannot name) and the record, or None.
AttachmentRule = Callable[[Any, models.Model | None], bool]
_attachment_rules: dict[str, AttachmentRule] = {}


def _subject_filter(subject: models.Model) -> dict:
    return {
        "content_type": ContentType.objects.get_for_model(subject),
        "object_id": str(subject.pk),
    }


def events_for(subject: models.Model) -> QuerySet[Event]:
    """The events of one record, newest first. Not scoped: call it for a record the
    person has already been allowed to see."""
    if subject is None or subject.pk is None:
        return Event.objects.none()
    return Event.objects.filter(**_subject_filter(subject)).select_related("actor").order_by("-id")


def attachments_for(subject: models.Model) -> QuerySet[Attachment]:
    """The attachments of one record, newest first (not scoped, like `events_for`)."""
    if subject is None or subject.pk is None:
        return Attachment.objects.none()
    return Attachment.objects.filter(**_subject_filter(subject)).select_related("uploaded_by")


def events_visible_to(user: Any) -> QuerySet[Event]:
    """ORG-2: for the quality department, leadership and the quality committee, the events
    of their own company and of the external companies it works with (whose `operator` it
    is); every event for superusers; nothing for anyone else (they read events on the
    records they can open)."""
    if not user.is_authenticated:
        return Event.objects.none()
    events = Event.objects.select_related("actor").order_by("-id")
    if user.is_superuser:
        return events
    if not user.has_role(*AUDIT_ROLES) or user.company_id is None:
        return Event.objects.none()
    return events.filter(company_id__in=companies_audited_by(user).values("pk"))


def events_filtered(user: Any, data: Mapping[str, Any] | None = None) -> EventFilter:
    """The events `user` may read (`events_visible_to`), filtered by the event log's filters
    (`request.GET`, see `filters.EventFilter`; issue 7 item 4). `.qs` is the list, newest
    first; `.form` the filter bar. Each page reads its events' subjects in one query per
    kind of record (for the personal-data rules, ORG-3), not one per event."""
    return EventFilter(data, events_visible_to(user).prefetch_related("subject"))


def companies_audited_by(user: Any) -> QuerySet:
    """ORG-2: the user's own company and the external companies it works with (whose
    `operator` it is): the companies whose records its audit roles read."""
    Company = company_model()

    if user.company_id is None:
        return Company.objects.none()
    return Company.objects.filter(Q(pk=user.company_id) | Q(operator_id=user.company_id))


def findings_visible_to(user: Any, findings: list) -> tuple[list, int]:
    """ORG-2: the findings of a verification in the chains of the companies the user audits
    (all for an operator), and how many others there are (only counted: their records,
    ids and company names belong to other companies or to the operator)."""
    if user.is_superuser:
        return findings, 0
    from pinzhi.timeline.models import chain_company_id

    audited = set(companies_audited_by(user).values_list("pk", flat=True))
    visible = [f for f in findings if chain_company_id(f.chain) in audited]
    return visible, len(findings) - len(visible)


def last_verification() -> Verification | None:
    return Verification.objects.select_related("triggered_by").first()


def register_attachment_access(model_label: str, rule: AttachmentRule) -> None:
    """Let an app decide who may download the attachments of its records:
    `register_attachment_access("complaints.complaint", lambda user, subject: ...)`.
    `subject` is None when the record no longer exists."""
    _attachment_rules[model_label.lower()] = rule


def attachment_may_download(user: Any, attachment: Attachment) -> bool:
    """Superusers and the uploader always; the quality department for the attachments of
    its company's records (and of the external companies it works with); others when the
    rule registered for the subject's model allows it (ORG-2: never across companies)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or attachment.uploaded_by_id == user.pk:
        return True
    if (
        user.has_role(*ATTACHMENT_ROLES)
        and companies_audited_by(user).filter(pk=attachment.company_id).exists()
    ):
        return True
    content_type = ContentType.objects.get_for_id(attachment.content_type_id)
    rule = _attachment_rules.get(f"{content_type.app_label}.{content_type.model}")
    if rule is None:
        return False
    return bool(rule(user, attachment.subject))
