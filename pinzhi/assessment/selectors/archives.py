"""Quality archives (ASM-11, 员工/管理人员工作质量档案 — 003 服务质量管理制度2 第5条): a
person's year in one place — the complaints verified about them, the inspections of their
unit (and those an inspector did), their points month by month with every entry's reason
and clause, service stars, worst-service ratings, consequences, training and quarterly
results; a manager's archive adds the figures of the units they manage.

Who reads whose archive is `people_assessable_by` (selectors/access.py): everyone their
own, a line manager the people of their scope, the company-wide roles everyone. Every read
here is of one person already checked against it; the links an archive shows (a complaint,
an inspection, a nonconformity) are links only for a reader who may open them."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.urls import resolve, reverse
from django.utils.translation import gettext_lazy as _

from pinzhi.assessment.models import (
    AssessmentMonth,
    AssessmentResult,
    Consequence,
    Level,
    MonthlyTotal,
    PointsEntry,
    ServiceStar,
    WorstServiceRating,
)
from pinzhi.assessment.selectors.access import LINE_ROLES, people_assessable_by
from pinzhi.complaints.models import Complaint
from pinzhi.complaints.selectors import complaint_text, complaints_visible_to
from pinzhi.core.access import user_may
from pinzhi.inspections.models import Inspection
from pinzhi.inspections.selectors import inspections_visible_to
from pinzhi.lib.clock import now
from pinzhi.lib.filtering import FilterSet
from pinzhi.lib.months import local_start, local_zone
from pinzhi.orgs.models import Person, Unit
from pinzhi.orgs.roles import EXTERNAL_ROLES, Role
from pinzhi.orgs.selectors import DEFAULT_PACK, units_covered
from pinzhi.policy.selectors import rule_names, rule_value_or_none
from pinzhi.rectification.models import Nonconformity
from pinzhi.rectification.selectors import nonconformities_visible_to
from pinzhi.training.models import Attendance, SessionStatus, TrainingAssignment

# How many years back the year filter offers.
YEARS_SHOWN = 5
# The base a month starts from (part B's rule); a pack without it starts from 0.
BASE_RULE = "assessment.monthly_base_points"
# Who manages units, for a manager's archive: the line managers, and the group leader in
# charge of the units of their scope (leadership with a scope).
MANAGING_ROLES = frozenset(LINE_ROLES | {Role.LEADERSHIP})
# Rows a printed archive lists of each kind at most (the page pages through all of them).
PRINT_ROWS = 500

# A month on the trend chart's axis.
MONTH_LABEL = _("Month %(n)s")
MSG_YEAR_INVALID = _("Choose a year from the list: %(value)s is not one of them.")


def year_now() -> int:
    return now().astimezone(local_zone()).year


def years_offered() -> list[int]:
    """The current year (Asia/Shanghai) and the ones before it, newest first."""
    current = year_now()
    return list(range(current, current - YEARS_SHOWN, -1))


class YearForm(forms.Form):
    """The archive's year filter (ASM-11): one of the years offered."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["year"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(year, f"{year}") for year in years_offered()]
        field.error_messages["invalid_choice"] = MSG_YEAR_INVALID
        field.widget.attrs["class"] = "form-select form-select-sm"

    def chosen(self) -> int:
        """The chosen year; the current one when none (or an invalid one) was chosen."""
        if self.is_valid() and self.cleaned_data.get("year"):
            return int(self.cleaned_data["year"])
        return year_now()


def _year_span(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year + 1, 1, 1)


def _year_instants(year: int) -> tuple[datetime, datetime]:
    first, after = _year_span(year)
    return local_start(first), local_start(after)


# --- who ---------------------------------------------------------------------------------


def _staff(people: QuerySet[Person]) -> QuerySet[Person]:
    """The company's own people: customers and suppliers have no archive."""
    return people.filter(company__isnull=False).exclude(role_assignments__role__in=EXTERNAL_ROLES)


def archive_people_visible_to(user: Person) -> QuerySet[Person]:
    """The people whose archive `user` may open (ASM-11, `people_assessable_by`)."""
    return _staff(people_assessable_by(user))


def archive_person(user: Person, pk: int) -> Person | None:
    return archive_people_visible_to(user).select_related("unit", "company").filter(pk=pk).first()


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{'　' * max(obj.depth, 0)}{obj.name}"


class UnitChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = UnitChoice


class ArchivePeopleFilter(FilterSet):
    """The archive index: search by name or employee number; a unit and the units below."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        widget=forms.SearchInput(attrs={"placeholder": _("Name or employee number")}),
    )
    unit = UnitChoiceFilter(
        label=_("Unit"), queryset=Unit.objects.none(), empty_label=_("All units"), method="in_unit"
    )

    def __init__(self, data: Mapping[str, Any] | None = None, queryset: Any = None, **kwargs: Any):
        units = kwargs.pop("units")
        super().__init__(data, queryset, **kwargs)
        self.filters["unit"].queryset = units

    def filter_q(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        return queryset.filter(
            Q(full_name__icontains=value)
            | Q(employee_no__icontains=value)
            | Q(username__icontains=value)
        )

    def in_unit(self, queryset: QuerySet[Person], name: str, unit: Unit) -> QuerySet[Person]:
        return queryset.filter(unit__company_id=unit.company_id, unit__path__startswith=unit.path)


def archive_people_filtered(
    user: Person, data: Mapping[str, Any] | None, *, year: int
) -> ArchivePeopleFilter:
    """The index of archives `user` may open, filtered, each person with the year's points
    and verified complaints (one query for the page)."""
    first, after = _year_span(year)
    people = (
        archive_people_visible_to(user)
        .select_related("unit")
        .annotate(
            year_points=Coalesce(
                Sum(
                    "points_entries__points",
                    filter=Q(points_entries__month__gte=first, points_entries__month__lt=after),
                ),
                0,
            ),
        )
        .order_by("unit__path", "full_name", "pk")
    )
    unit_ids = people.exclude(unit__isnull=True).values("unit_id")
    units = Unit.objects.filter(
        Q(pk__in=unit_ids) | Q(pk__in=_ancestor_ids(unit_ids)), is_active=True
    ).order_by("path")
    return ArchivePeopleFilter(data, people, units=units)


def _ancestor_ids(unit_ids: Any) -> list[int]:
    """The units above the given ones (a filter by a department covers its estates)."""
    paths = set(Unit.objects.filter(pk__in=unit_ids).values_list("company_id", "path"))
    wanted: set[tuple[int, str]] = set()
    for company_id, path in paths:
        parts = [p for p in path.split("/") if p]
        for depth in range(1, len(parts)):
            wanted.add((company_id, "/" + "/".join(parts[:depth]) + "/"))
    if not wanted:
        return []
    condition = Q(pk__in=[])
    for company_id, path in wanted:
        condition |= Q(company_id=company_id, path=path)
    return list(Unit.objects.filter(condition).values_list("pk", flat=True))


def complaint_counts(people: Iterable[Person], *, year: int) -> dict[int, int]:
    """{person id: verified complaints about them in the year} for a page of the index."""
    start, end = _year_instants(year)
    rows = (
        Complaint.objects.filter(
            staff_involved__in=[p.pk for p in people], verified_at__gte=start, verified_at__lt=end
        )
        .values("staff_involved")
        .annotate(n=Count("pk"))
    )
    return {row["staff_involved"]: row["n"] for row in rows}


# --- points ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthFigure:
    """One month of a person's points: base (the pack's, or the computed total's) plus the
    month's entries; the month's status in the cycle when it has one."""

    month: date
    base: int
    points: int
    score: int
    amount: Decimal
    entries: int
    status: str


def _base(person: Person, month: date) -> int:
    pack = person.company.policy_pack if person.company else DEFAULT_PACK
    value = rule_value_or_none(
        BASE_RULE, pack=pack or DEFAULT_PACK, company=person.company, at=local_start(month)
    )
    return int(value) if value is not None else 0


def archive_months(person: Person, *, year: int) -> list[MonthFigure]:
    """The months of the year so far (all twelve for a past year), each with its base, the
    sum of its entries and the score = base + points: the trend of the archive."""
    first, after = _year_span(year)
    sums = {
        row["month"]: row
        for row in PointsEntry.objects.filter(person=person, month__gte=first, month__lt=after)
        .values("month")
        .annotate(points_sum=Sum("points"), amount_sum=Sum("amount"), n=Count("pk"))
    }
    totals = {
        total.assessment_month.month: total
        for total in MonthlyTotal.objects.filter(
            person=person,
            assessment_month__month__gte=first,
            assessment_month__month__lt=after,
        ).select_related("assessment_month")
    }
    statuses = {
        month.month: month.get_status_display()
        for month in AssessmentMonth.objects.filter(
            company=person.company, month__gte=first, month__lt=after
        )
    }
    current = now().astimezone(local_zone())
    last = 12 if year < current.year else (current.month if year == current.year else 0)
    figures = []
    for number in range(1, last + 1):
        month = date(year, number, 1)
        row: Mapping[str, Any] = sums.get(month, {})
        total = totals.get(month)
        base = total.base if total is not None else _base(person, month)
        points = row.get("points_sum") or 0
        figures.append(
            MonthFigure(
                month=month,
                base=base,
                points=points,
                score=base + points,
                amount=row.get("amount_sum") or Decimal("0"),
                entries=row.get("n") or 0,
                status=str(statuses.get(month, "")),
            )
        )
    return figures


def trend_chart(figures: list[MonthFigure]) -> dict[str, Any]:
    """The data of the trend chart (ECharts): each month's score and its points."""
    return {
        "labels": [str(MONTH_LABEL) % {"n": f.month.month} for f in figures],
        "score": [f.score for f in figures],
        "points": [f.points for f in figures],
        "score_name": str(_("Score")),
        "points_name": str(_("Points added or deducted")),
    }


def archive_entries(person: Person, *, year: int) -> QuerySet[PointsEntry]:
    """Every entry of the person's year, oldest first, each with its reason and clause."""
    first, after = _year_span(year)
    return (
        PointsEntry.objects.filter(person=person, month__gte=first, month__lt=after)
        .select_related("company", "corrects", "entered_by")
        .order_by("month", "occurred_at", "pk")
    )


@dataclass(frozen=True)
class EntryRow:
    entry: PointsEntry
    url: str  # what it is about, where the reader may open it ("" otherwise)
    rule: str  # the rule's name as the pack names it ("" for a manager's own reason)
    label: str  # what it is about, a complaint's subject masked (ORG-3)


_COMPLAINT = "complaints.complaint"
# The subjects an entry can link to: (model label, URL name, the reader's visible set).
_SUBJECTS = (
    (_COMPLAINT, "complaints:detail", complaints_visible_to),
    ("inspections.inspection", "inspections:detail", inspections_visible_to),
    ("rectification.nonconformity", "rectification:detail", nonconformities_visible_to),
)


def _page_roles(url_name: str) -> frozenset[str]:
    return getattr(resolve(reverse(url_name, args=[1])).func, "access_roles", frozenset())


def entry_rows(user: Person, entries: Iterable[PointsEntry]) -> list[EntryRow]:
    """The entries with a link to what each is about, where the reader may open it (a
    complaint they may see), else none: the page shows the entry's label instead."""
    entries = list(entries)
    links: dict[tuple[str, int], str] = {}
    for label, url_name, visible in _SUBJECTS:
        ids = {e.subject_id for e in entries if e.subject_type == label and e.subject_id}
        if not ids or not user_may(user, _page_roles(url_name)):
            continue
        for pk in visible(user).filter(pk__in=ids).values_list("pk", flat=True):
            links[(label, pk)] = reverse(url_name, args=[pk])
    keys = {(e.company.policy_pack or DEFAULT_PACK, e.rule_key) for e in entries if e.rule_key}
    names = rule_names(sorted(keys)) if keys else {}
    # A complaint's label is its tracking code and subject, the subject as the archive
    # shows every complaint's: masked (ORG-3), whoever reads it.
    complaint_ids = {e.subject_id for e in entries if e.subject_type == _COMPLAINT and e.subject_id}
    complaint_labels = {
        c.pk: f"{c.tracking_code} {complaint_text(c, c.title, may_see=False)}"
        for c in Complaint.objects.filter(pk__in=complaint_ids).only(
            "tracking_code", "title", "customer_name", "customer_address"
        )
    }
    return [
        EntryRow(
            e,
            links.get((e.subject_type, e.subject_id or 0), ""),
            names.get((e.company.policy_pack or DEFAULT_PACK, e.rule_key), ""),
            complaint_labels.get(e.subject_id or 0, "")
            if e.subject_type == _COMPLAINT
            else e.subject_label,
        )
        for e in entries
    ]


# --- what the person did and got -------------------------------------------------------


@dataclass(frozen=True)
class ComplaintRow:
    complaint: Complaint
    title: str
    url: str


def archive_complaints(person: Person, *, year: int) -> QuerySet[Complaint]:
    """The complaints verified (成立) about the person in the year."""
    start, end = _year_instants(year)
    return (
        Complaint.objects.filter(staff_involved=person, verified_at__gte=start, verified_at__lt=end)
        .select_related("department")
        .order_by("-verified_at", "-pk")
    )


def complaint_rows(user: Person, complaints: Iterable[Complaint]) -> list[ComplaintRow]:
    """The complaints with their subject masked (the archive is no place for a customer's
    name or phone: ORG-3) and a link where the reader may open the case."""
    complaints = list(complaints)
    linked: set[int] = set()
    if complaints and user_may(user, _page_roles("complaints:detail")):
        linked = set(
            complaints_visible_to(user)
            .filter(pk__in=[c.pk for c in complaints])
            .values_list("pk", flat=True)
        )
    return [
        ComplaintRow(
            c,
            complaint_text(c, c.title, may_see=False),
            reverse("complaints:detail", args=[c.pk]) if c.pk in linked else "",
        )
        for c in complaints
    ]


_DONE = (Inspection.Status.SUBMITTED, Inspection.Status.REPORTED)


def archive_unit_inspections(person: Person, *, year: int) -> QuerySet[Inspection]:
    """The submitted inspections of the person's unit in the year."""
    if person.unit_id is None:
        return Inspection.objects.none()
    start, end = _year_instants(year)
    return (
        Inspection.objects.filter(
            unit_id=person.unit_id, status__in=_DONE, submitted_at__gte=start, submitted_at__lt=end
        )
        .select_related("unit", "inspector", "template_version__template")
        .order_by("-submitted_at", "-pk")
    )


def archive_inspections_done(person: Person, *, year: int) -> QuerySet[Inspection]:
    """The inspections the person submitted as inspector in the year."""
    start, end = _year_instants(year)
    return (
        Inspection.objects.filter(
            inspector=person, status__in=_DONE, submitted_at__gte=start, submitted_at__lt=end
        )
        .select_related("unit", "template_version__template")
        .order_by("-submitted_at", "-pk")
    )


def is_inspector(person: Person) -> bool:
    return Role.INSPECTOR in person.role_codes


@dataclass(frozen=True)
class InspectionSummary:
    count: int
    average: Decimal | None
    failed: int


def inspection_summary(inspections: QuerySet[Inspection]) -> InspectionSummary:
    row = inspections.aggregate(
        n=Count("pk"), avg=Avg("percent"), failed=Count("pk", filter=Q(passed=False))
    )
    average = row["avg"]
    return InspectionSummary(
        count=row["n"],
        average=Decimal(average).quantize(Decimal("0.1")) if average is not None else None,
        failed=row["failed"],
    )


def inspection_links(user: Person, inspections: Iterable[Inspection]) -> dict[int, str]:
    inspections = list(inspections)
    if not inspections or not user_may(user, _page_roles("inspections:detail")):
        return {}
    ids = inspections_visible_to(user).filter(pk__in=[i.pk for i in inspections])
    return {pk: reverse("inspections:detail", args=[pk]) for pk in ids.values_list("pk", flat=True)}


def archive_stars(person: Person, *, year: int) -> QuerySet[ServiceStar]:
    first, after = _year_span(year)
    return (
        ServiceStar.objects.filter(person=person, month__gte=first, month__lt=after)
        .select_related("unit", "entry")
        .order_by("month")
    )


def archive_ratings(person: Person, *, year: int) -> QuerySet[WorstServiceRating]:
    first, after = _year_span(year)
    return (
        WorstServiceRating.objects.filter(person=person, month__gte=first, month__lt=after)
        .select_related("entry")
        .order_by("month")
    )


def archive_consequences(person: Person, *, year: int) -> QuerySet[Consequence]:
    start, end = _year_instants(year)
    return (
        Consequence.objects.filter(person=person, created_at__gte=start, created_at__lt=end)
        .select_related("decided_by", "training__course")
        .order_by("created_at", "pk")
    )


def archive_attendances(person: Person, *, year: int) -> QuerySet[Attendance]:
    """The training sessions held in the year that the person was on the list of."""
    start, end = _year_instants(year)
    return (
        Attendance.objects.filter(
            person=person,
            session__starts_at__gte=start,
            session__starts_at__lt=end,
        )
        .exclude(session__status=SessionStatus.CANCELLED)
        .select_related("session__course")
        .order_by("session__starts_at", "pk")
    )


def archive_assignments(person: Person, *, year: int) -> QuerySet[TrainingAssignment]:
    """The person's training assignments due in the year."""
    first, after = _year_span(year)
    return (
        TrainingAssignment.objects.filter(person=person, due_on__gte=first, due_on__lt=after)
        .select_related("course")
        .order_by("due_on", "pk")
    )


def archive_results(person: Person, *, year: int) -> QuerySet[AssessmentResult]:
    """The person's quarterly results (ASM-2) of the year's plans."""
    return (
        AssessmentResult.objects.filter(level=Level.PERSON, person=person, plan__year=year)
        .select_related("plan")
        .order_by("plan__quarter", "pk")
    )


# --- a manager's units -----------------------------------------------------------------


@dataclass(frozen=True)
class UnitFigures:
    """A managed unit's year: verified complaints, inspections (count, average score),
    rectification on time, and its people's points."""

    unit: Unit | None  # None: the total of all of them
    people: int
    complaints: int
    inspections: int
    inspection_average: Decimal | None
    rectifications_due: int
    rectified_on_time: int
    points: int

    @property
    def on_time_percent(self) -> Decimal | None:
        if not self.rectifications_due:
            return None
        return (Decimal(100) * self.rectified_on_time / self.rectifications_due).quantize(
            Decimal("0.1")
        )

    @property
    def points_per_person(self) -> Decimal | None:
        if not self.people:
            return None
        return (Decimal(self.points) / self.people).quantize(Decimal("0.1"))


# Units listed in a manager's archive at most (a company-wide scope lists its top levels).
MANAGED_UNITS_SHOWN = 30


def managed_units(person: Person) -> list[Unit]:
    """The units a manager's archive reports on: those their line-management (or group
    leader's) role scope covers, outermost first."""
    covered = units_covered(person, MANAGING_ROLES)
    if not covered:
        return []
    return list(
        Unit.objects.filter(pk__in=covered, is_active=True).order_by("path")[:MANAGED_UNITS_SHOWN]
    )


def _percent(value: Any) -> Decimal | None:
    return Decimal(value).quantize(Decimal("0.1")) if value is not None else None


def manager_figures(person: Person, *, year: int) -> list[UnitFigures]:
    """Per managed unit (each unit on its own, not its subtree) and in total, the year's
    figures: complaints verified with the unit responsible, submitted inspections and their
    average score (%), nonconformities due in the year (and by now) and how many were
    closed by their deadline, and the points of the unit's people. Aggregate queries only."""
    units = managed_units(person)
    if not units:
        return []
    ids = [u.pk for u in units]
    first, after = _year_span(year)
    start, end = _year_instants(year)
    moment = now()
    complaints = dict(
        Complaint.objects.filter(department_id__in=ids, verified_at__gte=start, verified_at__lt=end)
        .values("department_id")
        .annotate(n=Count("pk"))
        .values_list("department_id", "n")
    )
    inspections = {
        row["unit_id"]: row
        for row in Inspection.objects.filter(
            unit_id__in=ids, status__in=_DONE, submitted_at__gte=start, submitted_at__lt=end
        )
        .values("unit_id")
        .annotate(n=Count("pk"), avg=Avg("percent"))
    }
    rectifications = {
        row["unit_id"]: row
        for row in Nonconformity.objects.filter(
            unit_id__in=ids, due_at__gte=start, due_at__lt=min(end, moment)
        )
        .values("unit_id")
        .annotate(
            due=Count("pk"),
            on_time=Count(
                "pk",
                filter=Q(status=Nonconformity.Status.CLOSED, closed_at__lte=F("due_at")),
            ),
        )
    }
    people = dict(
        Person.objects.filter(unit_id__in=ids, is_active=True)
        .values("unit_id")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "n")
    )
    points = dict(
        PointsEntry.objects.filter(unit_id__in=ids, month__gte=first, month__lt=after)
        .values("unit_id")
        .annotate(s=Sum("points"))
        .values_list("unit_id", "s")
    )
    rows = []
    for unit in units:
        ins: Mapping[str, Any] = inspections.get(unit.pk, {})
        rect: Mapping[str, Any] = rectifications.get(unit.pk, {})
        rows.append(
            UnitFigures(
                unit=unit,
                people=people.get(unit.pk, 0),
                complaints=complaints.get(unit.pk, 0),
                inspections=ins.get("n", 0),
                inspection_average=_percent(ins.get("avg")),
                rectifications_due=rect.get("due", 0),
                rectified_on_time=rect.get("on_time", 0),
                points=points.get(unit.pk) or 0,
            )
        )
    all_inspections = Inspection.objects.filter(
        unit_id__in=ids, status__in=_DONE, submitted_at__gte=start, submitted_at__lt=end
    ).aggregate(avg=Avg("percent"))
    rows.append(
        UnitFigures(
            unit=None,
            people=sum(r.people for r in rows),
            complaints=sum(r.complaints for r in rows),
            inspections=sum(r.inspections for r in rows),
            inspection_average=_percent(all_inspections["avg"]),
            rectifications_due=sum(r.rectifications_due for r in rows),
            rectified_on_time=sum(r.rectified_on_time for r in rows),
            points=sum(r.points for r in rows),
        )
    )
    return rows


# --- the whole archive -----------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveSummary:
    points: int
    amount: Decimal
    complaints: int
    stars: int
    ratings: int


def archive_summary(person: Person, *, year: int, figures: list[MonthFigure]) -> ArchiveSummary:
    return ArchiveSummary(
        points=sum(f.points for f in figures),
        amount=sum((f.amount for f in figures), Decimal("0")),
        complaints=archive_complaints(person, year=year).count(),
        stars=archive_stars(person, year=year).count(),
        ratings=archive_ratings(person, year=year).count(),
    )
