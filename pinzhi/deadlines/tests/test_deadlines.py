"""DESIGN mechanism 2: opening, meeting, pausing, resuming and cancelling deadlines."""

from datetime import timedelta

import pytest

from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.deadlines.services import (
    DeadlineError,
    deadline_cancel,
    deadline_meet,
    deadline_open,
    deadline_pause,
    deadline_resume,
)
from pinzhi.deadlines.sweep import sweep
from pinzhi.deadlines.tests.conftest import MONDAY_10, minutes
from pinzhi.lib.clock import now
from pinzhi.timeline.models import Event


def actions(subject):
    return list(
        Event.objects.filter(object_id=str(subject.pk), action__startswith="deadline.")
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_it_computes_the_due_time_on_the_wall_clock(clock, subject):
    """X-5, CMP-4: 30 minutes from now on the wall clock by default."""
    deadline = deadline_open(
        subject=subject,
        kind="complaint.first_contact",
        duration=minutes(30),
        rule_key="complaints.first_contact",
    )
    assert deadline.started_at == MONDAY_10
    assert deadline.due_at == MONDAY_10 + minutes(30)
    assert deadline.state == Deadline.State.OPEN
    assert deadline.next_escalation_at == deadline.due_at
    assert deadline.ladder == [{"after": 0, "level": "owner"}]
    assert actions(subject) == ["deadline.opened"]
    event = Event.objects.get(action="deadline.opened")
    assert event.data["rule_key"] == "complaints.first_contact"
    assert event.data["deadline_id"] == deadline.pk


def test_it_uses_a_working_time_calendar_when_given_one(clock, subject, office):
    """X-5: 4 working hours from Friday 17:00 end on Monday at 12:00."""
    friday = MONDAY_10 + timedelta(days=4, hours=7)
    deadline = deadline_open(
        subject=subject,
        kind="complaint.first_contact",
        duration=timedelta(hours=4),
        start=friday,
        calendar=office,
    )
    assert deadline.due_at == MONDAY_10 + timedelta(days=7, hours=2)


def test_it_sorts_the_ladder_and_starts_it_with_the_breach(clock, subject):
    deadline = deadline_open(
        subject=subject,
        kind="k",
        duration=minutes(10),
        ladder=[
            {"after": timedelta(hours=4), "level": "group_leader"},
            {"after": 0, "level": "department_head"},
        ],
    )
    assert deadline.ladder == [
        {"after": 0, "level": "department_head"},
        {"after": 14400, "level": "group_leader"},
    ]


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"kind": ""}, "needs a kind"),
        ({"duration": timedelta(minutes=-1)}, "zero or more"),
        ({"ladder": [{"after": -5, "level": "x"}]}, "Step 1"),
        ({"ladder": [{"after": 5}]}, "Step 1"),
        ({"ladder": {"after": 5, "level": "x"}}, "must be a list"),
    ],
)
def test_it_refuses_a_bad_deadline(clock, subject, kwargs, message):
    args = {"subject": subject, "kind": "k", "duration": minutes(5)} | kwargs
    with pytest.raises(DeadlineError, match=message):
        deadline_open(**args)
    assert not Deadline.objects.exists()


def test_a_deadline_met_in_time_never_escalates(clock, subject, sent):
    deadline = deadline_open(subject=subject, kind="k", duration=minutes(30), owner=None)
    clock.shift(minutes(20))
    deadline_meet(deadline=deadline)
    assert deadline.state == Deadline.State.MET
    assert not deadline.met_late
    clock.shift(timedelta(days=3))
    assert sweep(now()).steps == 0
    deadline.refresh_from_db()
    assert deadline.state == Deadline.State.MET and deadline.breached_at is None
    assert actions(subject) == ["deadline.opened", "deadline.met"]
    assert Event.objects.get(action="deadline.met").data["late"] is False


def test_a_deadline_met_after_its_breach_is_met_late(clock, subject, sent, person_with):
    owner = person_with("complaint_handler")
    deadline = deadline_open(subject=subject, kind="k", duration=minutes(30), owner=owner)
    clock.shift(minutes(31))
    assert sweep(now()).counts["breached"] == 1
    clock.shift(minutes(30))
    deadline_meet(deadline=deadline)
    assert deadline.state == Deadline.State.MET
    assert deadline.met_late
    assert deadline.breached_at == MONDAY_10 + minutes(30)
    met = Event.objects.get(action="deadline.met")
    assert met.data["late"] is True
    assert met.data["overrun_seconds"] == 31 * 60


def test_meeting_late_before_the_sweep_still_records_the_breach(clock, subject, sent):
    """CMP-9: every breach has its "deadline.breached" event, even when the work was done
    between the due time and the next sweep."""
    deadline = deadline_open(subject=subject, kind="k", duration=minutes(30))
    clock.shift(minutes(30) + timedelta(seconds=20))
    deadline_meet(deadline=deadline)
    assert deadline.met_late
    assert actions(subject) == ["deadline.opened", "deadline.breached", "deadline.met"]
    assert Event.objects.get(action="deadline.breached").data["overrun_seconds"] == 20
    assert sent == []  # the work is done: nobody is chased
    assert sweep(now()).steps == 0


def test_pause_and_resume_move_the_due_time_on_the_wall_clock(clock, subject, sent):
    """Waiting on the customer does not count (DESIGN mechanism 2)."""
    deadline = deadline_open(subject=subject, kind="k", duration=minutes(30))
    clock.shift(minutes(10))
    deadline_pause(deadline=deadline, reason="等待客户确认")
    assert deadline.state == Deadline.State.PAUSED
    clock.shift(timedelta(hours=5))
    assert sweep(now()).steps == 0  # paused: nothing escalates
    deadline_resume(deadline=deadline)
    assert deadline.state == Deadline.State.OPEN
    assert deadline.due_at == MONDAY_10 + minutes(30) + timedelta(hours=5)
    assert deadline.paused_total == timedelta(hours=5)
    assert deadline.next_escalation_at == deadline.due_at
    assert actions(subject) == ["deadline.opened", "deadline.paused", "deadline.resumed"]
    assert Event.objects.get(action="deadline.paused").reason == "等待客户确认"


def test_pause_and_resume_count_working_time_on_a_calendar(clock, subject, office):
    """X-5: Monday 10:00 + 4 working hours = 15:30 (lunch skipped). Paused at 11:00 with 3
    working hours left and resumed on Tuesday at 10:00, those 3 hours run from then: due
    Tuesday 14:30. The pause counted 6.5 working hours (11–12, 13:30–18, 9–10)."""
    deadline = deadline_open(
        subject=subject, kind="k", duration=timedelta(hours=4), calendar=office
    )
    assert deadline.due_at == MONDAY_10 + timedelta(hours=5, minutes=30)
    clock.shift(timedelta(hours=1))
    deadline_pause(deadline=deadline, reason="waiting")
    clock.shift(timedelta(hours=23))
    deadline_resume(deadline=deadline)
    assert deadline.paused_total == timedelta(hours=6, minutes=30)
    assert deadline.due_at == MONDAY_10 + timedelta(days=1, hours=4, minutes=30)  # Tue 14:30


def test_a_deadline_paused_after_its_breach_keeps_its_overrun(clock, subject, sent):
    deadline = deadline_open(
        subject=subject,
        kind="k",
        duration=minutes(30),
        ladder=[{"after": 0, "level": "owner"}, {"after": 3600, "level": "group_leader"}],
    )
    clock.shift(minutes(50))
    sweep(now())
    deadline_pause(deadline=deadline, reason="customer away")
    clock.shift(timedelta(hours=3))
    assert sweep(now()).steps == 0
    deadline_resume(deadline=deadline)
    assert deadline.state == Deadline.State.BREACHED
    assert deadline.overrun(now()) == minutes(20)
    # 40 more minutes of overrun reach the second step.
    clock.shift(minutes(39))
    assert sweep(now()).steps == 0
    clock.shift(minutes(1))
    assert sweep(now()).counts["escalated"] == 1


def test_a_cancelled_deadline_stops_escalating(clock, subject, sent):
    deadline = deadline_open(
        subject=subject,
        kind="k",
        duration=minutes(30),
        ladder=[{"after": 0, "level": "owner"}, {"after": 3600, "level": "chairman"}],
    )
    clock.shift(minutes(31))
    assert sweep(now()).steps == 1
    deadline_cancel(deadline=deadline, reason="投诉不成立")
    clock.shift(timedelta(days=1))
    assert sweep(now()).steps == 0
    deadline.refresh_from_db()
    assert deadline.state == Deadline.State.CANCELLED
    assert deadline.escalation_step == 1
    assert deadline.next_escalation_at is None


@pytest.mark.parametrize(
    "first,then,message",
    [
        ("meet", "meet", "is Met; it cannot be met"),
        ("meet", "pause", "cannot be paused"),
        ("cancel", "resume", "cannot be resumed"),
        (None, "resume", "is Open; it cannot be resumed"),
        ("cancel", "cancel", "cannot be cancelled"),
    ],
)
def test_it_refuses_an_invalid_transition(clock, subject, first, then, message):
    deadline = deadline_open(subject=subject, kind="k", duration=minutes(30))
    calls = {
        "meet": lambda: deadline_meet(deadline=deadline),
        "pause": lambda: deadline_pause(deadline=deadline, reason="r"),
        "resume": lambda: deadline_resume(deadline=deadline),
        "cancel": lambda: deadline_cancel(deadline=deadline, reason="r"),
    }
    if first:
        calls[first]()
    with pytest.raises(DeadlineError, match=message):
        calls[then]()


def test_pause_and_cancel_need_a_reason(clock, subject):
    deadline = deadline_open(subject=subject, kind="k", duration=minutes(30))
    with pytest.raises(DeadlineError, match="Say why"):
        deadline_pause(deadline=deadline, reason=" ")
    with pytest.raises(DeadlineError, match="Say why"):
        deadline_cancel(deadline=deadline, reason="")


def test_it_lists_the_deadlines_of_a_subject(clock, subject, unit, company):
    from pinzhi.orgs.tests.factories import UnitFactory

    other = UnitFactory(company=company)
    first = deadline_open(subject=subject, kind="a", duration=minutes(30))
    second = deadline_open(subject=subject, kind="b", duration=minutes(10))
    deadline_open(subject=other, kind="a", duration=minutes(10))
    assert list(deadlines_for(subject)) == [first, second]
