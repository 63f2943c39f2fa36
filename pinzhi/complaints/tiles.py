"""Home tiles of the complaints app: what needs each person's attention (CMP-3 … CMP-7)."""

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Exists, Max, OuterRef, Q
from django.db.models.functions import Cast
from django.utils import timezone

from pinzhi.complaints import figures, search, selectors
from pinzhi.complaints.models import (
    OPEN_STATUSES,
    Callback,
    Complaint,
    ContactLetter,
    RepeatGroup,
    Status,
)
from pinzhi.deadlines.models import Deadline
from pinzhi.lib.clock import now
from pinzhi.lib.queries import AmongIds
from pinzhi.orgs.roles import COMPANY_WIDE_ROLES, CONTRACTOR_ROLES
from pinzhi.orgs.selectors import units_visible_to

LISTED = 5
# How far back a home tile looks for recurring topics and for the satisfaction of callbacks.
RECENT_DAYS = 90
SATISFIED = (Callback.Satisfaction.VERY_SATISFIED, Callback.Satisfaction.SATISFIED)


def _overdue() -> Exists:
    """A running time limit of the complaint is past due (breached, or not yet swept): the
    condition of `search.with_overdue`, for use inside an aggregate's filter."""
    return Exists(
        Deadline.objects.filter(
            content_type=ContentType.objects.get_for_model(Complaint),
            object_id=Cast(OuterRef("pk"), output_field=CharField()),
            state__in=[Deadline.State.OPEN, Deadline.State.BREACHED],
            due_at__lte=now(),
        )
    )


def _open_and_overdue() -> dict:
    """The two counts of the open complaints, for `aggregate`: issue 9 item 3 — one query
    for a tile's figures, the overdue check made for the open complaints only."""
    is_open = Q(status__in=OPEN_STATUSES)
    return {
        "open": Count("pk", filter=is_open),
        "overdue": Count("pk", filter=is_open & Q(_overdue())),
    }


def my_open_cases(user) -> dict | None:
    """Open cases I own or handle, with how many are past a time limit."""
    mine = selectors.open_complaints(selectors.complaints_visible_to(user)).filter(
        Q(owner=user) | Q(handler=user)
    )
    figures = mine.aggregate(**_open_and_overdue())
    if not figures["open"]:
        return None
    return {
        "count": figures["open"],
        "overdue": figures["overdue"],
        "complaints": list(
            search.with_overdue(mine)
            .select_related("location")
            .order_by(
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


def _month_starts() -> tuple:
    local = timezone.localtime(now())
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return month_start, (month_start - timedelta(days=1)).replace(day=1)


def company_overview(user) -> dict | None:
    """For the quality department and leadership: open complaints by status, how many are
    overdue, and this month's intake against last month's.

    Issue 9 item 3: for a company-wide viewer (and the superuser) the counts by status and
    month are the pre-aggregated figures (`figures.py`), exact at every moment; the cases
    the viewer sees outside their company (registered, owned, handled by them) are added
    live. Overdue depends on the clock as well as on writes: it counts the open complaints
    whose kept running limits (`RunningLimit`) fall due by now."""
    month_start, last_start = _month_starts()
    visible = selectors.complaints_visible_to(user)
    if user.is_superuser:
        company_id, outside = None, visible.none()
    elif (
        user.company_id
        and user.role_codes & COMPANY_WIDE_ROLES
        and not user.role_codes & (selectors.SCOPED_ROLES | CONTRACTOR_ROLES)
    ):
        # They see their company's complaints and, beyond it, only their own cases.
        company_id = user.company_id
        outside = Complaint.objects.filter(
            Q(customer=user)
            | Q(registered_by=user)
            | Q(owner=user)
            | Q(handler=user)
            | Q(AmongIds("pk", ContactLetter.objects.filter(to_person=user).values("complaint_id")))
        ).exclude(company_id=company_id)
    else:
        return _overview(_overview_live(visible, month_start, last_start), month_start)
    months = [month_start.date(), last_start.date()]
    by_status = figures.status_counts(company_id=company_id, statuses=OPEN_STATUSES)
    received = figures.received_in(company_id=company_id, months=months)
    result = {
        **{f"status_{s}": by_status.get(s, 0) for s in OPEN_STATUSES},
        "open": sum(by_status.values()),
        "this_month": received[months[0]],
        "last_month": received[months[1]],
        "overdue": figures.overdue_count(company_id=company_id, at=now()),
    }
    if company_id is not None:
        # Rare and small: cases of another company this person registered, owns or handles.
        for key, value in _overview_live(outside, month_start, last_start).items():
            result[key] += value
    return _overview(result, month_start)


def _overview_live(visible, month_start, last_start) -> dict:
    """The overview's figures counted from the complaints: one aggregate over the open
    complaints and those of the two months."""
    return visible.filter(Q(status__in=OPEN_STATUSES) | Q(received_at__gte=last_start)).aggregate(
        **_open_and_overdue(),
        **{f"status_{s}": Count("pk", filter=Q(status=s)) for s in OPEN_STATUSES},
        this_month=Count("pk", filter=Q(received_at__gte=month_start)),
        last_month=Count("pk", filter=Q(received_at__gte=last_start, received_at__lt=month_start)),
    )


def _overview(figures: dict, month_start) -> dict | None:
    open_count, this_month, last_month = (
        figures["open"],
        figures["this_month"],
        figures["last_month"],
    )
    if not open_count and not this_month and not last_month:
        return None
    labels = dict(Status.choices)
    return {
        "open_count": open_count,
        "overdue": figures["overdue"],
        "by_status": [
            (s, labels[s], figures[f"status_{s}"]) for s in OPEN_STATUSES if figures[f"status_{s}"]
        ],
        "this_month": this_month,
        "last_month": last_month,
        "month": month_start,
    }


# --- inspectors and the supervising body (issue 8 item 6) ----------------------------------


def in_my_units(user) -> dict | None:
    """For an inspector: the open complaints located in or routed to the units they inspect,
    overdue ones first, the subject masked unless they may see the customer (ORG-3). Shown
    with its empty state while nothing is open; left out for someone without units."""
    if not units_visible_to(user).exists():
        return None
    in_scope = selectors.complaints_in_scope(user)
    open_cases = selectors.open_complaints(in_scope)
    local = timezone.localtime(now())
    week_start = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    figures = in_scope.filter(
        Q(status__in=OPEN_STATUSES) | Q(received_at__gte=week_start)
    ).aggregate(**_open_and_overdue(), this_week=Count("pk", filter=Q(received_at__gte=week_start)))
    listed = list(
        search.with_overdue(open_cases)
        .select_related("location")
        .prefetch_related("letters")
        .order_by("-is_overdue", "received_at")[:LISTED]  # type: ignore[misc]  # with_overdue
    )
    return {
        "count": figures["open"],
        "overdue": figures["overdue"],
        "this_week": figures["this_week"],
        "rows": [
            {"complaint": c, "title": search.shown_customer(user, c)["title"]} for c in listed
        ],
    }


def time_limits_in_my_units(user) -> dict | None:
    """For an inspector: the time limits running on the complaints of their units, the
    soonest due first, with how many are past due and how many fall due within a day; each
    named by its case's tracking code, never its subject (ORG-3). Shown with its empty state
    while none runs; left out for someone without units."""
    if not units_visible_to(user).exists():
        return None
    cases = selectors.open_complaints(selectors.complaints_in_scope(user))
    running = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(Complaint),
        object_id__in=cases.annotate(key=Cast("pk", output_field=CharField())).values("key"),
        state__in=[Deadline.State.OPEN, Deadline.State.BREACHED],
    )
    at = now()
    listed = list(running.order_by("due_at", "pk")[:LISTED])
    codes = dict(
        Complaint.objects.filter(pk__in=[int(d.object_id) for d in listed]).values_list(
            "pk", "tracking_code"
        )
    )
    figures = running.aggregate(
        count=Count("pk"),
        overdue=Count("pk", filter=Q(due_at__lte=at)),
        due_soon=Count("pk", filter=Q(due_at__gt=at, due_at__lte=at + timedelta(days=1))),
    )
    return {
        **figures,
        "rows": [
            {"deadline": d, "pk": int(d.object_id), "code": codes.get(int(d.object_id), "")}
            for d in listed
        ],
    }


def contracted_service(user) -> dict | None:
    """For a contractor (issue 8 item 6): the open complaints about the service its company
    is contracted for, the newest first, the subject masked (ORG-3); the empty state says
    when none is open."""
    open_cases = selectors.open_complaints(selectors.complaints_visible_to(user))
    listed = list(open_cases.select_related("location").order_by("-received_at")[:LISTED])
    return {
        "count": open_cases.count(),
        "rows": [
            {"complaint": c, "title": search.shown_customer(user, c)["title"]} for c in listed
        ],
    }


def recurring_topics(user) -> dict | None:
    """For an inspector: the topics that came back (CMP-8) among the complaints of their
    units received in the last RECENT_DAYS days, most frequent first. A topic's label is
    made of keywords that never name a customer (ORG-3). Left out for someone without
    units."""
    if not units_visible_to(user).exists():
        return None
    since = now() - timedelta(days=RECENT_DAYS)
    recent = selectors.complaints_in_scope(user).filter(received_at__gte=since)
    groups = (
        RepeatGroup.objects.filter(complaints__in=recent.values("pk"))
        .annotate(members=Count("complaints", distinct=True), latest=Max("complaints__received_at"))
        .filter(members__gte=2)
        .order_by("-members", "-latest")
    )
    return {"groups": list(groups[:LISTED]), "days": RECENT_DAYS}


def supervised_figures(user) -> dict | None:
    """For the supervising body (ORG-4): the figures of the complaints of the units it
    supervises — open, overdue, received this month and last, closed this month, and the
    customers' satisfaction at the callbacks of the last RECENT_DAYS days — in total and
    per unit of its scope. Figures only: no case, no customer."""
    supervised = selectors.complaints_supervised_by(user)
    month_start, last_start = _month_starts()
    roots = _scope_roots(user)
    callbacks = Callback.objects.filter(
        complaint__in=supervised.values("pk"),
        reached=True,
        at__gte=now() - timedelta(days=RECENT_DAYS),
    ).aggregate(
        reached=Count("pk"),
        satisfied=Count("pk", filter=Q(confirmed=True, satisfaction__in=SATISFIED)),
    )
    reached = callbacks["reached"]
    # Issue 9 item 3: every figure, in total and per unit, in one aggregate over the open
    # complaints and those received or closed in the two months — never the whole history.
    is_open = Q(status__in=OPEN_STATUSES)
    per_unit = {}
    for index, unit in enumerate(roots):
        here = Q(company_id=unit.company_id) & (
            Q(location__path__startswith=unit.path) | Q(department__path__startswith=unit.path)
        )
        per_unit[f"open_{index}"] = Count("pk", filter=is_open & here)
        per_unit[f"overdue_{index}"] = Count("pk", filter=is_open & here & Q(_overdue()))
    figures = supervised.filter(
        is_open | Q(received_at__gte=last_start) | Q(closed_at__gte=month_start)
    ).aggregate(
        **_open_and_overdue(),
        **per_unit,
        this_month=Count("pk", filter=Q(received_at__gte=month_start)),
        last_month=Count("pk", filter=Q(received_at__gte=last_start, received_at__lt=month_start)),
        closed_this_month=Count("pk", filter=Q(closed_at__gte=month_start)),
    )
    units = [
        {"unit": unit, "open": figures.pop(f"open_{i}"), "overdue": figures.pop(f"overdue_{i}")}
        for i, unit in enumerate(roots)
    ]
    recorded = any(figures.values()) or supervised.exists()
    return {
        "has_scope": bool(roots),
        **figures,
        "recorded": recorded,
        "reached": reached,
        "satisfaction": round(100 * callbacks["satisfied"] / reached) if reached else None,
        "days": RECENT_DAYS,
        "units": units,
    }


def _scope_roots(user) -> list:
    """The units of the user's scope that no other unit of it contains, in tree order."""
    units = list(units_visible_to(user).select_related("company").order_by("company", "path"))
    paths = {(u.company_id, u.path) for u in units}
    return [
        u
        for u in units
        if not any(
            company == u.company_id and u.path != path and u.path.startswith(path)
            for company, path in paths
        )
    ]
