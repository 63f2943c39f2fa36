"""Reads of the quarterly assessment (ASM-1, ASM-2, ASM-9, SAT-2), scoped to the user: the
quality department, the quality committee and leadership read every plan of their company;
a department manager or a supervisor the approved plans whose scope covers their units,
with their units' results and their people's (through `people_assessable_by`)."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, QuerySet

from pinzhi.assessment.indicators import INDICATORS, LABELS, PERCENT_CODES, SERIOUS
from pinzhi.assessment.models import (
    AssessmentPlan,
    AssessmentResult,
    IndicatorValue,
    Level,
    PlanStatus,
)
from pinzhi.assessment.selectors.access import LINE_ROLES, people_assessable_by
from pinzhi.orgs.models import Person
from pinzhi.orgs.roles import COMPANY_WIDE_ROLES, Role
from pinzhi.orgs.selectors import units_covered

MANAGE_ROLES = frozenset({Role.QUALITY_DEPARTMENT})
APPROVE_ROLES = frozenset({Role.LEADERSHIP})
READ_ROLES = frozenset(COMPANY_WIDE_ROLES | LINE_ROLES)
HEAD_ROLES = frozenset({Role.DEPARTMENT_MANAGER})


def reads_company(user: Person) -> bool:
    return bool(user.is_superuser or user.role_codes & COMPANY_WIDE_ROLES)


def plans_visible_to(user: Person) -> QuerySet[AssessmentPlan]:
    """The plans `user` may open: all of their company's for the company-wide roles; the
    approved (and later) plans covering their units for a line manager."""
    if not user.is_authenticated:
        return AssessmentPlan.objects.none()
    plans = AssessmentPlan.objects.all()
    if user.is_superuser:
        return plans
    if user.company_id is None:
        return AssessmentPlan.objects.none()
    plans = plans.filter(company_id=user.company_id)
    if user.role_codes & COMPANY_WIDE_ROLES:
        return plans
    covered = units_covered(user, LINE_ROLES)
    if not covered:
        return AssessmentPlan.objects.none()
    return (
        plans.exclude(status=PlanStatus.DRAFT)
        .filter(results__unit_id__in=covered, results__level__in=[Level.UNIT, Level.DEPARTMENT])
        .distinct()
    )


def unit_results_visible(user: Person, plan: AssessmentPlan) -> QuerySet[AssessmentResult]:
    results = plan.results.exclude(level=Level.PERSON).select_related("unit", "acknowledged_by")
    if reads_company(user):
        return results
    return results.filter(unit_id__in=units_covered(user, LINE_ROLES))


def person_results_visible(
    user: Person, plan: AssessmentPlan, *, q: str = "", unit: int | None = None
) -> QuerySet[AssessmentResult]:
    results = plan.results.filter(
        level=Level.PERSON, person__in=people_assessable_by(user)
    ).select_related("person", "unit")
    if q:
        results = results.filter(
            Q(person__full_name__icontains=q) | Q(person__employee_no__icontains=q)
        )
    if unit:
        results = results.filter(unit_id=unit)
    return results.order_by("rank", "person__full_name", "pk")


def feedback_results_for(user: Person) -> QuerySet[AssessmentResult]:
    """The issued unit results whose feedback `user` (a unit's head) acknowledges."""
    covered = units_covered(user, HEAD_ROLES)
    return (
        AssessmentResult.objects.filter(
            unit_id__in=covered,
            level__in=[Level.UNIT, Level.DEPARTMENT],
            plan__status__in=[PlanStatus.REPORTED, PlanStatus.CLOSED],
        )
        .select_related("plan", "unit")
        .order_by("-plan__year", "-plan__quarter", "unit__path")
    )


def result_visible(user: Person, pk: int) -> AssessmentResult | None:
    """A unit's result `user` may open: a company-wide reader, or a line manager of the unit
    once the plan is issued (reported or closed)."""
    result = (
        AssessmentResult.objects.filter(pk=pk)
        .exclude(level=Level.PERSON)
        .select_related("plan", "unit", "acknowledged_by")
        .first()
    )
    if result is None or not user.is_authenticated:
        return None
    if not (user.is_superuser or result.plan.company_id == user.company_id):
        return None
    if reads_company(user):
        return result
    issued = result.plan.status in (PlanStatus.REPORTED, PlanStatus.CLOSED)
    if issued and result.unit_id in units_covered(user, LINE_ROLES):
        return result
    return None


@dataclass
class Cell:
    code: str
    label: Any
    value: IndicatorValue | None
    percent: bool


@dataclass
class Row:
    """A unit's line of the indicators table: each indicator's value, sample and score."""

    result: AssessmentResult | None
    subject: Any
    cells: list[Cell] = field(default_factory=list)
    serious: IndicatorValue | None = None


def indicator_rows(plan: AssessmentPlan, results: QuerySet[AssessmentResult]) -> list[Row]:
    """The units' and departments' indicators, in rank order (units without a result —
    no sample at all — last)."""
    values: dict[int, dict[str, IndicatorValue]] = defaultdict(dict)
    for value in IndicatorValue.objects.filter(plan=plan).exclude(level=Level.PERSON):
        if value.unit_id is not None:
            values[value.unit_id][value.code] = value
    rows = []
    for result in results.order_by("level", "rank", "unit__path"):
        of_unit = values.get(result.unit_id or 0, {})
        rows.append(
            Row(
                result=result,
                subject=result.unit,
                cells=[
                    Cell(code, LABELS[code], of_unit.get(code), code in PERCENT_CODES)
                    for code in INDICATORS
                ],
                serious=of_unit.get(SERIOUS),
            )
        )
    return rows


def person_values(plan: AssessmentPlan, person_ids: list[int]) -> dict[int, list[Cell]]:
    values: dict[int, dict[str, IndicatorValue]] = defaultdict(dict)
    for value in IndicatorValue.objects.filter(
        plan=plan, level=Level.PERSON, person_id__in=person_ids
    ):
        values[value.person_id or 0][value.code] = value
    return {
        pk: [
            Cell(code, LABELS[code], values[pk].get(code), code in PERCENT_CODES)
            for code in INDICATORS
        ]
        for pk in person_ids
    }


@dataclass
class YearRow:
    unit: Any
    level: str
    quarters: list[AssessmentResult | None]
    average: Decimal | None
    branded_quarters: int


def year_rollup(user: Person, *, year: int) -> list[YearRow]:
    """ASM-9 年终指标考核: each unit's and department's issued quarterly scores of the year
    (the latest issued plan of each quarter) and their average over the quarters assessed,
    with how many quarters it kept its branded-window eligibility."""
    plans = {
        plan.quarter: plan
        for plan in plans_visible_to(user)
        .filter(year=year, status__in=[PlanStatus.REPORTED, PlanStatus.CLOSED])
        .order_by("quarter", "reported_at", "pk")
    }
    by_unit: dict[int, dict[int, AssessmentResult]] = defaultdict(dict)
    units: dict[int, Any] = {}
    levels: dict[int, str] = {}
    for quarter, plan in plans.items():
        for result in unit_results_visible(user, plan):
            if result.unit_id is None:
                continue
            by_unit[result.unit_id][quarter] = result
            units[result.unit_id] = result.unit
            levels[result.unit_id] = result.level
    rows = []
    for pk, quarters in by_unit.items():
        scores = [r.score for r in quarters.values()]
        average = (sum(scores, Decimal(0)) / len(scores)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        rows.append(
            YearRow(
                unit=units[pk],
                level=levels[pk],
                quarters=[quarters.get(q) for q in (1, 2, 3, 4)],
                average=average,
                branded_quarters=sum(1 for r in quarters.values() if r.eligible_branded),
            )
        )
    rows.sort(key=lambda row: (row.level, -(row.average or 0), row.unit.path))
    return rows
