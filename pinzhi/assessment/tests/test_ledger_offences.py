"""A manager's entries (issue 11 item 2; ASM-3, ASM-5): offences inside their category's
range with a reason, daily records, corrections as new entries — by whom the scope allows."""

from datetime import date

import pytest

from pinzhi.assessment.models import AssessmentMonth, EntryKind, MonthStatus, PointsEntry, Sanction
from pinzhi.assessment.services.derive import ledger_follow
from pinzhi.assessment.services.offences import (
    LedgerError,
    awaiting_value,
    daily_record,
    entry_correct,
    entry_value,
    offence_record,
)
from pinzhi.assessment.tests.factories import complaint_verified
from pinzhi.complaints.events import ComplaintEvent
from pinzhi.timeline.models import Event
from pinzhi.timeline.services import event_record


def test_it_records_a_category_a_offence_with_a_major_demerit_and_a_notice(org):
    """ASM-5, 004 第4篇 九 第一款: −5 … −15, optionally 记大过 and 通报全公司."""
    entry = offence_record(
        person=org.staff,
        category="a",
        points=-10,
        reason="与业主争执",
        actor=org.quality,
        sanction=Sanction.MAJOR_DEMERIT,
        notice=True,
    )
    assert (entry.kind, entry.points, entry.entered_by) == (EntryKind.OFFENCE_A, -10, org.quality)
    assert entry.notice and "第4篇 九 第一款" in entry.citation
    event = Event.objects.get(action="assessment.entry_entered")
    assert event.data["points"] == -10 and event.reason == "与业主争执"


@pytest.mark.parametrize(
    ("category", "points", "field"),
    [("a", -16, "points"), ("a", -4, "points"), ("b", -14, "points"), ("b", -31, "points")],
)
def test_it_refuses_points_outside_the_category_range(org, category, points, field):
    """ASM-5: A is −5 … −15, B −15 … −30; anything else is refused with the clause."""
    with pytest.raises(LedgerError) as refused:
        offence_record(
            person=org.staff, category=category, points=points, reason="x", actor=org.quality
        )
    assert refused.value.field == field
    assert not PointsEntry.objects.exists()


def test_it_requires_a_reason_and_a_measure_the_category_allows(org):
    """ASM-5: a reason always; a warning belongs to B, a notice to A."""
    with pytest.raises(LedgerError) as refused:
        offence_record(person=org.staff, category="a", points=-5, reason=" ", actor=org.quality)
    assert refused.value.field == "reason"
    with pytest.raises(LedgerError) as refused:
        offence_record(
            person=org.staff,
            category="a",
            points=-5,
            reason="x",
            actor=org.quality,
            sanction=Sanction.WARNING,
        )
    assert refused.value.field == "sanction"
    with pytest.raises(LedgerError) as refused:
        offence_record(
            person=org.staff, category="b", points=-20, reason="x", actor=org.quality, notice=True
        )
    assert refused.value.field == "notice"


def test_only_the_quality_department_and_line_managers_in_scope_may_enter(org):
    """Issue 11 item 2: the quality department company-wide; a line manager for the people
    of their scope; nobody for themselves or outside their scope."""
    daily_record(person=org.staff, points=-2, reason="工服不整", actor=org.supervisor)
    daily_record(person=org.other, points=3, reason="主动帮助业主", actor=org.quality)
    for actor, person in [
        (org.supervisor, org.other),
        (org.staff, org.other),
        (org.manager, org.manager),
    ]:
        with pytest.raises(LedgerError) as refused:
            daily_record(person=person, points=-1, reason="x", actor=actor)
        assert refused.value.status == 403
    assert PointsEntry.objects.count() == 2


def test_a_daily_record_stays_in_the_pack_range_and_its_day_month(org, clock):
    """ASM-3: a daily record (−10 … +10 by default) counts in its day's month."""
    entry = daily_record(
        person=org.staff, points=5, reason="表扬", actor=org.manager, day=date(2026, 2, 27)
    )
    assert entry.month == date(2026, 2, 1)
    with pytest.raises(LedgerError):
        daily_record(person=org.staff, points=11, reason="x", actor=org.manager)
    with pytest.raises(LedgerError) as refused:
        daily_record(
            person=org.staff, points=1, reason="x", actor=org.manager, day=date(2026, 4, 1)
        )
    assert refused.value.field == "day"


def test_a_correction_is_a_new_entry_citing_the_one_it_corrects(org):
    """Issue 11 item 1: an entry is never edited; the correction books the difference."""
    entry = daily_record(person=org.staff, points=-6, reason="迟到", actor=org.manager)
    correction = entry_correct(entry=entry, points=-2, reason="核实仅迟到一次", actor=org.quality)
    assert (correction.kind, correction.points, correction.corrects) == (
        EntryKind.CORRECTION,
        4,
        entry,
    )
    entry.refresh_from_db()
    assert entry.points == -6 and entry_value(entry) == (-2, None)
    with pytest.raises(LedgerError):
        entry_correct(entry=correction, points=0, reason="x", actor=org.quality)
    with pytest.raises(LedgerError) as refused:
        entry_correct(entry=entry, points=-2, reason="x", actor=org.quality)
    assert refused.value.field == "points"


def test_a_correction_of_an_exported_month_lands_in_the_next_open_month(org, clock):
    """Issue 11 item 1: a month exported to payroll is locked; the correction lands in the
    next open month, citing the entry."""
    entry = daily_record(person=org.staff, points=-6, reason="迟到", actor=org.manager)
    AssessmentMonth.objects.create(
        company=org.company, month=date(2026, 3, 1), status=MonthStatus.CLOSED
    )
    correction = entry_correct(entry=entry, points=0, reason="误记", actor=org.quality)
    assert correction.month == date(2026, 4, 1) and correction.corrects == entry


def test_the_manager_sets_an_offence_from_the_complaints_app_within_its_range(org):
    """CMP-9: hiding a complaint is booked at −15 and awaits its value; the manager sets it
    inside −15 … −30 (or confirms it)."""
    complaint = complaint_verified(staff=None, department=org.ch)
    event_record(
        subject=complaint,
        action=ComplaintEvent.OFFENCE,
        actor=org.quality,
        reason="隐瞒投诉",
        data={"offence": "hiding", "person_id": org.staff.pk},
    )
    ledger_follow()
    entry = PointsEntry.objects.get(person=org.staff)
    assert awaiting_value(entry)
    with pytest.raises(LedgerError):
        entry_correct(entry=entry, points=-40, reason="情节严重", actor=org.quality)
    entry_correct(entry=entry, points=-25, reason="情节严重", actor=org.quality)
    assert not awaiting_value(entry) and entry_value(entry)[0] == -25
