"""The supplier evaluation of a month with 10,000 checks (NCR-5, issue 10 "Benchmarks").

In one transaction rolled back afterwards: a supplier with a contract over the bench company's
estates, BENCH_SUPPLIER_CHECKS submitted inspections of its service spread over last month
(70 % daily, 20 % weekly, 10 % monthly; every 37th failed), their `inspection.submitted`
events folded by the consumer's handler (timed once), then the month's evaluation computed
BENCH_SUPPLIER_RUNS times (the first books the deduction and reports; the others find
nothing new). Beside it, the same totals by one hand-written SQL aggregate, and a check that
both agree. The database is left as it was."""

import os
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from pinzhi.inspections.events import InspectionEvent
from pinzhi.inspections.models import ChecklistTemplate, Inspection, TemplateVersion
from pinzhi.lib.clock import now
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.suppliers import selectors, services
from pinzhi.suppliers.models import ContractDeduction, MonthlyEvaluation
from pinzhi.timeline.models import Event

CHECKS = int(os.environ.get("BENCH_SUPPLIER_CHECKS", "10000"))
RUNS = int(os.environ.get("BENCH_SUPPLIER_RUNS", "20"))
CADENCES = ["daily"] * 7 + ["weekly"] * 2 + ["monthly"]

RAW_TOTALS = """
SELECT count(*) FILTER (WHERE cadence = 'daily'),
       count(*) FILTER (WHERE cadence = 'daily' AND NOT passed),
       count(*) FILTER (WHERE cadence = 'weekly'),
       count(*) FILTER (WHERE cadence = 'weekly' AND NOT passed),
       count(*) FILTER (WHERE cadence = 'monthly'),
       count(*) FILTER (WHERE cadence = 'monthly' AND NOT passed)
  FROM suppliers_suppliercheck
 WHERE contract_id = %s AND month = %s
"""


@dataclass
class SupplierMonth:
    fold: float = 0.0
    compute: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    queries: int = 0
    note: str = ""


class _Rollback(Exception):
    pass


def _version(company: Company, cadence: str) -> TemplateVersion:
    template = ChecklistTemplate.objects.create(
        company=company, code=f"BENCH-{cadence}", name=f"bench {cadence}", cadence=cadence
    )
    return TemplateVersion.objects.create(
        template=template, number=1, status=TemplateVersion.Status.PUBLISHED, published_at=now()
    )


def supplier_month(*, company: Company, quality: Person) -> SupplierMonth:
    result = SupplierMonth()
    this_month = selectors.month_of(now())
    month = selectors.month_of(
        now() - timedelta(days=(now().astimezone(selectors.local_zone()).day + 1))
    )
    try:
        with transaction.atomic():
            supplier = Company.objects.create(
                name="基准测试保洁有限公司", kind=Company.Kind.SUPPLIER, operator=company
            )
            estates = list(Unit.objects.filter(company=company, kind=Unit.Kind.ESTATE)[:50])
            contract = services.contract_create(
                company=company,
                terms=services.ContractTerms(
                    supplier=supplier,
                    number="BENCH-SUPPLIER",
                    title="清洁服务委托合同",
                    units=estates,
                    starts_on=date(month.year - 1, 1, 1),
                    ends_on=date(this_month.year + 1, 12, 31),
                    monthly_fee=Decimal("100000"),
                    standards=[],
                ),
                actor=quality,
            )
            versions = {cadence: _version(company, cadence) for cadence in set(CADENCES)}
            days = (this_month - month).days if this_month > month else 28
            start = selectors.local_start(month)
            rows = []
            for n in range(CHECKS):
                cadence = CADENCES[n % len(CADENCES)]
                at = start + timedelta(seconds=(n * days * 86400) // CHECKS + 3600)
                rows.append(
                    Inspection(
                        company=company,
                        unit=estates[n % len(estates)],
                        supplier=supplier,
                        template_version=versions[cadence],
                        status=Inspection.Status.SUBMITTED,
                        submitted_at=at,
                        percent=Decimal("55") if n % 37 == 0 else Decimal("92"),
                        passed=n % 37 != 0,
                    )
                )
            inspections = Inspection.objects.bulk_create(rows, batch_size=2000)
            events = [
                Event(
                    object_id=str(inspection.pk),
                    company_id=company.pk,
                    at=inspection.submitted_at or now(),
                    action=str(InspectionEvent.SUBMITTED),
                    data={
                        "unit_id": inspection.unit_id,
                        "supplier_id": supplier.pk,
                        "cadence": CADENCES[n % len(CADENCES)],
                        "percent": str(inspection.percent),
                        "passed": inspection.passed,
                        "failed_answer_ids": [] if inspection.passed else [n],
                    },
                )
                for n, inspection in enumerate(inspections)
            ]
            t0 = time.perf_counter()
            services.checks_fold(events)
            result.fold = time.perf_counter() - t0
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                services.evaluation_compute(contract=contract, month=month)
                result.compute.append(time.perf_counter() - t0)
            result.queries = len(captured)
            for _run in range(RUNS - 1):
                t0 = time.perf_counter()
                services.evaluation_compute(contract=contract, month=month)
                result.compute.append(time.perf_counter() - t0)
            totals: tuple = ()
            for _run in range(RUNS):
                t0 = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute(RAW_TOTALS, [contract.pk, month])
                    totals = cursor.fetchone()
                result.raw.append(time.perf_counter() - t0)
            evaluation = MonthlyEvaluation.objects.get(contract=contract, month=month)
            mine = (
                evaluation.daily_checks,
                evaluation.daily_failed,
                evaluation.weekly_checks,
                evaluation.weekly_failed,
                evaluation.monthly_checks,
                evaluation.monthly_failed,
            )
            entries = ContractDeduction.objects.filter(contract=contract).count()
            agree = "equal" if tuple(totals) == mine else f"DIFFER: raw {totals} vs {mine}"
            result.note = (
                f"{CHECKS:,} checks of {month:%Y-%m} over {len(estates)} estates folded in "
                f"{result.fold:.2f} s ({CHECKS / result.fold:,.0f}/s); evaluation daily "
                f"{mine[1]}/{mine[0]}, weekly {mine[3]}/{mine[2]}, monthly {mine[5]}/{mine[4]} "
                f"failed; totals by hand-written SQL {agree}; {entries} deduction entry after "
                f"{RUNS} computations"
            )
            raise _Rollback
    except _Rollback:
        pass
    return result
