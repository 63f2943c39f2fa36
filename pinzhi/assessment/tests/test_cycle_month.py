"""The monthly cycle (ASM-3): the month computed from the ledger, reviewed by department,
published with its appeal window, appeals decided, approved, closed and exported."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from pinzhi.assessment.models import (
    AppealStatus,
    AssessmentMonth,
    EntryKind,
    MonthlyTotal,
    MonthStatus,
)
from pinzhi.assessment.selectors import cycle as selectors
from pinzhi.assessment.services import cycle
from pinzhi.assessment.services.ledger import entry_book
from pinzhi.lib.clock import now
from pinzhi.timeline.models import Event

MARCH = date(2026, 3, 1)


def book(org, person, points, *, amount=None, kind=EntryKind.DAILY_RECORD, reason="工作记录"):
    return entry_book(
        company=org.company,
        person=person,
        kind=kind,
        occurred_at=now(),
        points=points,
        amount=amount,
        reason=reason,
        entered_by=org.supervisor,
    )


def total_of(month, person):
    return MonthlyTotal.objects.get(assessment_month=month, person=person)


def published_march(org, clock):
    """March computed, reviewed by CH's department manager, published on 1 April."""
    clock.move_to("2026-04-01 09:00 +0800")
    month = cycle.month_compute(company=org.company, month=MARCH)
    cycle.month_send_review(assessment_month=month, actor=org.quality)
    for unit in selectors.departments_of(month):
        cycle.department_review(assessment_month=month, unit=unit, actor=org.manager)
    return cycle.month_publish(assessment_month=month, actor=org.quality)


def test_it_computes_base_plus_the_months_entries(org, clock):
    """ASM-3: a person's month = the pack's base points (100) + the sum of their entries in
    the month; money is summed too; everyone active has a row."""
    book(org, org.staff, -5)
    book(org, org.staff, -10, amount=Decimal("-500"), kind=EntryKind.WORST_SERVICE)
    clock.move_to("2026-04-02 10:00 +0800")
    book(org, org.staff, -3)  # April: not in March
    month = cycle.month_compute(company=org.company, month=MARCH, actor=org.quality)
    assert month.status == MonthStatus.DRAFT and month.computed_at is not None
    staff = total_of(month, org.staff)
    assert (staff.base, staff.points, staff.score, staff.amount, staff.entries) == (
        100,
        -15,
        85,
        Decimal("-500"),
        2,
    )
    other = total_of(month, org.other)
    assert (other.points, other.score, other.amount) == (0, 100, Decimal(0))
    assert Event.objects.filter(action="assessment_month.computed").count() == 1


def test_it_computes_again_without_duplicating_rows(org):
    """ASM-3: computing again rewrites the totals (one row per person and month)."""
    month = cycle.month_compute(company=org.company, month=MARCH)
    book(org, org.staff, -2)
    cycle.month_compute(company=org.company, month=MARCH)
    assert MonthlyTotal.objects.filter(assessment_month=month, person=org.staff).count() == 1
    assert total_of(month, org.staff).score == 98


def test_the_daily_job_drafts_the_month_just_ended_in_shanghai_time(org, clock):
    """ASM-3: the clock's daily job drafts the month just ended — at 00:30 on 1 April in
    Shanghai (16:30 UTC on 31 March) that is March."""
    book(org, org.staff, -5)
    clock.move_to("2026-04-01 00:30 +0800")
    assert cycle.months_compute_due() == 1
    month = AssessmentMonth.objects.get(company=org.company)
    assert month.month == MARCH and total_of(month, org.staff).score == 95


def test_the_month_end_steps_run_before_totalling(org, monkeypatch):
    """ASM-3: the registered month-end steps (worst service …) book first, then the totals
    include their entries."""
    from pinzhi.assessment import hooks

    def step(*, company, month, actor):
        book(org, org.staff, -7, reason="月末步骤")

    monkeypatch.setattr(hooks, "_MONTH_END_STEPS", [("test", step)])
    month = cycle.month_compute(company=org.company, month=MARCH)
    assert total_of(month, org.staff).points == -7


def test_the_whole_cycle_ends_in_a_locked_month_and_a_payroll_file(org, clock):
    """ASM-3: draft → department review → published (appeal window) → appeal upheld →
    approved → closed and exported; later entries for March land in April."""
    entry = book(org, org.staff, -10, reason="未按时完成保洁")
    month = published_march(org, clock)
    assert month.status == MonthStatus.PUBLISHED
    assert month.appeal_until == month.published_at + timedelta(days=3)  # the pack's window
    appeal = cycle.appeal_file(entry=entry, actor=org.staff, reason="当天我请假，不是我负责")
    cycle.appeal_decide(
        appeal=appeal, actor=org.quality, outcome=AppealStatus.UPHELD, decision="核实属实"
    )
    assert total_of(month, org.staff).score == 100
    clock.move_to("2026-04-05 09:00 +0800")
    cycle.month_approve(assessment_month=month, actor=org.quality)
    month = cycle.month_close(assessment_month=month, actor=org.quality)
    assert month.status == MonthStatus.CLOSED and month.locked
    late = entry_book(
        company=org.company,
        person=org.staff,
        kind=EntryKind.DAILY_RECORD,
        occurred_at=month.published_at.replace(day=20, month=3),
        points=-1,
    )
    assert late.month == date(2026, 4, 1)
    sheet = load_workbook(io.BytesIO(selectors.payroll_workbook(month))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ["姓名", "工号", "部门", "基础分", "加减分", "得分", "金额 (元)"]
    staff_row = next(row for row in rows if row[0] == "李保洁")
    assert list(staff_row) == ["李保洁", "E001", "翠湖花园", 100, 0, 100, 0]
    assert len(rows) == 1 + MonthlyTotal.objects.filter(assessment_month=month).count()


def test_it_refuses_to_compute_an_approved_or_closed_month(org):
    AssessmentMonth.objects.create(company=org.company, month=MARCH, status=MonthStatus.CLOSED)
    with pytest.raises(cycle.CycleError):
        cycle.month_compute(company=org.company, month=MARCH)
