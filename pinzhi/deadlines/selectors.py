"""Reads of the deadline engine, scoped to the person asking (DESIGN mechanism 5)."""

from collections.abc import Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Q, QuerySet

from pinzhi.deadlines.filters import DeadlineFilter
from pinzhi.deadlines.models import Calendar, CalendarDay, Deadline, RuleCalendar
from pinzhi.lib.clock import now
from pinzhi.orgs.models import Person
from pinzhi.orgs.roles import COMPANY_WIDE_ROLES, STAFF_ROLES, Role
from pinzhi.orgs.selectors import units_visible_to

# Who may open the overdue page (staff), and who manages calendars.
OVERDUE_ROLES = frozenset(STAFF_ROLES)
CALENDAR_READ_ROLES = frozenset({Role.QUALITY_DEPARTMENT, Role.QUALITY_COMMITTEE, Role.LEADERSHIP})
CALENDAR_EDIT_ROLES = frozenset({Role.QUALITY_DEPARTMENT})
ACTIVE = (Deadline.State.OPEN, Deadline.State.BREACHED)


def deadlines_for(subject: models.Model) -> QuerySet[Deadline]:
    """Every deadline of one subject (a complaint, a rectification …), oldest first."""
    return Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(subject), object_id=str(subject.pk)
    ).order_by("started_at", "pk")


def deadlines_visible_to(user: Person) -> QuerySet[Deadline]:
    """The quality department, committee and leadership see every deadline of their
    company; others see the ones they own and those of the units they see."""
    if not user.is_authenticated:
        return Deadline.objects.none()
    if user.is_superuser:
        return Deadline.objects.all()
    units = units_visible_to(user)
    if user.role_codes & COMPANY_WIDE_ROLES:
        return Deadline.objects.filter(
            Q(company_id=user.company_id) | Q(unit__company_id=user.company_id) | Q(owner=user)
        )
    return Deadline.objects.filter(Q(owner=user) | Q(unit__in=units))


def deadlines_overdue(user: Person, data: Mapping[str, Any] | None = None) -> DeadlineFilter:
    """Open and breached deadlines the user sees, filtered by the overdue list's filters
    (`request.GET`; past due by default), the most urgent first (issue 7 item 4). `.qs` is
    the list, `.form` the filter bar."""
    deadlines = (
        deadlines_visible_to(user)
        .filter(state__in=ACTIVE)
        .select_related("owner", "unit", "calendar", "company")
        .order_by("due_at", "pk")
    )
    return DeadlineFilter(data, deadlines, kinds=deadline_kinds(user), user=user)


def deadline_kinds(user: Person) -> list[str]:
    return list(
        deadlines_visible_to(user)
        .filter(state__in=ACTIVE)
        .order_by("kind")
        .values_list("kind", flat=True)
        .distinct()
    )


def my_overdue(user: Person) -> QuerySet[Deadline]:
    """The user's own deadlines that are past due."""
    return (
        Deadline.objects.filter(owner=user, state__in=ACTIVE, due_at__lte=now())
        .select_related("company")
        .order_by("due_at")
    )


def calendars_visible_to(user: Person) -> QuerySet[Calendar]:
    """The calendars of the user's company and the shared ones (X-5, ORG-2); every calendar
    for an operator."""
    if not user.is_authenticated:
        return Calendar.objects.none()
    if user.is_superuser:
        return Calendar.objects.all()
    if user.company_id is None:
        return Calendar.objects.filter(company__isnull=True)
    return Calendar.objects.filter(Q(company__isnull=True) | Q(company_id=user.company_id))


def user_may_create_calendar(user: Person) -> bool:
    """The quality department of a company keeps that company's calendars and chooses the
    calendar of each rule for it; an operator keeps the shared ones and the defaults."""
    return bool(user.is_superuser or (user.role_codes & CALENDAR_EDIT_ROLES and user.company_id))


def calendar_may_edit(user: Person, calendar: Calendar) -> bool:
    """The quality department changes its own company's calendars; shared calendars are
    read-only but for an operator."""
    if user.is_superuser:
        return True
    return bool(
        user.role_codes & CALENDAR_EDIT_ROLES
        and calendar.company_id is not None
        and calendar.company_id == user.company_id
    )


def rule_calendars_of(user: Person, calendar: Calendar) -> QuerySet[RuleCalendar]:
    """The rules counting on `calendar` that the user's company chose (an operator sees the
    defaults and every company's choices)."""
    choices = calendar.rules.select_related("company").order_by("pack", "rule_key")
    if user.is_superuser:
        return choices
    return choices.filter(company_id=user.company_id)  # type: ignore[misc]  # None: defaults


def calendars_with_days(user: Person, *, year: int) -> QuerySet[Calendar]:
    """The calendars with `year_days`, the number of days entered for `year`."""
    return calendars_visible_to(user).annotate(
        year_days=Count("days", filter=Q(days__date__year=year))
    )


def calendar_year_days(calendar: Calendar, year: int) -> QuerySet[CalendarDay]:
    return calendar.days.filter(date__year=year).order_by("date")


def calendar_years(calendar: Calendar) -> list[int]:
    return sorted({d.year for d in calendar.days.dates("date", "year")})


def calendar_weekly(calendar: Calendar) -> list[tuple[str, str]]:
    """(weekday name, "09:00-12:00, 13:30-18:00") for Monday to Sunday."""
    from pinzhi.deadlines.calendars import periods_text
    from pinzhi.deadlines.forms import WEEKDAY_NAMES
    from pinzhi.deadlines.models import WEEKDAYS

    return [
        (str(name), periods_text(calendar.hours.get(day, [])))
        for day, name in zip(WEEKDAYS, WEEKDAY_NAMES, strict=True)
    ]


def duration_rules() -> list[tuple[str, str, str]]:
    """(pack code, rule key, rule name) of the policy rules that are time limits, for
    choosing a calendar per rule; empty when no pack is loaded."""
    from pinzhi.policy.selectors import duration_rule_keys, rule_names

    keys = duration_rule_keys()
    names = rule_names(keys)
    return [(pack, key, names.get((pack, key), key)) for pack, key in keys]


def rule_name(pack: str, key: str) -> str:
    """How people see the rule `key` of `pack` named (its key if no pack has it)."""
    from pinzhi.policy.selectors import rule_names

    return rule_names([(pack, key)]).get((pack, key), key)


def rule_calendars_named(user: Person, calendar: Calendar) -> list[tuple[RuleCalendar, str]]:
    """`rule_calendars_of` with each rule's name (issue 8 item 6: never its key alone)."""
    from pinzhi.policy.selectors import rule_names

    choices = list(rule_calendars_of(user, calendar))
    names = rule_names([(choice.pack, choice.rule_key) for choice in choices])
    return [
        (choice, names.get((choice.pack, choice.rule_key), choice.rule_key)) for choice in choices
    ]
