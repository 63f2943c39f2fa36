"""Schedules as RFC 5545 recurrence rules, materialised ahead as tasks exactly once (INS-1,
INS-2, INS-3) and never given to an inspector of the unit (INS-6)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from pinzhi.deadlines.models import Deadline
from pinzhi.inspections import planning
from pinzhi.inspections.models import Inspection, SamplingDraw, Schedule
from pinzhi.inspections.sampling import draw_rerun
from pinzhi.inspections.tests.factories import template_published
from pinzhi.orgs.tests.factories import UnitFactory
from pinzhi.timeline.models import Event

SH = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 12, 1, 9, 0, tzinfo=SH)


@pytest.fixture
def estates(company, unit):
    return [
        UnitFactory(company=company, code=f"E{n}", name=f"小区{n}", parent=None)
        for n in range(1, 4)
    ]


@pytest.fixture
def inspector(person_with, unit):
    return person_with("inspector", unit=unit)


def _schedule(company, units, *, rrule="FREQ=DAILY", inspector=None, **kwargs):
    version = kwargs.pop("version", None) or template_published(company)
    return planning.schedule_create(
        company=company,
        title="日检",
        template=version.template,
        rrule=rrule,
        starts_at=kwargs.pop("starts_at", START),
        units=units,
        due_within=kwargs.pop("due_within", timedelta(hours=8)),
        actor=None,
        inspector=inspector,
        **kwargs,
    )


def test_a_daily_rule_stays_at_nine_local_time(company):
    """INS-1: DTSTART in Asia/Shanghai; every occurrence keeps 09:00 local."""
    schedule = Schedule(rrule="FREQ=DAILY", starts_at=START)
    found = planning.occurrences(schedule, start=START, end=START + timedelta(days=40))
    assert len(found) == 40
    assert {m.astimezone(SH).hour for m in found} == {9}
    assert {m.utcoffset() for m in found} == {timedelta(hours=8)}


def test_a_monthly_rule_on_the_31st_skips_short_months_and_the_last_day_rule_does_not():
    """INS-1: RFC 5545 month ends (BYMONTHDAY=31 skips; BYMONTHDAY=-1 is every month's last)."""
    start = datetime(2027, 1, 31, 10, 0, tzinfo=SH)
    end = datetime(2027, 6, 1, tzinfo=SH)
    on_31 = planning.occurrences(
        Schedule(rrule="FREQ=MONTHLY;BYMONTHDAY=31", starts_at=start), start=start, end=end
    )
    assert [m.date().isoformat() for m in on_31] == ["2027-01-31", "2027-03-31", "2027-05-31"]
    last = planning.occurrences(
        Schedule(rrule="FREQ=MONTHLY;BYMONTHDAY=-1", starts_at=start), start=start, end=end
    )
    assert [m.day for m in last] == [31, 28, 31, 30, 31]
    assert {m.hour for m in last} == {10}


def test_a_quarterly_rule_recurs_every_three_months():
    start = datetime(2027, 1, 10, 9, 0, tzinfo=SH)
    found = planning.occurrences(
        Schedule(rrule="FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=10", starts_at=start),
        start=start,
        end=datetime(2028, 1, 1, tzinfo=SH),
    )
    assert [m.month for m in found] == [1, 4, 7, 10]


@pytest.mark.parametrize(
    "rule", ["FREQ=FORTNIGHTLY", "BYDAY=MO", "FREQ=WEEKLY;BYDAY=XX", "hello", ""]
)
def test_it_refuses_a_rule_that_is_not_one(company, estates, rule):
    with pytest.raises(planning.PlanningError) as refused:
        _schedule(company, estates, rrule=rule)
    assert refused.value.field == "rrule"
    assert not Schedule.objects.exists()


def test_it_refuses_a_rule_more_often_than_daily(company, estates):
    with pytest.raises(planning.PlanningError) as refused:
        _schedule(company, estates, rrule="FREQ=HOURLY")
    assert refused.value.field == "rrule"


@time_machine.travel(START - timedelta(days=1), tick=False)
def test_materialising_twice_makes_each_task_once(company, estates, property_pack):
    """INS-1: the window is materialised exactly once however often it runs."""
    schedule = _schedule(company, estates)
    # Now 2026-11-30 09:00, the window 30 days: 2026-12-01 … 12-29 at 09:00.
    window = 29 * len(estates)
    assert Inspection.objects.filter(schedule=schedule).count() == window
    assert planning.schedule_materialise(schedule=schedule) == 0
    assert planning.schedules_materialise_due()["tasks"] == 0
    assert Inspection.objects.filter(schedule=schedule).count() == window
    with time_machine.travel(START + timedelta(days=1), tick=False):
        made = planning.schedules_materialise_due()["tasks"]
    assert made == 2 * len(estates)
    keys = list(Inspection.objects.values_list("unit_id", "occurrence"))
    assert len(keys) == len(set(keys))


@time_machine.travel(START - timedelta(days=1), tick=False)
def test_each_task_is_due_with_its_deadline(company, estates, inspector, property_pack):
    """INS-1: a task per occurrence and unit, due `due_within` after it, with its
    "inspection.due" deadline owned by the inspector; classification copied."""
    schedule = _schedule(
        company, estates, inspector=inspector, is_announced=False, is_surprise=True
    )
    task = Inspection.objects.filter(schedule=schedule).order_by("occurrence", "unit_id").first()
    assert task.occurrence == START
    assert task.due_at == START + timedelta(hours=8)
    assert task.inspector == inspector
    assert task.is_announced is False and task.is_surprise is True
    deadline = Deadline.objects.get(object_id=str(task.pk), kind="inspection.due")
    assert deadline.due_at == task.due_at and deadline.owner == inspector
    assert Event.objects.filter(action="deadline.opened", object_id=str(task.pk)).exists()


@time_machine.travel(START - timedelta(days=1), tick=False)
def test_a_sampling_schedule_draws_per_occurrence_reproducibly(company, property_pack):
    """INS-3: each occurrence draws ⌈p·N⌉ units with its own recorded seed."""
    units = [UnitFactory(company=company) for _ in range(10)]
    schedule = _schedule(company, units, rrule="FREQ=WEEKLY;BYDAY=TU", sample_percent=25)
    draws = list(SamplingDraw.objects.filter(schedule=schedule))
    assert len(draws) == 5  # Tuesdays in the next 30 days from 2026-11-30
    for draw in draws:
        assert len(draw.drawn) == 3
        assert draw_rerun(draw) == draw.drawn
        drawn = set(Inspection.objects.filter(draw=draw).values_list("unit_id", flat=True))
        assert drawn == set(draw.drawn)


def test_an_inspector_is_never_given_their_own_unit(company, unit, estates, inspector):
    """INS-6: an inspector belonging to a unit (or above it) is refused on the schedule."""
    below = UnitFactory(company=company, parent=unit, code="KF1", name="客服一组")
    with pytest.raises(planning.PlanningError) as refused:
        _schedule(company, [estates[0], below], inspector=inspector)
    assert refused.value.field == "inspector"
    assert "INS-6" in str(refused.value.reason)
    assert not Schedule.objects.exists()


@time_machine.travel(START - timedelta(days=1), tick=False)
def test_re_assigning_a_task_to_an_inspector_of_the_unit_is_refused(
    company, estates, person_with, property_pack
):
    """INS-6: re-assignment to a person of the unit is refused; to another one moves the
    deadline."""
    schedule = _schedule(company, estates[:1])
    task = Inspection.objects.filter(schedule=schedule).first()
    insider = person_with("inspector", unit=estates[0])
    with pytest.raises(planning.PlanningError) as refused:
        planning.task_assign(task=task, inspector=insider, actor=None)
    assert refused.value.field == "inspector"
    outsider = person_with("inspector")
    planning.task_assign(task=task, inspector=outsider, actor=None)
    task.refresh_from_db()
    assert task.inspector == outsider
    deadline = Deadline.objects.get(object_id=str(task.pk), kind="inspection.due")
    assert deadline.owner == outsider


@time_machine.travel(START - timedelta(days=1), tick=False)
def test_cancelling_a_task_cancels_its_deadline_and_needs_a_reason(company, estates, property_pack):
    schedule = _schedule(company, estates[:1])
    task = Inspection.objects.filter(schedule=schedule).first()
    with pytest.raises(planning.PlanningError):
        planning.task_cancel(task=task, actor=None, reason=" ")
    planning.task_cancel(task=task, actor=None, reason="停水，改期")
    task.refresh_from_db()
    assert task.status == Inspection.Status.CANCELLED
    deadline = Deadline.objects.get(object_id=str(task.pk), kind="inspection.due")
    assert deadline.state == Deadline.State.CANCELLED
    with pytest.raises(planning.PlanningError):
        planning.task_cancel(task=task, actor=None, reason="again")


@time_machine.travel(START - timedelta(days=1), tick=False)
def test_stopping_a_schedule_cancels_its_tasks_not_started(company, estates, property_pack):
    schedule = _schedule(company, estates[:1], rrule="FREQ=WEEKLY;BYDAY=MO")
    count = planning.schedule_stop(schedule=schedule, actor=None, reason="合同到期")
    assert count == Inspection.objects.filter(status="cancelled").count() > 0
    assert planning.schedule_materialise(schedule=schedule) == 0


@time_machine.travel(START - timedelta(days=1), tick=False)
def test_the_schedule_form_builds_the_rule_from_the_pack(
    company, estates, signed_in, property_pack
):
    """INS-1: the form builds the frequency from the pack's rule (weekly check → weekly)."""
    version = template_published(company)
    client = signed_in("quality_department")
    response = client.post(
        "/inspections/plans/schedules/new/",
        {
            "title": "部门经理周检",
            "template": version.template.pk,
            "units": [u.pk for u in estates],
            "rule_key": "inspections.department_manager_check",
            "frequency": "rule",
            "starts_at": "2026-12-01T09:00",
            "due_hours": "24",
            "kind": "routine",
            "is_announced": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    schedule = Schedule.objects.get()
    assert schedule.rrule == "FREQ=WEEKLY;BYDAY=MO"
    assert schedule.rule_key == "inspections.department_manager_check"
    assert schedule.inspections.count() == 4 * len(estates)  # Mondays until 12-30


def test_the_schedule_form_shows_a_bad_rule_beside_its_field(company, estates, signed_in):
    version = template_published(company)
    client = signed_in("quality_department")
    response = client.post(
        "/inspections/plans/schedules/new/",
        {
            "title": "x",
            "template": version.template.pk,
            "units": [estates[0].pk],
            "frequency": "custom",
            "rrule": "FREQ=SOMETIMES",
            "starts_at": "2026-12-01T09:00",
            "due_hours": "24",
            "kind": "routine",
        },
    )
    assert response.status_code == 400
    assert "FREQ=SOMETIMES" in response.content.decode()
    assert not Schedule.objects.exists()


@time_machine.travel(START - timedelta(days=1), tick=False)
def test_the_pages_list_schedules_and_tasks_and_refuse_an_insider(
    company, estates, signed_in, person_with, property_pack
):
    """INS-1, INS-6: the lists render (filters that do not validate are shown, not a 500);
    re-assigning to a person of the unit is refused on the page with the reason."""
    schedule = _schedule(company, estates[:2])
    client = signed_in("quality_department")
    assert client.get("/inspections/plans/schedules/").status_code == 200
    page = client.get(f"/inspections/plans/schedules/{schedule.pk}/")
    assert page.status_code == 200 and "FREQ=DAILY" in page.content.decode()
    listed = client.get("/inspections/plans/tasks/", {"unit": estates[0].pk, "overdue": "on"})
    assert listed.status_code == 200
    bad = client.get("/inspections/plans/tasks/", {"due_from": "not a date", "unit": "x"})
    assert bad.status_code == 200
    task = schedule.inspections.filter(unit=estates[0]).first()
    insider = person_with("inspector", unit=estates[0])
    refused = client.post(f"/inspections/plans/tasks/{task.pk}/assign/", {"inspector": insider.pk})
    assert refused.status_code == 422
    assert "INS-6" in refused.content.decode()
    task.refresh_from_db()
    assert task.inspector is None
    cancelled = client.post(f"/inspections/plans/tasks/{task.pk}/cancel/", {"reason": "改期"})
    assert cancelled.status_code == 302
    task.refresh_from_db()
    assert task.status == "cancelled"
