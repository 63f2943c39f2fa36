"""Demo of the monthly cycle (ASM-3, order 82), made through the services with the clock
pinned at each step's time: the year's months computed, reviewed by each department manager,
published, approved and closed (exported to payroll); the month just ended published with
its appeal window open and one appeal of the demo's service staff pending."""

from datetime import timedelta

from pinzhi.assessment.models import (
    Appeal,
    AssessmentMonth,
    EntryKind,
    MonthStatus,
    PointsEntry,
)
from pinzhi.assessment.selectors import cycle as selectors
from pinzhi.assessment.services import cycle
from pinzhi.assessment.services.ledger import entry_book
from pinzhi.lib.clock import clock_pinned, now
from pinzhi.lib.months import local_start, month_next, month_of, month_previous
from pinzhi.orgs.demo import COMPANY_NAME
from pinzhi.orgs.models import Company, Person, RoleAssignment
from pinzhi.orgs.roles import Role

MONTHS = 12
APPEAL_REASON = "当天我在处理业主报修，未能及时清理大堂，已向主管报备。"


def _reviewer(assessment_month, unit) -> Person | None:
    assignment = (
        RoleAssignment.objects.filter(
            role=Role.DEPARTMENT_MANAGER, scope=unit, person__is_active=True
        )
        .select_related("person")
        .first()
    )
    return assignment.person if assignment else None


def _to_published(assessment_month, quality) -> AssessmentMonth:
    if assessment_month.status == MonthStatus.DRAFT:
        cycle.month_send_review(assessment_month=assessment_month, actor=quality)
    assessment_month.refresh_from_db()
    if assessment_month.status == MonthStatus.REVIEW:
        for unit in selectors.departments_pending(assessment_month):
            reviewer = _reviewer(assessment_month, unit)
            if reviewer is not None:
                cycle.department_review(
                    assessment_month=assessment_month, unit=unit, actor=reviewer, note="已核对"
                )
        cycle.month_publish(assessment_month=assessment_month, actor=quality)
    assessment_month.refresh_from_db()
    return assessment_month


def load_demo_cycle(*, stdout=None) -> int:
    """Returns how many months the demo company has (0 without the demo organisation)."""
    company = Company.objects.filter(name=COMPANY_NAME).first()
    quality = Person.objects.filter(username="quality").first()
    staff = Person.objects.filter(username="staff").first()
    if company is None or quality is None:
        return 0
    last = month_previous(month_of(now()))
    month = last
    for _index in range(MONTHS - 1):
        month = month_previous(month)
    while month < last:
        done = AssessmentMonth.objects.filter(
            company=company, month=month, status=MonthStatus.CLOSED
        ).exists()
        if not done:
            start = local_start(month_next(month))
            with clock_pinned(start + timedelta(hours=2)):
                assessment_month = cycle.month_compute(company=company, month=month)
                assessment_month = _to_published(assessment_month, quality)
            with clock_pinned(start + timedelta(days=5)):
                cycle.month_approve(assessment_month=assessment_month, actor=quality)
                cycle.month_close(assessment_month=assessment_month, actor=quality)
        month = month_next(month)
    # The month just ended: published now, its window open, one appeal pending.
    if staff is not None and not PointsEntry.objects.filter(person=staff, month=last).exists():
        with clock_pinned(local_start(last) + timedelta(days=12, hours=10)):
            entry_book(
                company=company,
                person=staff,
                kind=EntryKind.DAILY_RECORD,
                occurred_at=now(),
                points=-2,
                reason="早班大堂地面未及时清理",
                entered_by=Person.objects.filter(username="supervisor").first(),
            )
    existing = AssessmentMonth.objects.filter(company=company, month=last).first()
    if existing is None or existing.status in (MonthStatus.DRAFT, MonthStatus.REVIEW):
        with clock_pinned(now() - timedelta(hours=1)):
            assessment_month = cycle.month_compute(company=company, month=last)
            assessment_month = _to_published(assessment_month, quality)
    if staff is not None and not Appeal.objects.filter(person=staff, entry__month=last).exists():
        entry = (
            PointsEntry.objects.filter(person=staff, month=last, points__lt=0)
            .exclude(kind=EntryKind.CORRECTION)
            .order_by("occurred_at")
            .first()
        )
        month_row = AssessmentMonth.objects.filter(company=company, month=last).first()
        if entry is not None and month_row is not None and selectors.appeal_window_open(month_row):
            cycle.appeal_file(entry=entry, actor=staff, reason=APPEAL_REASON)
    # The month under way: its draft so far (the worst-service ratings of its complaints).
    current = AssessmentMonth.objects.filter(company=company, month=month_of(now())).first()
    if current is None or current.status == MonthStatus.DRAFT:
        cycle.month_compute(company=company, month=month_of(now()))
    return AssessmentMonth.objects.filter(company=company).count()
