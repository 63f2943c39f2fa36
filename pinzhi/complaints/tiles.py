"""Home tiles of the complaints app: what needs each person's attention (CMP-3 … CMP-7)."""

from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from pinzhi.complaints import search, selectors
from pinzhi.complaints.models import OPEN_STATUSES, ContactLetter, Status
from pinzhi.lib.clock import now

LISTED = 5


def my_open_cases(user) -> dict | None:
    """Open cases I own or handle, with how many are past a time limit."""
    mine = selectors.open_complaints(selectors.complaints_visible_to(user)).filter(
        Q(owner=user) | Q(handler=user)
    )
    mine = search.with_overdue(mine)
    count = mine.count()
    if not count:
        return None
    return {
        "count": count,
        "overdue": mine.filter(is_overdue=True).count(),  # type: ignore[misc]  # with_overdue
        "complaints": list(
            mine.select_related("location").order_by(
                "-is_overdue",  # type: ignore[misc]  # with_overdue
                "received_at",
            )[:LISTED]
        ),
    }


def letters_to_sign(user) -> dict | None:
    """Contact letters addressed to me that I have not signed for (CMP-3): only each
    case's current letter; one superseded by routing again is no longer to be signed."""
    later = ContactLetter.objects.filter(complaint=OuterRef("complaint")).filter(
        Q(sent_at__gt=OuterRef("sent_at")) | Q(sent_at=OuterRef("sent_at"), pk__gt=OuterRef("pk"))
    )
    letters = (
        ContactLetter.objects.filter(
            to_person=user, acknowledged_at=None, complaint__status=Status.ROUTED
        )
        .exclude(Exists(later))
        .select_related("complaint", "to_unit")
    )
    count = letters.count()
    if not count:
        return None
    return {"count": count, "letters": list(letters.order_by("sent_at")[:LISTED])}


def callbacks_due(user) -> dict | None:
    """Resolved cases waiting for their same-day callback (CMP-5): those I registered or
    own; for the service desk, every one they see."""
    resolved = selectors.complaints_visible_to(user).filter(status=Status.RESOLVED)
    if not user.is_superuser and not user.has_role("service_desk", "quality_department"):
        resolved = resolved.filter(Q(registered_by=user) | Q(owner=user))
    count = resolved.count()
    if not count:
        return None
    return {
        "count": count,
        "complaints": list(resolved.select_related("location").order_by("resolved_at")[:LISTED]),
    }


def company_overview(user) -> dict | None:
    """For the quality department and leadership: open complaints by status, how many are
    overdue, and this month's intake against last month's."""
    visible = selectors.complaints_visible_to(user)
    open_cases = search.with_overdue(visible.filter(status__in=OPEN_STATUSES))
    by_status = dict(
        open_cases.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    local = timezone.localtime(now())
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last_start = (month_start - timedelta(days=1)).replace(day=1)
    this_month = visible.filter(received_at__gte=month_start).count()
    last_month = visible.filter(received_at__gte=last_start, received_at__lt=month_start).count()
    open_count = sum(by_status.values())
    if not open_count and not this_month and not last_month:
        return None
    labels = dict(Status.choices)
    return {
        "open_count": open_count,
        "overdue": open_cases.filter(is_overdue=True).count(),  # type: ignore[misc]
        "by_status": [(s, labels[s], by_status[s]) for s in OPEN_STATUSES if by_status.get(s)],
        "this_month": this_month,
        "last_month": last_month,
        "month": month_start,
    }
