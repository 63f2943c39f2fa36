"""Reads of the points ledger (issue 11 item 3; ASM-3, ASM-11 "why"): a person's months and
entries with the rule, the clause and what caused each; the people a manager assesses with
their month's totals; the verified complaints that name nobody. Every read of somebody's
ledger goes through `people_assessable_by`."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from pinzhi.assessment.models import EntryKind, PointsEntry
from pinzhi.assessment.selectors.access import MANAGE_ROLES, READ_ROLES, people_assessable_by
from pinzhi.complaints.models import Complaint
from pinzhi.complaints.selectors import complaints_visible_to
from pinzhi.inspections.selectors import inspections_visible_to
from pinzhi.lib.filtering import FilterSet
from pinzhi.lib.months import local_start, month_next
from pinzhi.orgs.models import Person, Unit
from pinzhi.orgs.selectors import DEFAULT_PACK
from pinzhi.policy.selectors import rule_value_or_none
from pinzhi.rectification.selectors import nonconformities_visible_to

BASE_RULE = "assessment.monthly_base_points"
OFFENCE_KINDS = (EntryKind.OFFENCE_A, EntryKind.OFFENCE_B)


@dataclass(frozen=True)
class MonthSummary:
    month: date
    base: int | None
    points: int
    amount: Decimal
    entries: int

    @property
    def score(self) -> int | None:
        return None if self.base is None else self.base + self.points


def base_points(person: Person, month: date) -> int | None:
    """The pack's base points in force at the end of `month` (None: the pack has none)."""
    if person.company is None:
        return None
    company = person.company
    value = rule_value_or_none(
        BASE_RULE,
        pack=company.policy_pack or DEFAULT_PACK,
        company=company,
        at=local_start(month_next(month)),
    )
    return None if value is None else int(value)


def months_of(person: Person) -> list[MonthSummary]:
    """The person's months with entries, newest first: points, money, how many entries."""
    rows = (
        PointsEntry.objects.filter(person=person)
        .order_by()
        .values("month")
        .annotate(
            points=Coalesce(Sum("points"), 0),
            amount=Coalesce(Sum("amount"), Decimal(0)),
            entries=Count("pk"),
        )
        .order_by("-month")
    )
    return [
        MonthSummary(
            month=row["month"],
            base=base_points(person, row["month"]),
            points=row["points"],
            amount=row["amount"],
            entries=row["entries"],
        )
        for row in rows
    ]


def month_summary(person: Person, month: date) -> MonthSummary:
    totals = PointsEntry.objects.filter(person=person, month=month).aggregate(
        points=Coalesce(Sum("points"), 0),
        amount=Coalesce(Sum("amount"), Decimal(0)),
        entries=Count("pk"),
    )
    return MonthSummary(month=month, base=base_points(person, month), **totals)


def entries_of(person: Person, month: date | None = None) -> QuerySet[PointsEntry]:
    """The person's entries (of `month`), in the order they happened, with what they
    correct and who entered them."""
    entries = PointsEntry.objects.filter(person=person).select_related(
        "corrects", "entered_by", "unit"
    )
    if month is not None:
        entries = entries.filter(month=month)
    return entries.annotate(
        corrected=Exists(PointsEntry.objects.filter(corrects=OuterRef("pk")))
    ).order_by("occurred_at", "pk")


# The subjects an entry may link to: (visible to the reader, the page's URL name).
_SUBJECTS: dict[str, tuple[Callable[[Person], QuerySet], str]] = {
    "complaints.complaint": (complaints_visible_to, "complaints:detail"),
    "inspections.inspection": (inspections_visible_to, "inspections:detail"),
    "rectification.nonconformity": (nonconformities_visible_to, "rectification:detail"),
}


def subject_links(user: Person, entries: list[PointsEntry]) -> dict[int, str]:
    """entry id → the URL name and pk of its subject's page, for the entries whose subject
    `user` may open (the others show their label only): {entry.pk: (url name, pk)}."""
    from django.urls import reverse

    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.subject_type in _SUBJECTS and entry.subject_id is not None:
            wanted.setdefault(entry.subject_type, set()).add(entry.subject_id)
    open_ids: dict[str, set[int]] = {}
    for subject_type, ids in wanted.items():
        visible, _url = _SUBJECTS[subject_type]
        open_ids[subject_type] = set(visible(user).filter(pk__in=ids).values_list("pk", flat=True))
    links = {}
    for entry in entries:
        if entry.subject_id in open_ids.get(entry.subject_type, set()):
            links[entry.pk] = reverse(_SUBJECTS[entry.subject_type][1], args=[entry.subject_id])
    return links


def _company_id(user: Person) -> int:
    """The user's company (no company: an id no row has)."""
    return user.company_id if user.company_id is not None else -1


class PeopleFilter(FilterSet):
    """Search (name, employee number) and unit."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        widget=forms.SearchInput(attrs={"placeholder": _("Name or employee number")}),
    )
    unit = django_filters.ModelChoiceFilter(
        label=_("Unit"), queryset=Unit.objects.none(), method="filter_unit"
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        queryset: QuerySet[Person] | None = None,
        *,
        units: QuerySet[Unit] | None = None,
    ) -> None:
        super().__init__(data, queryset)
        self.filters["unit"].queryset = units if units is not None else Unit.objects.none()

    def filter_q(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        return queryset.filter(
            Q(full_name__icontains=value)
            | Q(employee_no__icontains=value)
            | Q(username__icontains=value)
        )

    def filter_unit(self, queryset: QuerySet[Person], name: str, value: Unit) -> QuerySet[Person]:
        return queryset.filter(unit__path__startswith=value.path)


def people_with_totals(
    user: Person, month: date, data: Mapping[str, Any] | None = None
) -> PeopleFilter:
    """The people `user` assesses (their own company's), each with the month's points,
    money and entries; filtered by `data` (search, unit)."""
    people = (
        people_assessable_by(user)
        .filter(company_id=_company_id(user), is_active=True)
        .exclude(pk=user.pk)
        .select_related("unit")
        .annotate(
            month_points=Coalesce(
                Sum("points_entries__points", filter=Q(points_entries__month=month)), 0
            ),
            month_amount=Sum("points_entries__amount", filter=Q(points_entries__month=month)),
            month_entries=Count("points_entries", filter=Q(points_entries__month=month)),
        )
        .order_by("unit__path", "full_name", "pk")
    )
    units = Unit.objects.filter(
        company_id=_company_id(user), pk__in=people.values("unit_id")
    ).order_by("path")
    return PeopleFilter(data, people, units=units)


def may_read_others(user: Person) -> bool:
    return user.is_authenticated and bool(user.role_codes & READ_ROLES)


def may_see_unassigned(user: Person) -> bool:
    return user.is_authenticated and bool(user.role_codes & MANAGE_ROLES)


def unassigned_complaints(user: Person) -> QuerySet[Complaint]:
    """Verified complaints of the user's company that name no staff member: the ledger books
    nothing for them (issue 11 item 1); the quality department sees them here."""
    if not may_see_unassigned(user):
        return Complaint.objects.none()
    return (
        Complaint.objects.filter(
            company_id=_company_id(user), verified_at__isnull=False, staff_involved__isnull=True
        )
        .select_related("department")
        .order_by("-verified_at", "-pk")
    )


def offences_awaiting_value(user: Person) -> QuerySet[PointsEntry]:
    """Offences booked from the complaints app at their range's mildest value that no
    manager has set yet (CMP-9), of the people `user` assesses."""
    return (
        PointsEntry.objects.filter(
            person__in=people_assessable_by(user).exclude(pk=user.pk),
            kind__in=OFFENCE_KINDS,
            event__isnull=False,
        )
        .exclude(Exists(PointsEntry.objects.filter(corrects=OuterRef("pk"))))
        .select_related("person", "person__unit")
        .order_by("occurred_at", "pk")
    )


def kinds_summary(entries: list[PointsEntry]) -> dict[str, int]:
    """Points per kind of a list of entries (for a month's overview)."""
    totals: dict[str, int] = {}
    for entry in entries:
        label = str(EntryKind(entry.kind).label)
        totals[label] = totals.get(label, 0) + entry.points
    return totals
