"""The ledger derived from the timeline (issue 11 item 1-2): the issue's worked examples
computed by hand from the seed's clauses, exactly once, in Shanghai months."""

from datetime import date

from pinzhi.assessment.models import EntryKind, PointsEntry
from pinzhi.assessment.services.derive import CONSUMER, ledger_follow
from pinzhi.assessment.services.people import direct_supervisor, leader_in_charge
from pinzhi.assessment.tests.factories import complaint_verified
from pinzhi.complaints.events import ComplaintEvent
from pinzhi.inspections.events import InspectionEvent
from pinzhi.orgs.tests.factories import person_in_role
from pinzhi.rectification.events import RectificationEvent
from pinzhi.timeline.models import EventCursor
from pinzhi.timeline.services import event_record


def _points(person, kind=None):
    entries = PointsEntry.objects.filter(person=person)
    if kind is not None:
        entries = entries.filter(kind=kind)
    return list(entries.order_by("occurred_at", "pk").values_list("points", flat=True))


def test_it_books_the_issue_worked_example_of_three_complaints_in_march(org, clock):
    """ASM-4, 004 第5篇 二.2: one person, three verified complaints in March → the person
    −5, −10, −15; the direct supervisor −3, −6 (from the 2nd); the group leader in charge
    −3 (from the 3rd)."""
    for day in (3, 12, 25):
        clock.move_to(f"2026-03-{day:02d} 10:00 +0800")
        complaint_verified(staff=org.staff)
    assert ledger_follow() == 3
    assert _points(org.staff, EntryKind.COMPLAINT) == [-5, -10, -15]
    assert _points(org.supervisor, EntryKind.SUPERVISOR_JOINT) == [-3, -6]
    assert _points(org.leader, EntryKind.LEADER_JOINT) == [-3]
    assert _points(org.manager) == []
    first = PointsEntry.objects.filter(person=org.staff).order_by("occurred_at").first()
    assert first.count == 1 and first.month == date(2026, 3, 1)
    assert first.rule_key == "assessment.verified_complaint_per_count"
    assert "第5篇 二.2" in first.citation
    assert first.subject_type == "complaints.complaint"


def test_it_never_books_an_event_twice_when_replayed(org, clock):
    """Issue 11 item 1: derived exactly once — a replay from the start books nothing more."""
    complaint_verified(staff=org.staff)
    complaint_verified(staff=org.staff)
    ledger_follow()
    before = PointsEntry.objects.count()
    EventCursor.objects.filter(name=CONSUMER).delete()
    assert ledger_follow() == 2
    assert PointsEntry.objects.count() == before == 3


def test_it_counts_complaints_per_calendar_month_in_shanghai_time(org, clock):
    """ASM-4 "per calendar month": 23:30 on 31 March in Shanghai (15:30 UTC) is March's
    first complaint, 00:10 on 1 April (16:10 UTC on 31 March) is April's first."""
    clock.move_to("2026-03-31 23:30 +0800")
    complaint_verified(staff=org.staff)
    clock.move_to("2026-04-01 00:10 +0800")
    complaint_verified(staff=org.staff)
    ledger_follow()
    entries = PointsEntry.objects.filter(person=org.staff).order_by("occurred_at")
    assert [(e.month, e.count, e.points) for e in entries] == [
        (date(2026, 3, 1), 1, -5),
        (date(2026, 4, 1), 1, -5),
    ]
    assert not PointsEntry.objects.filter(person=org.supervisor).exists()


def test_it_adds_the_attitude_deduction_to_the_count_deduction(org, clock):
    """ASM-4, 004 第5篇 二.1 and 二.2: an attitude complaint is a verified complaint (−5 as
    the 1st of the month) and carries the attitude deduction (−5) on top."""
    complaint_verified(staff=org.staff, category="attitude")
    ledger_follow()
    assert _points(org.staff, EntryKind.COMPLAINT) == [-5]
    assert _points(org.staff, EntryKind.ATTITUDE) == [-5]
    attitude = PointsEntry.objects.get(kind=EntryKind.ATTITUDE)
    assert "第5篇 二.1" in attitude.citation


def test_it_books_nothing_for_a_complaint_naming_nobody(org, clock):
    """Issue 11 item 1: a verified complaint with no staff named books no entry."""
    complaint_verified(staff=None, department=org.ch)
    assert ledger_follow() == 1
    assert not PointsEntry.objects.exists()


def test_it_finds_the_supervisor_and_the_leader_by_the_closest_scope(org):
    """004 第5篇 二.2: the supervisor (else the department manager) and the leadership member
    whose scope covers the person's unit most closely; nobody supervises themselves."""
    assert direct_supervisor(org.staff) == org.supervisor
    assert direct_supervisor(org.supervisor) == org.manager
    assert leader_in_charge(org.staff) == org.leader
    # BJM has no supervisor, manager or leader of its own: a company-wide leader covers it.
    assert direct_supervisor(org.other) is None
    assert leader_in_charge(org.other) is None
    chairman = person_in_role("chairman", "leadership", org.hq, [])
    assert leader_in_charge(org.other) == chairman
    assert leader_in_charge(org.staff) == org.leader


def test_it_books_no_joint_penalty_when_there_is_no_supervisor(org, clock):
    """Docs: nobody in charge → no joint entry; the person's own entries stand."""
    for _ in range(3):
        complaint_verified(staff=org.other)
    ledger_follow()
    assert _points(org.other) == [-5, -10, -15]
    assert not PointsEntry.objects.exclude(person=org.other).exists()


def test_it_books_a_recorded_offence_at_the_mildest_value_of_its_category(org, clock):
    """CMP-9, 004 第4篇 九: hiding a complaint is category B (−15 … −30, booked −15),
    refusing to admit one category A (−5 … −15, booked −5), flagged for the manager."""
    complaint = complaint_verified(staff=None, department=org.ch)
    for offence, person in (("hiding", org.staff), ("refusing", org.supervisor)):
        event_record(
            subject=complaint,
            action=ComplaintEvent.OFFENCE,
            actor=org.quality,
            reason="未登记投诉",
            data={"offence": offence, "person_id": person.pk},
        )
    ledger_follow()
    hiding = PointsEntry.objects.get(person=org.staff)
    assert (hiding.kind, hiding.points) == (EntryKind.OFFENCE_B, -15)
    assert "第4篇 九 第二款" in hiding.citation and "待管理人员" in hiding.reason
    refusing = PointsEntry.objects.get(person=org.supervisor)
    assert (refusing.kind, refusing.points) == (EntryKind.OFFENCE_A, -5)


def test_it_penalises_the_supervisor_who_did_not_act_on_an_escalation(org, clock):
    """CMP-7, 004 第5篇 二.6: the case's handler, else the department's head."""
    complaint = complaint_verified(staff=None, department=org.ch)
    event_record(
        subject=complaint,
        action=ComplaintEvent.CUSTOMER_ESCALATED,
        data={"department_id": org.ch.pk, "handler_id": org.supervisor.pk},
    )
    event_record(
        subject=complaint,
        action=ComplaintEvent.CUSTOMER_ESCALATED,
        data={"department_id": org.ch.pk, "handler_id": None},
    )
    ledger_follow()
    assert _points(org.supervisor, EntryKind.INACTION) == [-5]
    assert _points(org.manager, EntryKind.INACTION) == [-5]
    entry = PointsEntry.objects.filter(kind=EntryKind.INACTION).first()
    assert entry.rule_key == "assessment.escalation_inaction" and "二.6" in entry.citation


def test_it_penalises_an_overdue_rectification_and_a_failed_inspection(org, clock):
    """NCR-3: the person responsible, else the unit's head; ASM-3: a failed inspection
    costs the unit's direct supervisor, a passed one nothing."""
    overdue = {
        "unit_id": org.ch.pk,
        "supplier_id": None,
        "severity": "general",
        "due_at": "2026-03-09T10:00:00+08:00",
        "round": 0,
    }
    event_record(
        subject=org.ch,
        action=RectificationEvent.OVERDUE,
        data=overdue | {"responsible_id": org.staff.pk},
    )
    event_record(
        subject=org.ch, action=RectificationEvent.OVERDUE, data=overdue | {"responsible_id": None}
    )
    submitted = {
        "unit_id": org.ch.pk,
        "supplier_id": None,
        "cadence": "monthly",
        "percent": "72.5",
        "failed_answer_ids": [],
    }
    event_record(
        subject=org.ch, action=InspectionEvent.SUBMITTED, data=submitted | {"passed": False}
    )
    event_record(
        subject=org.ch, action=InspectionEvent.SUBMITTED, data=submitted | {"passed": True}
    )
    ledger_follow()
    assert _points(org.staff, EntryKind.RECTIFICATION_OVERDUE) == [-3]
    assert _points(org.manager, EntryKind.RECTIFICATION_OVERDUE) == [-3]
    assert _points(org.supervisor, EntryKind.INSPECTION) == [-2]
    assert PointsEntry.objects.filter(kind=EntryKind.INSPECTION).count() == 1
