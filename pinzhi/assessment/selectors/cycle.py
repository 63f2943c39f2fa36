"""Reads of the monthly cycle (ASM-3): the months a person may see, the departments whose
managers review a month, the month's totals and appeals, the entries a person may contest,
and the payroll rows of a closed month."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from pinzhi.assessment.models import (
    Appeal,
    AppealStatus,
    AssessmentMonth,
    EntryKind,
    MonthlyTotal,
    MonthStatus,
    PointsEntry,
)
from pinzhi.assessment.selectors.access import LINE_ROLES, MANAGE_ROLES, READ_ROLES
from pinzhi.lib.clock import now
from pinzhi.orgs.models import Person, RoleAssignment, Unit
from pinzhi.orgs.roles import Role
from pinzhi.orgs.selectors import units_covered

# The months staff read: once published (公示).
VISIBLE_TO_STAFF = (MonthStatus.PUBLISHED, MonthStatus.APPROVED, MonthStatus.CLOSED)
# Payroll export columns (the file's Chinese headers whatever the interface language).
PAYROLL_HEADERS = ["姓名", "工号", "部门", "基础分", "加减分", "得分", "金额 (元)"]


def months_of(company_id: int) -> QuerySet[AssessmentMonth]:
    return AssessmentMonth.objects.filter(company_id=company_id)


def months_visible_to(user: Person) -> QuerySet[AssessmentMonth]:
    """Every month of the user's company for those who run or review it (the quality
    department, company-wide readers, line managers); published months for everyone else."""
    if not user.is_authenticated or not user.company_id:
        return AssessmentMonth.objects.none()
    months = months_of(user.company_id)
    if user.is_superuser or user.role_codes & READ_ROLES:
        return months
    return months.filter(status__in=VISIBLE_TO_STAFF)


def may_manage(user: Person) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role_codes & MANAGE_ROLES))


def departments_of(month: AssessmentMonth) -> list[Unit]:
    """The departments reviewed in `month`: each unit a department manager of the company
    holds in scope, when at least one person with a total in the month works in it (or
    below it)."""
    scopes = list(
        Unit.objects.filter(
            company_id=month.company_id,
            role_assignments__role=Role.DEPARTMENT_MANAGER,
            role_assignments__person__is_active=True,
        )
        .distinct()
        .order_by("path")
    )
    paths = set(
        MonthlyTotal.objects.filter(assessment_month=month, unit__isnull=False).values_list(
            "unit__path", flat=True
        )
    )
    return [unit for unit in scopes if any(path.startswith(unit.path) for path in paths)]


def departments_pending(month: AssessmentMonth) -> list[Unit]:
    reviewed = set(month.reviews.values_list("unit_id", flat=True))
    return [unit for unit in departments_of(month) if unit.pk not in reviewed]


def departments_reviewable_by(user: Person, month: AssessmentMonth) -> list[Unit]:
    """The month's departments `user` reviews: those of their own scope as a department
    manager (a superuser: all)."""
    if user.is_superuser:
        return departments_of(month)
    scope = set(
        RoleAssignment.objects.filter(person=user, role=Role.DEPARTMENT_MANAGER).values_list(
            "scope", flat=True
        )
    )
    return [unit for unit in departments_of(month) if unit.pk in scope]


def department_people(month: AssessmentMonth, unit: Unit) -> QuerySet[MonthlyTotal]:
    """The totals of a department's people (its unit and the units below it)."""
    return (
        MonthlyTotal.objects.filter(assessment_month=month, unit__path__startswith=unit.path)
        .select_related("person", "unit")
        .order_by("unit__path", "person__full_name", "person_id")
    )


def totals_of(
    month: AssessmentMonth, *, search: str = "", unit: Unit | None = None
) -> QuerySet[MonthlyTotal]:
    totals = MonthlyTotal.objects.filter(assessment_month=month).select_related("person", "unit")
    if search:
        totals = totals.filter(
            Q(person__full_name__icontains=search) | Q(person__employee_no__icontains=search)
        )
    if unit is not None:
        totals = totals.filter(unit__path__startswith=unit.path)
    return totals.order_by("score", "unit__path", "person__full_name", "person_id")


def appeals_of(month: AssessmentMonth) -> QuerySet[Appeal]:
    return (
        Appeal.objects.filter(entry__company_id=month.company_id, entry__month=month.month)
        .select_related("entry", "person", "person__unit", "decided_by", "correction")
        .order_by("status", "-created_at")
    )


def appeals_pending_count(month: AssessmentMonth) -> int:
    return appeals_of(month).filter(status=AppealStatus.PENDING).count()


def appeals_of_person(person: Person) -> QuerySet[Appeal]:
    return (
        Appeal.objects.filter(person=person)
        .select_related("entry", "decided_by", "correction")
        .order_by("-created_at")
    )


def may_decide(user: Person, appeal: Appeal) -> bool:
    """The quality department of the company, or the person's line manager (ASM-3)."""
    person = appeal.person
    if not user.is_authenticated or user.pk == person.pk:
        return False
    if user.is_superuser:
        return True
    if user.company_id != person.company_id:
        return False
    if user.role_codes & MANAGE_ROLES:
        return True
    return person.unit_id is not None and person.unit_id in units_covered(user, LINE_ROLES)


def appeal_window_open(month: AssessmentMonth) -> bool:
    return (
        month.status == MonthStatus.PUBLISHED
        and month.appeal_until is not None
        and now() < month.appeal_until
    )


def entries_of(person: Person, month: date) -> QuerySet[PointsEntry]:
    return (
        PointsEntry.objects.filter(person=person, month=month)
        .select_related("corrects")
        .order_by("occurred_at", "pk")
    )


def appealable(entry: PointsEntry) -> bool:
    """An entry a person may contest: not a correction, not appealed yet."""
    return entry.kind != EntryKind.CORRECTION and not Appeal.objects.filter(entry=entry).exists()


def month_summary(month: AssessmentMonth) -> dict[str, Any]:
    figures = MonthlyTotal.objects.filter(assessment_month=month).aggregate(
        people=Count("pk"),
    )
    return {"people": figures["people"]}


@dataclass(frozen=True)
class PayrollRow:
    name: str
    employee_no: str
    unit: str
    base: int
    points: int
    score: int
    amount: Decimal

    def cells(self) -> list[Any]:
        return [
            self.name,
            self.employee_no,
            self.unit,
            self.base,
            self.points,
            self.score,
            self.amount,
        ]


def payroll_rows(month: AssessmentMonth) -> Iterator[PayrollRow]:
    """One row per person of the month (ASM-3), by department then name."""
    totals = (
        MonthlyTotal.objects.filter(assessment_month=month)
        .select_related("person", "unit")
        .order_by("unit__path", "person__full_name", "person_id")
    )
    for total in totals.iterator(chunk_size=2000):
        yield PayrollRow(
            name=total.person.full_name or total.person.username,
            employee_no=total.person.employee_no,
            unit=total.unit.name if total.unit else "",
            base=total.base,
            points=total.points,
            score=total.score,
            amount=total.amount,
        )


def payroll_workbook(month: AssessmentMonth) -> bytes:
    """The payroll file of a month (.xlsx, one row per person), through the shared
    streamed table (text stays text, numbers numbers)."""
    import io

    from pinzhi.core.spreadsheets import XlsxStream

    buffer = io.BytesIO()
    title = f"{month.month:%Y-%m} 月度考核"
    with XlsxStream(buffer, title=title, headers=PAYROLL_HEADERS) as table:
        for row in payroll_rows(month):
            table.append(row.cells())
    return buffer.getvalue()
