"""The quarterly assessment through the API (ASM-2, ASM-9, SAT-2): what an HR or reporting
system reads — the company's issued quarterly plans and their results (person, unit and
department: score, rank, band, passed, branded-window eligibility, each indicator with its
sample), scoped to the token's company (quarterly:read). Only issued (reported or closed)
plans are read: a draft or a computation in progress is not final."""

from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from ninja import Query, Schema
from pydantic import Field

from pinzhi.api.api import ErrorOut, _require, api
from pinzhi.api.models import SCOPE_QUARTERLY_READ
from pinzhi.api.problems import NotFound
from pinzhi.assessment.models import AssessmentPlan, IndicatorValue, Level, PlanStatus

PAGE_SIZE = 50
NO_PLAN = _("There is no issued assessment plan with this id.")
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut}
ISSUED = (PlanStatus.REPORTED, PlanStatus.CLOSED)


class PlanFilter(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="Only this year's plans.")
    page: int = Field(1, ge=1, le=100000)


class ResultFilter(Schema):
    level: Level | None = Field(None, description="person, unit or department.")
    page: int = Field(1, ge=1, le=100000)


class PlanOut(Schema):
    id: int
    title: str
    year: int
    quarter: int
    starts_on: str
    ends_on: str
    status: str = Field(description="reported or closed.")
    units: list[str] = Field(description="The codes of the units assessed.")
    weights: dict[str, Decimal] = Field(description="Indicator code → weight (percent).")
    reported_at: str | None


class IndicatorOut(Schema):
    code: str = Field(
        description="satisfaction, response, resolution, inspection, rectification, "
        "complaints or serious."
    )
    value: Decimal | None = Field(description="Percent, complaints per person, or a count.")
    sample: int
    score: Decimal | None = Field(description="0 … 100; null without a sample.")


class ResultOut(Schema):
    level: str
    person: str | None = Field(description="The person's name (person level).")
    employee_no: str | None
    unit: str | None = Field(description="The unit's code.")
    unit_name: str | None
    score: Decimal
    rank: int
    band: str = Field(description="benchmark, advanced, ordinary or laggard.")
    passed: bool
    eligible_branded: bool | None = Field(
        description="Units: eligible for the branded service window (null: not measured)."
    )
    feedback: str
    acknowledged_at: str | None
    indicators: list[IndicatorOut]


class PlanPage(Schema):
    count: int
    page: int
    pages: int
    items: list[PlanOut]


class ResultPage(Schema):
    count: int
    page: int
    pages: int
    items: list[ResultOut]


def _page(queryset, number: int):
    paginator = Paginator(queryset, PAGE_SIZE)
    return paginator, paginator.page(min(number, paginator.num_pages))


@api.get(
    "/assessment/quarterly/plans",
    response={200: PlanPage, **READ_ERRORS},
    url_name="quarterly_plans",
    summary="Issued quarterly assessment plans",
)
def plan_list(request, filters: Query[PlanFilter]):
    """ASM-2: the company's issued quarterly plans, latest first, 50 a page (quarterly:read)."""
    token = _require(request, SCOPE_QUARTERLY_READ)
    plans = AssessmentPlan.objects.filter(company_id=token.company_id, status__in=ISSUED)
    if filters.year is not None:
        plans = plans.filter(year=filters.year)
    paginator, page = _page(
        plans.prefetch_related("units").order_by("-year", "-quarter", "-pk"), filters.page
    )
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "items": [
            {
                "id": plan.pk,
                "title": plan.title,
                "year": plan.year,
                "quarter": plan.quarter,
                "starts_on": plan.starts_on.isoformat(),
                "ends_on": plan.ends_on.isoformat(),
                "status": plan.status,
                "units": [unit.code for unit in plan.units.all()],
                "weights": {row["code"]: Decimal(str(row["weight"])) for row in plan.indicators},
                "reported_at": plan.reported_at.isoformat() if plan.reported_at else None,
            }
            for plan in page.object_list
        ],
    }


@api.get(
    "/assessment/quarterly/plans/{plan_id}/results",
    response={200: ResultPage, 404: ErrorOut, **READ_ERRORS},
    url_name="quarterly_results",
    summary="An issued plan's results",
)
def result_list(request, plan_id: int, filters: Query[ResultFilter]):
    """ASM-1, ASM-9, SAT-2: an issued plan's results by level and rank, each with its
    indicators and samples, 50 a page (quarterly:read)."""
    token = _require(request, SCOPE_QUARTERLY_READ)
    plan = AssessmentPlan.objects.filter(
        pk=plan_id, company_id=token.company_id, status__in=ISSUED
    ).first()
    if plan is None:
        raise NotFound(NO_PLAN)
    results = plan.results.select_related("person", "unit").order_by("level", "rank", "pk")
    if filters.level is not None:
        results = results.filter(level=filters.level)
    paginator, page = _page(results, filters.page)
    items = list(page.object_list)
    values: dict[tuple[str, int | None, int | None], list[IndicatorValue]] = {}
    person_ids = [r.person_id for r in items if r.person_id]
    unit_ids = [r.unit_id for r in items if r.person_id is None and r.unit_id]
    for value in IndicatorValue.objects.filter(plan=plan).filter(
        Q(person_id__in=person_ids) | Q(person__isnull=True, unit_id__in=unit_ids)
    ):
        key = (value.level, value.person_id, None if value.person_id else value.unit_id)
        values.setdefault(key, []).append(value)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "items": [
            {
                "level": r.level,
                "person": (r.person.full_name or r.person.username) if r.person else None,
                "employee_no": r.person.employee_no if r.person else None,
                "unit": r.unit.code if r.unit else None,
                "unit_name": r.unit.name if r.unit else None,
                "score": r.score,
                "rank": r.rank,
                "band": r.band,
                "passed": r.passed,
                "eligible_branded": r.eligible_branded,
                "feedback": r.feedback,
                "acknowledged_at": r.acknowledged_at.isoformat() if r.acknowledged_at else None,
                "indicators": [
                    {"code": v.code, "value": v.value, "sample": v.sample, "score": v.score}
                    for v in values.get(
                        (r.level, r.person_id, None if r.person_id else r.unit_id), []
                    )
                ],
            }
            for r in items
        ],
    }
