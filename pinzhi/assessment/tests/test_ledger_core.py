"""The ledger's one way in (issue 11 item 1): entries land in their month in Shanghai time,
once per event, and a month exported to payroll is never written again."""

from datetime import date

import time_machine

from pinzhi.assessment.models import AssessmentMonth, EntryKind, MonthStatus
from pinzhi.assessment.rules import joint_points, nth_complaint_points, star_reward
from pinzhi.assessment.services.ledger import entry_book, rule_applied
from pinzhi.lib.clock import now


def test_it_books_in_the_month_of_shanghai_time(org, clock):
    """ASM-4: 2026-03-31 23:30 in Shanghai is 15:30 UTC — the entry counts in March."""
    clock.move_to("2026-03-31 23:30 +0800")
    entry = entry_book(
        company=org.company, person=org.staff, kind=EntryKind.DAILY_RECORD, occurred_at=now()
    )
    assert entry.month == date(2026, 3, 1)
    with time_machine.travel("2026-04-01 00:10 +0800", tick=False):
        later = entry_book(
            company=org.company, person=org.staff, kind=EntryKind.DAILY_RECORD, occurred_at=now()
        )
    assert later.month == date(2026, 4, 1)


def test_a_late_entry_for_an_exported_month_lands_in_the_next_open_month(org):
    """Issue 11 item 1: a month exported to payroll is locked; a later entry lands in the
    next open month and says so."""
    AssessmentMonth.objects.create(
        company=org.company, month=date(2026, 3, 1), status=MonthStatus.CLOSED
    )
    entry = entry_book(
        company=org.company,
        person=org.staff,
        kind=EntryKind.DAILY_RECORD,
        occurred_at=now(),
        points=-2,
        reason="工作服不整",
    )
    assert entry.month == date(2026, 4, 1)
    assert "2026-03" in entry.reason and "工作服不整" in entry.reason


def test_the_rule_applied_carries_its_value_and_clause(org):
    applied = rule_applied("assessment.verified_complaint_per_count", company=org.company)
    assert applied is not None and applied.value == -5
    assert "第5篇 二.2" in applied.citation
    assert rule_applied("assessment.no_such_rule", company=org.company) is None
    window = rule_applied("assessment.appeal_window", company=org.company)
    assert window is not None and window.text == "3 天"


def test_the_seed_arithmetic():
    """ASM-4/ASM-6 worked example: three complaints in March → person −5, −10, −15;
    supervisor −3, −6; group leader −3; stars in consecutive months 500, 1000."""
    assert [nth_complaint_points(n, per_count=-5) for n in (1, 2, 3)] == [-5, -10, -15]
    assert [joint_points(n, from_count=2, per_count=-3) for n in (1, 2, 3)] == [None, -3, -6]
    assert [joint_points(n, from_count=3, per_count=-3) for n in (1, 2, 3)] == [None, None, -3]
    assert [star_reward(n, reward=500) for n in (1, 2)] == [500, 1000]
