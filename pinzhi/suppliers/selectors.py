"""Scoped reads of supplier quality (NCR-5): contracts, checks, evaluations and deductions.

Company-wide roles see their company's; a department manager the contracts covering units of
their scope; a supplier's people only their own company's contracts and checks, and the
evaluations (with their deductions) once the quality department has confirmed and sent them.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet, Sum

from pinzhi.inspections.models import Cadence
from pinzhi.inspections.selectors import inspections_visible_to

# The month helpers are shared (lib.months); the suppliers' modules read them from here.
from pinzhi.lib.months import (  # noqa: F401
    day_of,
    local_start,
    local_zone,
    month_next,
    month_of,
    month_parse,
)
from pinzhi.orgs.models import Person
from pinzhi.orgs.roles import COMPANY_WIDE_ROLES, CONTRACTOR_ROLES, Role
from pinzhi.orgs.selectors import units_visible_to
from pinzhi.rectification.models import Nonconformity
from pinzhi.rectification.selectors import nonconformities_visible_to
from pinzhi.suppliers.models import (
    ContractDeduction,
    DeductionKind,
    EvaluationStatus,
    MonthlyEvaluation,
    SupplierCheck,
    SupplierContract,
)

# Who manages contracts, reviews and confirms evaluations and corrects deductions.
MANAGE_ROLES = frozenset({Role.QUALITY_DEPARTMENT})
# The company's people who read the supplier pages.
STAFF_READ_ROLES = frozenset(COMPANY_WIDE_ROLES | {Role.DEPARTMENT_MANAGER})
READ_ROLES = frozenset(STAFF_READ_ROLES | CONTRACTOR_ROLES)


def _is_supplier(user: Person) -> bool:
    return bool(user.role_codes & CONTRACTOR_ROLES) and user.company_id is not None


def contracts_visible_to(user: Person) -> QuerySet[SupplierContract]:
    """The contracts `user` may read (see the module's docstring)."""
    contracts = SupplierContract.objects.select_related("supplier", "company")
    if not user.is_authenticated:
        return contracts.none()
    if user.is_superuser:
        return contracts.all()
    codes = user.role_codes
    condition = Q(pk__in=[])
    if codes & COMPANY_WIDE_ROLES and user.company_id:
        condition |= Q(company_id=user.company_id)
    if Role.DEPARTMENT_MANAGER in codes and user.company_id:
        condition |= Q(company_id=user.company_id, units__in=units_visible_to(user).values("pk"))
        condition |= Q(company_id=user.company_id, manager=user)
    if _is_supplier(user):
        condition |= Q(supplier_id=user.company_id)
    return contracts.filter(pk__in=SupplierContract.objects.filter(condition).values("pk"))


def contracts_managed_by(user: Person) -> QuerySet[SupplierContract]:
    """The contracts `user` may change: the quality department's, of its own company."""
    if user.is_superuser:
        return SupplierContract.objects.all()
    if not (user.role_codes & MANAGE_ROLES) or not user.company_id:
        return SupplierContract.objects.none()
    return SupplierContract.objects.filter(company_id=user.company_id)


def user_may_manage(user: Person) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role_codes & MANAGE_ROLES))


def checks_visible_to(user: Person) -> QuerySet[SupplierCheck]:
    """The folded checks of the contracts `user` reads; a supplier also its checks that no
    contract covers yet."""
    checks = SupplierCheck.objects.select_related("unit", "inspection")
    if not user.is_authenticated:
        return checks.none()
    if user.is_superuser:
        return checks.all()
    condition = Q(contract__in=contracts_visible_to(user).values("pk"))
    if _is_supplier(user):
        condition |= Q(supplier_id=user.company_id)
    return checks.filter(condition)


def evaluations_visible_to(user: Person) -> QuerySet[MonthlyEvaluation]:
    """The evaluations of the contracts `user` reads; a supplier only the confirmed ones."""
    evaluations = MonthlyEvaluation.objects.select_related("contract__supplier")
    if not user.is_authenticated:
        return evaluations.none()
    evaluations = evaluations.filter(contract__in=contracts_visible_to(user).values("pk"))
    if user.is_superuser or not _is_supplier(user) or user.role_codes & STAFF_READ_ROLES:
        return evaluations
    return evaluations.filter(status=EvaluationStatus.CONFIRMED)


def deductions_visible_to(user: Person) -> QuerySet[ContractDeduction]:
    """The ledger entries of the contracts `user` reads; a supplier only those of the months
    whose evaluation was confirmed and sent to it."""
    deductions = ContractDeduction.objects.select_related("contract__supplier", "created_by")
    if not user.is_authenticated:
        return deductions.none()
    deductions = deductions.filter(contract__in=contracts_visible_to(user).values("pk"))
    if user.is_superuser or not _is_supplier(user) or user.role_codes & STAFF_READ_ROLES:
        return deductions
    confirmed = MonthlyEvaluation.objects.filter(
        contract_id=OuterRef("contract_id"),
        month=OuterRef("month"),
        status=EvaluationStatus.CONFIRMED,
    )
    return deductions.filter(Exists(confirmed))


# --- the month's figures ------------------------------------------------------------------


@dataclass(frozen=True)
class MonthFigures:
    """A contract's checks of one month, counted by cadence (NCR-5)."""

    daily_checks: int = 0
    daily_failed: int = 0
    weekly_checks: int = 0
    weekly_failed: int = 0
    monthly_checks: int = 0
    monthly_failed: int = 0
    other_checks: int = 0
    other_failed: int = 0
    average_percent: Decimal | None = None

    def as_fields(self) -> dict[str, Any]:
        return dict(self.__dict__)


def month_figures(*, contract_id: int, month: date) -> MonthFigures:
    """The month's checks of a contract counted in the database: one aggregate query."""
    failed = Q(passed=False)
    rows = SupplierCheck.objects.filter(contract_id=contract_id, month=month)
    counted: dict[str, Any] = {"average_percent": Avg("percent")}
    for name, cadences in _CADENCE_GROUPS.items():
        counted[f"{name}_checks"] = Count("pk", filter=Q(cadence__in=cadences))
        counted[f"{name}_failed"] = Count("pk", filter=Q(cadence__in=cadences) & failed)
    figures = rows.aggregate(**counted)
    average = figures.pop("average_percent")
    return MonthFigures(
        **figures,
        average_percent=None if average is None else Decimal(average).quantize(Decimal("0.01")),
    )


_CADENCE_GROUPS = {
    "daily": [Cadence.DAILY],
    "weekly": [Cadence.WEEKLY],
    "monthly": [Cadence.MONTHLY],
    "other": [Cadence.QUARTERLY, Cadence.OCCASIONAL],
}


def failed_checks(*, contract_id: int, month: date) -> QuerySet[SupplierCheck]:
    """The month's failed daily and weekly checks of a contract: the evidence of its
    deduction."""
    return SupplierCheck.objects.filter(
        contract_id=contract_id,
        month=month,
        passed=False,
        cadence__in=[Cadence.DAILY, Cadence.WEEKLY],
    ).order_by("submitted_at", "pk")


def deductions_booked(*, contract_id: int, month: date) -> dict[str, Decimal]:
    """The month's ledger summed per kind of entry."""
    rows = (
        ContractDeduction.objects.filter(contract_id=contract_id, month=month)
        .values_list("kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {kind: total for kind, total in rows}


def deduction_total(*, contract_id: int, month: date) -> Decimal:
    return sum(deductions_booked(contract_id=contract_id, month=month).values(), Decimal(0))


def automatic_kinds() -> list[str]:
    return [DeductionKind.THRESHOLD, DeductionKind.SUPPLEMENT]


def month_findings(
    *, contract: SupplierContract, month: date, user: Person
) -> QuerySet[Nonconformity]:
    """NCR-5 / NCR-2: the nonconformities raised from the month's checks of a contract that
    `user` may open (through rectification's scoping), each with a page where the supplier's
    people report the fix; oldest first."""
    inspections = (
        checks_visible_to(user).filter(contract=contract, month=month).values("inspection_id")
    )
    return (
        nonconformities_visible_to(user)
        .filter(inspection_id__in=inspections)
        .select_related("unit")
        .order_by("raised_at", "pk")
    )


def inspections_openable(user: Person, inspection_ids: list[int]) -> set[int]:
    """INS-5: which of these inspections `user` may open (their page links only those)."""
    if not inspection_ids:
        return set()
    return set(
        inspections_visible_to(user).filter(pk__in=inspection_ids).values_list("pk", flat=True)
    )


def month_days(*, contract: SupplierContract, month: date, user: Person) -> list[dict[str, Any]]:
    """The month's checks of a contract by day, as the supplier's month page lists them:
    each day with its checks (oldest first)."""
    checks = (
        checks_visible_to(user)
        .filter(contract=contract, month=month)
        .select_related("unit")
        .order_by("submitted_at", "pk")
    )
    days: dict[date, list[SupplierCheck]] = {}
    for check in checks:
        days.setdefault(check.day, []).append(check)
    return [{"day": day, "checks": day_checks} for day, day_checks in sorted(days.items())]
