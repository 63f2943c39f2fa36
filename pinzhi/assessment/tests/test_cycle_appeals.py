"""Appeals of the monthly cycle (ASM-3): one's own entries only, once each, only in a
published month's window; decided by the quality department or the line manager."""

from datetime import date
from decimal import Decimal

import pytest

from pinzhi.assessment.models import AppealStatus, EntryKind, MonthlyTotal
from pinzhi.assessment.services import cycle
from pinzhi.assessment.services.ledger import entry_book
from pinzhi.lib.clock import now

MARCH = date(2026, 3, 1)


def book(org, points, *, amount=None, kind=EntryKind.DAILY_RECORD):
    return entry_book(
        company=org.company,
        person=org.staff,
        kind=kind,
        occurred_at=now(),
        points=points,
        amount=amount,
        reason="记录",
    )


def publish(org, clock):
    clock.move_to("2026-04-01 09:00 +0800")
    month = cycle.month_compute(company=org.company, month=MARCH)
    cycle.month_send_review(assessment_month=month, actor=org.quality)
    cycle.department_review(assessment_month=month, unit=org.ch, actor=org.manager)
    return cycle.month_publish(assessment_month=month, actor=org.quality)


def test_it_refuses_an_appeal_before_the_month_is_published(org):
    """ASM-3: appeals only for a published month."""
    entry = book(org, -5)
    cycle.month_compute(company=org.company, month=MARCH)
    with pytest.raises(cycle.CycleError) as refused:
        cycle.appeal_file(entry=entry, actor=org.staff, reason="不属实")
    assert "2026-03" in refused.value.reason


def test_it_refuses_an_appeal_of_someone_elses_entry_or_of_a_correction(org, clock):
    """ASM-3: an employee contests their own entries; a correction is not contested."""
    entry = book(org, -5)
    month = publish(org, clock)
    with pytest.raises(cycle.CycleError):
        cycle.appeal_file(entry=entry, actor=org.other, reason="不属实")
    appeal = cycle.appeal_file(entry=entry, actor=org.staff, reason="不属实")
    appeal = cycle.appeal_decide(
        appeal=appeal, actor=org.quality, outcome=AppealStatus.UPHELD, decision="属实"
    )
    with pytest.raises(cycle.CycleError):
        cycle.appeal_file(entry=appeal.correction, actor=org.staff, reason="再申诉")
    assert MonthlyTotal.objects.get(assessment_month=month, person=org.staff).score == 100


def test_only_the_quality_department_or_the_line_manager_decides(org, clock):
    """ASM-3: another estate's staff member and the person themselves may not decide; the
    CH supervisor (the person's line manager) may."""
    entry = book(org, -5)
    publish(org, clock)
    appeal = cycle.appeal_file(entry=entry, actor=org.staff, reason="不属实")
    for actor in (org.staff, org.other):
        with pytest.raises(cycle.CycleError):
            cycle.appeal_decide(
                appeal=appeal, actor=actor, outcome=AppealStatus.REJECTED, decision="不成立"
            )
    decided = cycle.appeal_decide(
        appeal=appeal, actor=org.supervisor, outcome=AppealStatus.REJECTED, decision="证据不足"
    )
    assert decided.status == AppealStatus.REJECTED and decided.correction is None


def test_an_upheld_appeal_of_a_fine_cancels_its_money_too(org, clock):
    """ASM-3: upheld → the correction cancels the entry's points and amount; the month's
    total money goes back to zero."""
    entry = book(org, 0, amount=Decimal("-500"), kind=EntryKind.WORST_SERVICE)
    month = publish(org, clock)
    appeal = cycle.appeal_file(entry=entry, actor=org.staff, reason="其中一件投诉已撤销")
    cycle.appeal_decide(
        appeal=appeal, actor=org.quality, outcome=AppealStatus.UPHELD, decision="核实撤销"
    )
    appeal.refresh_from_db()
    assert appeal.correction.amount == Decimal("500") and appeal.correction.corrects == entry
    assert appeal.correction.month == MARCH
    assert MonthlyTotal.objects.get(assessment_month=month, person=org.staff).amount == 0


def test_a_partly_upheld_appeal_needs_points_between_the_entry_and_zero(org, clock):
    """ASM-3: partly upheld −15 → −5 books +10; −20 or 0 are refused."""
    entry = book(org, -15)
    month = publish(org, clock)
    appeal = cycle.appeal_file(entry=entry, actor=org.staff, reason="情节较轻")
    for points in (-20, 0, -15, None):
        with pytest.raises(cycle.CycleError):
            cycle.appeal_decide(
                appeal=appeal,
                actor=org.quality,
                outcome=AppealStatus.PARTLY,
                decision="部分属实",
                points=points,
            )
    cycle.appeal_decide(
        appeal=appeal,
        actor=org.quality,
        outcome=AppealStatus.PARTLY,
        decision="部分属实",
        points=-5,
    )
    assert MonthlyTotal.objects.get(assessment_month=month, person=org.staff).score == 95


def test_the_department_manager_reviews_only_their_department(org, clock):
    """ASM-3: the CH manager reviews CH; BJM has no department manager and is not listed;
    a second review of CH is refused."""
    book(org, -5)
    month = cycle.month_compute(company=org.company, month=MARCH)
    cycle.month_send_review(assessment_month=month, actor=org.quality)
    assert [unit.code for unit in cycle.selectors.departments_of(month)] == ["CH"]
    with pytest.raises(cycle.CycleError):
        cycle.department_review(assessment_month=month, unit=org.ch, actor=org.supervisor)
    cycle.department_review(assessment_month=month, unit=org.ch, actor=org.manager)
    with pytest.raises(cycle.CycleError):
        cycle.department_review(assessment_month=month, unit=org.ch, actor=org.manager)
