"""DESIGN mechanism 2, X-3: the sweep breaches and escalates each deadline exactly once per
step of its ladder, telling the people of each level."""

from collections import Counter
from datetime import timedelta

import pytest

from pinzhi.deadlines import sweep as sweep_module
from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.services import deadline_meet, deadline_open
from pinzhi.deadlines.sweep import sweep
from pinzhi.deadlines.tests.conftest import MONDAY_10, minutes
from pinzhi.lib.clock import now
from pinzhi.notify.models import Notification
from pinzhi.timeline.models import Event

LADDER = [
    {"after": 0, "level": "department_head"},
    {"after": 3600, "level": "group_leader"},
    {"after": 4 * 3600, "level": "chairman"},
]


def steps_recorded():
    """(deadline id, step) of every breach/escalation event, counted."""
    events = Event.objects.filter(action__in=["deadline.breached", "deadline.escalated"])
    return Counter((e.data["deadline_id"], e.data["step"]) for e in events)


@pytest.fixture
def people(person_with, resolvers):
    """A handler owning the deadlines and one person per ladder level, resolved by a hook."""
    cast = {
        "owner": person_with("complaint_handler", username="handler"),
        "department_head": person_with("department_manager", username="head"),
        "group_leader": person_with("leadership", username="leader"),
        "chairman": person_with("leadership", username="chairman"),
    }
    resolvers("complaint", lambda deadline, level: [cast[level]])
    return cast


def test_it_breaches_a_deadline_at_its_due_time_and_tells_the_owner(clock, subject, person_with):
    """X-3: the owner is told when nobody registered a resolver for the kind."""
    owner = person_with("complaint_handler")
    deadline = deadline_open(
        subject=subject, kind="report.monthly", duration=minutes(30), owner=owner
    )
    clock.shift(minutes(29))
    assert sweep(now()).steps == 0
    clock.shift(minutes(1))
    result = sweep(now())
    assert result.counts == {"breached": 1, "escalated": 0, "lost": 0, "failed": 0}
    deadline.refresh_from_db()
    assert deadline.state == Deadline.State.BREACHED
    assert deadline.breached_at == MONDAY_10 + minutes(30)
    assert deadline.escalation_step == 1
    assert deadline.next_escalation_at is None
    event = Event.objects.get(action="deadline.breached")
    assert event.object_id == str(subject.pk)  # on the SUBJECT's timeline
    assert event.data == {
        "kind": "report.monthly",
        "deadline_id": deadline.pk,
        "rule_key": "",
        "due_at": deadline.due_at.isoformat(),
        "overrun_seconds": 0,
        "step": 1,
        "level": "owner",
    }
    notification = Notification.objects.get()
    assert notification.recipient == owner
    assert notification.kind == "deadline.breached"
    assert notification.data["deadline_id"] == deadline.pk


def test_it_climbs_the_ladder_one_step_at_each_overrun(clock, subject, people):
    """CMP-4, CMP-7: department head at the breach, group leader after an hour, chairman
    after four; each told once, however often the sweep runs."""
    deadline = deadline_open(
        subject=subject,
        kind="complaint.first_contact",
        duration=minutes(30),
        ladder=LADDER,
        owner=people["owner"],
    )
    taken = []
    for _ in range(6 * 60):  # every minute for six hours
        clock.shift(minutes(1))
        result = sweep(now())
        if result.steps:
            taken.append(
                (now() - deadline.due_at, result.counts["breached"], result.counts["escalated"])
            )
    assert taken == [
        (timedelta(0), 1, 0),
        (timedelta(hours=1), 0, 1),
        (timedelta(hours=4), 0, 1),
    ]
    assert steps_recorded() == {(deadline.pk, 1): 1, (deadline.pk, 2): 1, (deadline.pk, 3): 1}
    told = list(Notification.objects.order_by("id").values_list("recipient__username", "kind"))
    assert told == [
        ("head", "deadline.breached"),
        ("leader", "deadline.escalated"),
        ("chairman", "deadline.escalated"),
    ]
    deadline.refresh_from_db()
    assert deadline.escalation_step == 3 and deadline.next_escalation_at is None


def test_a_sweep_after_an_outage_takes_every_missed_step_once(clock, subject, people):
    deadline = deadline_open(
        subject=subject, kind="complaint.first_contact", duration=minutes(30), ladder=LADDER
    )
    clock.shift(timedelta(days=1))
    assert sweep(now()).counts == {"breached": 1, "escalated": 2, "lost": 0, "failed": 0}
    assert sweep(now()).steps == 0
    assert steps_recorded() == {(deadline.pk, 1): 1, (deadline.pk, 2): 1, (deadline.pk, 3): 1}
    assert Notification.objects.count() == 3


def test_a_failing_hook_delays_only_its_own_step(clock, subject, unit, people, resolvers):
    """One broken resolver does not stop the sweep; its step is taken on a later run."""
    broken = {"on": True}

    def resolve(deadline, level):
        if broken["on"]:
            raise RuntimeError("directory unavailable")
        return [people["department_head"]]

    resolvers("inspection", resolve)
    bad = deadline_open(
        subject=subject, kind="inspection.rectify", duration=minutes(10), ladder=LADDER[:1]
    )
    good = deadline_open(subject=unit, kind="complaint.first_contact", duration=minutes(20))
    clock.shift(minutes(30))
    assert sweep(now()).counts == {"breached": 1, "escalated": 0, "lost": 0, "failed": 1}
    bad.refresh_from_db()
    assert bad.state == Deadline.State.OPEN and bad.escalation_step == 0
    assert steps_recorded() == {(good.pk, 1): 1}
    broken["on"] = False
    assert sweep(now()).counts["breached"] == 1
    assert steps_recorded() == {(good.pk, 1): 1, (bad.pk, 1): 1}


def test_a_stale_claim_takes_nothing(clock, subject, people):
    """A sweep holding an old copy of a deadline met meanwhile loses the claim."""
    deadline = deadline_open(subject=subject, kind="complaint.first_contact", duration=minutes(5))
    stale = Deadline.objects.get(pk=deadline.pk)
    clock.shift(minutes(6))
    deadline_meet(deadline=deadline)
    events = Event.objects.count()
    assert sweep_module._take_step(stale, now()) is False
    assert Event.objects.count() == events


class Crash(BaseException):
    """Stands for the process being killed: not an Exception, so nothing catches it."""


def test_a_sweep_restarted_after_a_crash_repeats_and_loses_no_step(
    clock, subject, unit, company, people, monkeypatch
):
    """DESIGN mechanism 2, issue 9 item 5: kill the sweep while it writes the notifications
    of its second batch, run it again: the batch in flight rolled back whole, and every step
    of every deadline is recorded and notified exactly once."""
    from pinzhi.orgs.tests.factories import UnitFactory

    subjects = [UnitFactory(company=company) for _ in range(4)]
    deadlines = [
        deadline_open(
            subject=s,
            kind="complaint.first_contact",
            duration=minutes(30) + timedelta(seconds=n),
            ladder=LADDER,
        )
        for n, s in enumerate(subjects)
    ]
    real_notify_many = sweep_module._notify_many
    calls = {"n": 0}

    def notify_then_crash(messages):
        calls["n"] += 1
        if calls["n"] == 2:
            raise Crash
        real_notify_many(messages)

    monkeypatch.setattr(sweep_module, "_notify_many", notify_then_crash)
    clock.shift(timedelta(hours=5))
    with pytest.raises(Crash):
        sweep(now(), batch_size=2)
    done = sum(steps_recorded().values())
    assert done == 6  # the first batch: 2 deadlines × 3 steps; the second rolled back
    assert Notification.objects.count() == 6
    monkeypatch.setattr(sweep_module, "_notify_many", real_notify_many)
    result = sweep(now())
    assert result.steps == 12 - 6
    expected = {(d.pk, step): 1 for d in deadlines for step in (1, 2, 3)}
    assert steps_recorded() == expected
    assert Notification.objects.count() == 12
    assert Counter(Notification.objects.values_list("kind", flat=True)) == {
        "deadline.breached": 4,
        "deadline.escalated": 8,
    }


def test_the_clock_runs_the_sweep_task_every_minute():
    from pinzhi.core.clock import periodic_jobs
    from pinzhi.deadlines.tasks import sweep_deadlines

    job = periodic_jobs["deadlines.sweep"]
    assert job.task is sweep_deadlines
    assert job.every == timedelta(minutes=1)


def test_the_sweep_task_sweeps(clock, subject, people):
    from pinzhi.deadlines.tasks import sweep_deadlines

    deadline_open(subject=subject, kind="complaint.first_contact", duration=minutes(1))
    clock.shift(minutes(2))
    assert sweep_deadlines.call()["breached"] == 1
