"""Demo (order 86): the first three quarters of the year assessed through the services —
each plan drafted by the quality department, approved by leadership, computed from the
demo's complaints, callbacks, inspections and rectifications, and its report issued (ASM-2,
ASM-9). The current quarter is left as a draft for the reader to approve and compute."""

from django.db import transaction

from pinzhi.assessment.models import AssessmentPlan, PlanStatus
from pinzhi.assessment.services import quarterly
from pinzhi.lib.clock import now
from pinzhi.lib.months import day_of
from pinzhi.orgs.demo import COMPANY_NAME
from pinzhi.orgs.models import Company, Person, Unit

SCOPE = ("CH", "BJM", "JG", "KF", "AB", "GC")


def load_demo_quarterly(*, stdout=None) -> int:
    """The year's issued quarters and the current quarter's draft; returns how many plans
    the demo company has (0 when the demo organisation is missing). Idempotent."""
    company = Company.objects.filter(name=COMPANY_NAME).first()
    quality = Person.objects.filter(username="quality", company=company).first()
    leader = Person.objects.filter(username="leader", company=company).first()
    if company is None or quality is None or leader is None:
        return 0
    units = list(Unit.objects.filter(company=company, code__in=SCOPE, is_active=True))
    if not units:
        return 0
    today = day_of(now())
    current = (today.month - 1) // 3 + 1
    with transaction.atomic():
        for number in range(1, current + 1):
            plan = AssessmentPlan.objects.filter(
                company=company, year=today.year, quarter=number
            ).first()
            if plan is None:
                plan = quarterly.plan_create(
                    company=company, actor=quality, year=today.year, quarter=number, units=units
                )
            if number == current:
                continue  # the quarter under way: a draft to approve
            if plan.status == PlanStatus.DRAFT:
                plan = quarterly.plan_approve(plan=plan, actor=leader)
            if plan.status == PlanStatus.APPROVED:
                plan = quarterly.plan_compute(plan=plan, actor=quality)
            if plan.status == PlanStatus.COMPUTED:
                quarterly.plan_report(plan=plan, actor=quality)
    count = AssessmentPlan.objects.filter(company=company).count()
    if stdout is not None:
        stdout.write(f"  quarterly assessment: {count} plans\n")
    return count
