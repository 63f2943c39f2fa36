"""The monthly assessment through the API for a payroll or HR system (ASM-3, issue 11
item 3): the company's assessment months with their status, and a closed month's totals —
one row per person with their employee number, unit, points, score and amount — 50 a page,
scoped to the token's company (payroll:read). Only a closed month is final: its totals are
frozen when the quality department exports it."""

from decimal import Decimal

from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _
from ninja import Query, Schema
from pydantic import Field

from pinzhi.api.api import ErrorOut, _require, api
from pinzhi.api.models import SCOPE_PAYROLL_READ
from pinzhi.api.problems import InvalidInput, NotFound
from pinzhi.assessment.models import AssessmentMonth, MonthlyTotal, MonthStatus
from pinzhi.lib.months import month_parse, month_text

PAGE_SIZE = 50
BAD_MONTH = _("A month is written YYYY-MM, e.g. 2026-11.")
NO_CLOSED_MONTH = _("No closed assessment month %(month)s: only a closed month is exported.")
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class MonthFilter(Schema):
    status: MonthStatus | None = Field(None, description="Only months in this status.")
    page: int = Field(1, ge=1, le=100000)


class PageFilter(Schema):
    unit: str | None = Field(None, max_length=40, description="Only this unit code and below.")
    page: int = Field(1, ge=1, le=100000)


class MonthOut(Schema):
    month: str = Field(description="The month (YYYY-MM, Asia/Shanghai).")
    status: str = Field(description="draft, review, published, approved or closed.")
    computed_at: str | None
    published_at: str | None
    appeal_until: str | None = Field(description="The end of the appeal window.")
    approved_at: str | None
    closed_at: str | None = Field(description="When it was closed and exported to payroll.")


class MonthPage(Schema):
    count: int
    page: int
    pages: int
    items: list[MonthOut]


class TotalOut(Schema):
    person: str = Field(description="The person's full name.")
    username: str
    employee_no: str = Field(description="The employee number (工号), empty when not kept.")
    unit: str = Field(description="The person's unit (部门).")
    unit_code: str
    base: int = Field(description="The pack's monthly base points (基础分).")
    points: int = Field(description="The sum of the month's entries (加减分).")
    score: int = Field(description="base + points (得分).")
    amount: Decimal = Field(description="The month's rewards and fines in yuan (金额).")
    entries: int = Field(description="How many ledger entries the month holds for the person.")


class TotalPage(Schema):
    month: str
    closed_at: str
    count: int
    page: int
    pages: int
    items: list[TotalOut]


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def _page(queryset, number: int):
    paginator = Paginator(queryset, PAGE_SIZE)
    return paginator, paginator.page(min(number, paginator.num_pages))


@api.get(
    "/assessment/months",
    response={200: MonthPage, **READ_ERRORS},
    url_name="assessment_months",
    summary="Monthly assessment months",
)
def month_list(request, filters: Query[MonthFilter]):
    """ASM-3: the company's assessment months, latest first, 50 a page (payroll:read)."""
    token = _require(request, SCOPE_PAYROLL_READ)
    months = AssessmentMonth.objects.filter(company_id=token.company_id)
    if filters.status:
        months = months.filter(status=filters.status)
    paginator, page = _page(months.order_by("-month"), filters.page)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "items": [
            {
                "month": month_text(m.month),
                "status": m.status,
                "computed_at": _iso(m.computed_at),
                "published_at": _iso(m.published_at),
                "appeal_until": _iso(m.appeal_until),
                "approved_at": _iso(m.approved_at),
                "closed_at": _iso(m.closed_at),
            }
            for m in page.object_list
        ],
    }


@api.get(
    "/assessment/months/{month}/totals",
    response={200: TotalPage, **READ_ERRORS},
    url_name="assessment_month_totals",
    summary="A closed month's totals for payroll",
)
def month_totals(request, month: str, filters: Query[PageFilter]):
    """ASM-3: a closed month's totals, one per person (by unit, then name), 50 a page
    (payroll:read). A month not closed yet is not final and is not served (404)."""
    token = _require(request, SCOPE_PAYROLL_READ)
    first_day = month_parse(month) if len(month) <= 7 else None
    if first_day is None:
        raise InvalidInput(BAD_MONTH, field="month", where=("path",))
    found = AssessmentMonth.objects.filter(
        company_id=token.company_id, month=first_day, status=MonthStatus.CLOSED
    ).first()
    if found is None:
        raise NotFound(NO_CLOSED_MONTH, month=month_text(first_day))
    totals = MonthlyTotal.objects.filter(assessment_month=found).select_related("person", "unit")
    if filters.unit:
        totals = totals.filter(unit__path__contains=f"/{filters.unit.strip()}/")
    paginator, page = _page(
        totals.order_by("unit__path", "person__full_name", "person_id"), filters.page
    )
    return {
        "month": month_text(found.month),
        "closed_at": _iso(found.closed_at),
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "items": [
            {
                "person": t.person.full_name,
                "username": t.person.username,
                "employee_no": t.person.employee_no,
                "unit": t.unit.name if t.unit else "",
                "unit_code": t.unit.code if t.unit else "",
                "base": t.base,
                "points": t.points,
                "score": t.score,
                "amount": t.amount,
                "entries": t.entries,
            }
            for t in page.object_list
        ],
    }
