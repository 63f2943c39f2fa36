"""Finding complaints in the lists and the archive (CMP-6): the filters of the list page,
Chinese full-text search over the stored words, sorting, the overdue flag per row and the
customer data each row may show (ORG-3). The list pages and the Excel export share it."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    CharField,
    Exists,
    OuterRef,
    QuerySet,
)
from django.db.models.functions import Cast

from pinzhi.complaints.filters import ComplaintFilter, complaint_search
from pinzhi.complaints.models import Complaint
from pinzhi.complaints.selectors import complaint_text, complaints_visible_to, may_see_customer
from pinzhi.deadlines.models import Deadline
from pinzhi.lib.clock import now
from pinzhi.lib.privacy import customer_field
from pinzhi.orgs.selectors import units_visible_to

__all__ = ["complaint_search", "complaints_filtered", "for_rows", "mark_rows", "with_overdue"]


def with_overdue(queryset: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Annotate `is_overdue`: a running deadline of the case is past due (breached, or
    not yet swept)."""
    content_type = ContentType.objects.get_for_model(Complaint)
    running = Deadline.objects.filter(
        content_type=content_type,
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
        state__in=[Deadline.State.OPEN, Deadline.State.BREACHED],
        due_at__lte=now(),
    )
    return queryset.annotate(is_overdue=Exists(running))


def complaints_filtered(user, data, *, base: QuerySet[Complaint] | None = None) -> ComplaintFilter:
    """CMP-6, issue 7 item 4: the list's filters (`request.GET`) applied to `base` — the
    complaints `user` may see, or a queue already scoped to them — with the overdue flag.
    `.qs` is the filtered, sorted list; `.form` the filter bar, with a message beside a
    value that does not validate (left out of the filtering, never an error page)."""
    if base is None:
        base = complaints_visible_to(user)
    return ComplaintFilter(data, with_overdue(base), units=units_visible_to(user))


def for_rows(queryset: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """What a list row shows, read in a fixed number of queries."""
    return queryset.select_related(
        "location", "department", "owner", "handler", "repeat_of"
    ).prefetch_related("letters")


def shown_customer(user, complaint: Complaint) -> dict[str, Any]:
    """ORG-3: the customer fields, and the free text that may carry them, as this viewer may
    see them on a list row or an export."""
    may_see = may_see_customer(user, complaint)
    return {
        "name": customer_field(complaint.customer_name, kind="name", may_see=may_see),
        "phone": customer_field(complaint.customer_phone, kind="phone", may_see=may_see),
        "email": customer_field(complaint.customer_email, kind="email", may_see=may_see),
        "address": customer_field(complaint.customer_address, kind="address", may_see=may_see),
        "title": complaint_text(complaint, complaint.title, may_see=may_see),
        "content": complaint_text(complaint, complaint.content, may_see=may_see),
        "request": complaint_text(complaint, complaint.request, may_see=may_see),
        "may_see": may_see,
    }


def mark_rows(user, complaints) -> list[Complaint]:
    """Attach `shown` (the masked or plain customer fields) to each complaint of a page."""
    rows = list(complaints)
    for complaint in rows:
        complaint.shown = shown_customer(user, complaint)
    return rows
