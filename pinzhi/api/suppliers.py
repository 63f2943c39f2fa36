"""Supplier evaluations through the API (NCR-5, issue 10 item 9): what a finance or
procurement system reads — each supplier's monthly evaluation and the contract deductions
booked, scoped to the token's company like the pages (suppliers:read)."""

from datetime import date
from decimal import Decimal

from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _
from ninja import Query, Schema
from pydantic import Field

from pinzhi.api.api import ErrorOut, _require, api
from pinzhi.api.models import SCOPE_SUPPLIERS_READ, ApiToken
from pinzhi.api.problems import InvalidInput
from pinzhi.suppliers.models import ContractDeduction, EvaluationStatus, MonthlyEvaluation
from pinzhi.suppliers.selectors import month_parse

PAGE_SIZE = 50
BAD_MONTH = _("A month is written YYYY-MM, e.g. 2026-11.")
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class SupplierFilter(Schema):
    month: str | None = Field(None, max_length=7, description="Only this month (YYYY-MM).")
    contract: str | None = Field(None, max_length=60, description="Only this contract number.")
    page: int = Field(1, ge=1, le=100000)


class EvaluationOut(Schema):
    contract: str = Field(description="The contract number.")
    supplier: str = Field(description="The supplier's name.")
    month: str = Field(description="The month evaluated (YYYY-MM, Asia/Shanghai).")
    status: str = Field(description="computed, reviewed or confirmed.")
    daily_checks: int
    daily_failed: int
    weekly_checks: int
    weekly_failed: int
    monthly_checks: int
    monthly_failed: int
    average_percent: Decimal | None
    threshold_reached: bool = Field(
        description="Failed daily or weekly checks reached the pack's reporting numbers."
    )
    daily_limit: int
    weekly_limit: int
    deductions: Decimal = Field(description="The month's deductions booked, in yuan.")


class DeductionOut(Schema):
    id: int
    contract: str
    month: str
    kind: str = Field(description="threshold, supplement or correction.")
    amount: Decimal = Field(description="Yuan; a correction may be negative.")
    reason: str
    citation: str
    corrects: int | None = Field(description="The entry a correction puts right.")
    evidence: list[str] = Field(description="The failed checks: day and cadence.")
    booked_at: str


class EvaluationPage(Schema):
    count: int
    page: int
    pages: int
    items: list[EvaluationOut]


class DeductionPage(Schema):
    count: int
    page: int
    pages: int
    items: list[DeductionOut]


def _month(filters: SupplierFilter) -> date | None:
    if filters.month is None:
        return None
    month = month_parse(filters.month)
    if month is None:
        raise InvalidInput(BAD_MONTH, field="month", where=("query",))
    return month


def _narrowed(token: ApiToken, queryset, filters: SupplierFilter):
    queryset = queryset.filter(company_id=token.company_id)
    month = _month(filters)
    if month is not None:
        queryset = queryset.filter(month=month)
    if filters.contract:
        queryset = queryset.filter(contract__number=filters.contract.strip())
    return queryset


def _page(queryset, number: int):
    paginator = Paginator(queryset, PAGE_SIZE)
    page = paginator.page(min(number, paginator.num_pages))
    return paginator, page


@api.get(
    "/suppliers/evaluations",
    response={200: EvaluationPage, **READ_ERRORS},
    url_name="supplier_evaluations",
    summary="Supplier monthly evaluations",
)
def evaluation_list(request, filters: Query[SupplierFilter]):
    """NCR-5: the monthly evaluations of the company's supplier contracts, latest month
    first, 50 a page (suppliers:read)."""
    token = _require(request, SCOPE_SUPPLIERS_READ)
    evaluations = _narrowed(
        token, MonthlyEvaluation.objects.select_related("contract__supplier"), filters
    ).order_by("-month", "contract__number", "pk")
    paginator, page = _page(evaluations, filters.page)
    items = list(page.object_list)
    totals: dict[tuple[int, date], Decimal] = {}
    for row in ContractDeduction.objects.filter(
        contract_id__in={e.contract_id for e in items}, month__in={e.month for e in items}
    ).values("contract_id", "month", "amount"):
        key = (row["contract_id"], row["month"])
        totals[key] = totals.get(key, Decimal(0)) + row["amount"]
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "items": [
            {
                "contract": e.contract.number,
                "supplier": e.contract.supplier.name,
                "month": f"{e.month:%Y-%m}",
                "status": EvaluationStatus(e.status).value,
                "daily_checks": e.daily_checks,
                "daily_failed": e.daily_failed,
                "weekly_checks": e.weekly_checks,
                "weekly_failed": e.weekly_failed,
                "monthly_checks": e.monthly_checks,
                "monthly_failed": e.monthly_failed,
                "average_percent": e.average_percent,
                "threshold_reached": e.threshold_reached,
                "daily_limit": e.daily_limit,
                "weekly_limit": e.weekly_limit,
                "deductions": totals.get((e.contract_id, e.month), Decimal(0)),
            }
            for e in items
        ],
    }


@api.get(
    "/suppliers/deductions",
    response={200: DeductionPage, **READ_ERRORS},
    url_name="supplier_deductions",
    summary="Contract deductions booked",
)
def deduction_list(request, filters: Query[SupplierFilter]):
    """NCR-5: the ledger of contract deductions (append-only: a correction is its own
    entry), latest month first, 50 a page (suppliers:read)."""
    token = _require(request, SCOPE_SUPPLIERS_READ)
    deductions = (
        _narrowed(token, ContractDeduction.objects.select_related("contract"), filters)
        .prefetch_related("evidence")
        .order_by("-month", "created_at", "pk")
    )
    paginator, page = _page(deductions, filters.page)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "items": [
            {
                "id": d.pk,
                "contract": d.contract.number,
                "month": f"{d.month:%Y-%m}",
                "kind": d.kind,
                "amount": d.amount,
                "reason": d.reason,
                "citation": d.citation,
                "corrects": d.corrects_id,
                "evidence": [f"{check.day:%Y-%m-%d} {check.cadence}" for check in d.evidence.all()],
                "booked_at": d.created_at.isoformat(),
            }
            for d in page.object_list
        ],
    }
