"""Finding complaints in the lists and the archive (CMP-6): the filters of the list page,
Chinese full-text search over the stored words, sorting, the overdue flag per row and the
customer data each row may show (ORG-3). The list pages and the Excel export share it."""

from datetime import datetime, time, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Case,
    CharField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone

from pinzhi.complaints.models import Complaint, Severity
from pinzhi.complaints.selectors import may_see_customer
from pinzhi.complaints.text import query_terms
from pinzhi.deadlines.models import Deadline
from pinzhi.lib.clock import now
from pinzhi.lib.privacy import customer_field

SORTS = {
    "newest": ("-received_at", "-pk"),
    "oldest": ("received_at", "pk"),
    "severity": ("severity_rank", "-received_at", "-pk"),
    "status": ("status", "-received_at", "-pk"),
    "updated": ("-updated_at", "-pk"),
}
DEFAULT_SORT = "newest"


def complaint_search(queryset: QuerySet[Complaint], query: str) -> QuerySet[Complaint]:
    """CMP-6: every term of the query (jieba words, traditional folded to simplified, so
    電梯 finds 电梯) must be among the complaint's stored words; or the query is the
    tracking code."""
    query = (query or "").strip()
    if not query:
        return queryset
    words = Q()
    for term in query_terms(query):
        words &= Q(search_text__icontains=term)
    return queryset.filter(words | Q(tracking_code__iexact=query))


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


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def complaint_filter(queryset: QuerySet[Complaint], data: dict) -> QuerySet[Complaint]:
    """Apply the cleaned data of the list's filter form (forms.ComplaintFilterForm)."""
    queryset = with_overdue(queryset)
    for field in ("status", "channel", "category", "severity"):
        if data.get(field):
            queryset = queryset.filter(**{field: data[field]})
    if data.get("location"):
        queryset = queryset.filter(location__path__startswith=data["location"].path)
    if data.get("department"):
        queryset = queryset.filter(department__path__startswith=data["department"].path)
    if data.get("received_from"):
        queryset = queryset.filter(received_at__gte=_day_start(data["received_from"]))
    if data.get("received_to"):
        end = _day_start(data["received_to"]) + timedelta(days=1)
        queryset = queryset.filter(received_at__lt=end)
    if data.get("overdue"):
        queryset = queryset.filter(is_overdue=True)  # type: ignore[misc]  # with_overdue
    if data.get("repeat"):
        queryset = queryset.filter(repeat_of__isnull=False)
    queryset = complaint_search(queryset, data.get("q", ""))
    sort = data.get("sort") or DEFAULT_SORT
    if sort == "severity":
        queryset = queryset.annotate(
            severity_rank=Case(
                When(severity=Severity.URGENT, then=Value(0)),
                When(severity=Severity.MAJOR, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
    return queryset.order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))


def for_rows(queryset: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """What a list row shows, read in a fixed number of queries."""
    return queryset.select_related(
        "location", "department", "owner", "handler", "repeat_of"
    ).prefetch_related("letters")


def shown_customer(user, complaint: Complaint) -> dict[str, Any]:
    """ORG-3: the customer fields as this viewer may see them on a list row or an export."""
    may_see = may_see_customer(user, complaint)
    return {
        "name": customer_field(complaint.customer_name, kind="name", may_see=may_see),
        "phone": customer_field(complaint.customer_phone, kind="phone", may_see=may_see),
        "email": customer_field(complaint.customer_email, kind="email", may_see=may_see),
        "address": customer_field(complaint.customer_address, kind="address", may_see=may_see),
        "may_see": may_see,
    }


def mark_rows(user, complaints) -> list[Complaint]:
    """Attach `shown` (the masked or plain customer fields) to each complaint of a page."""
    rows = list(complaints)
    for complaint in rows:
        complaint.shown = shown_customer(user, complaint)
    return rows
