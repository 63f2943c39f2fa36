"""Demo data of supplier quality (NCR-5), made through the services: the cleaning contract
with 洁美保洁 for the three estates, then every submitted check of its service folded and the
months evaluated; the months before the current one reviewed and confirmed."""

from datetime import date
from decimal import Decimal

from django.db import transaction

from pinzhi.lib.clock import now
from pinzhi.orgs.demo import COMPANY_NAME
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.standards.models import Standard
from pinzhi.suppliers import selectors, services
from pinzhi.suppliers.models import EvaluationStatus, MonthlyEvaluation, SupplierContract

CONTRACT_NUMBER = "JH-BJ-2026-01"


def load_demo_suppliers(*, stdout=None) -> int:
    """Create the demo contract and evaluate its months; returns how many evaluations exist
    (0 when the demo company or its contractor is missing)."""
    company = Company.objects.filter(name=COMPANY_NAME).first()
    if company is None:
        return 0
    supplier = Company.objects.filter(operator=company, kind=Company.Kind.SUPPLIER).first()
    if supplier is None:
        return 0
    quality = Person.objects.filter(username="quality").first()
    if quality is None:
        return 0
    with transaction.atomic():
        if not SupplierContract.objects.filter(company=company, number=CONTRACT_NUMBER).exists():
            today = selectors.day_of(now())
            estates = list(Unit.objects.filter(company=company, code__in=["CH", "BJM", "JG"]))
            services.contract_create(
                company=company,
                terms=services.ContractTerms(
                    supplier=supplier,
                    number=CONTRACT_NUMBER,
                    title="清洁服务委托合同",
                    units=estates,
                    starts_on=date(today.year - 1, today.month, 1),
                    ends_on=date(today.year + 1, 12, 31),
                    monthly_fee=Decimal("68000.00"),
                    standards=list(
                        Standard.objects.filter(company=company, code__startswith="CLN-")
                    ),
                    manager=Person.objects.filter(username="manager").first(),
                    technical_department=Unit.objects.filter(company=company, code="GC").first(),
                ),
                actor=quality,
            )
    services.checks_fold_pending()
    this_month = selectors.month_of(now())
    for evaluation in MonthlyEvaluation.objects.filter(
        company=company, month__lt=this_month, status=EvaluationStatus.COMPUTED
    ).order_by("month"):
        evaluation = services.evaluation_review(
            evaluation=evaluation, actor=quality, note="已对照合同清洁服务标准核对。"
        )
        services.evaluation_confirm(evaluation=evaluation, actor=quality)
    count = MonthlyEvaluation.objects.filter(company=company).count()
    if stdout is not None:
        stdout.write(f"demo: supplier contract {CONTRACT_NUMBER}; {count} monthly evaluations")
    return count
