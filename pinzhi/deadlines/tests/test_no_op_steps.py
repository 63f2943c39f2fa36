"""A step that changes nothing is not recorded as a change (issue 8 item 2): asked to set what
is already set, a deadline or calendar service refuses with its reason, or returns without an
event when repeating is harmless."""

from datetime import timedelta

import pytest
import time_machine

from pinzhi.deadlines import services
from pinzhi.deadlines.services import CalendarError, DeadlineError
from pinzhi.timeline.models import Event

START = "2026-11-23 10:00 +0800"
RULE = "complaints.general_resolution"


@pytest.fixture
def deadline(unit):
    with time_machine.travel(START, tick=False):
        return services.deadline_open(
            subject=unit, kind="test.contact", duration=timedelta(minutes=30)
        )


def test_it_refuses_to_extend_a_deadline_to_the_time_it_already_allows(deadline):
    """Issue 8 item 2: extending to the same allowed time (the same due time) is refused
    with the due time it keeps, and no second "extended" event is written."""
    with time_machine.travel(START, tick=False) as traveller:
        traveller.shift(timedelta(minutes=10))
        services.deadline_extend(deadline=deadline, duration=timedelta(hours=4), reason="出差")
        traveller.shift(timedelta(minutes=10))
        with pytest.raises(DeadlineError) as refusal:
            services.deadline_extend(deadline=deadline, duration=timedelta(hours=4), reason="再次")
    assert refusal.value.status == 422
    assert refusal.value.field == "duration"
    assert "14:00" in str(refusal.value.reason)
    assert Event.objects.filter(action="deadline.extended").count() == 1


def test_it_refuses_to_choose_the_calendar_a_rule_already_counts_on(company):
    """Issue 8 item 2: choosing the same calendar for a rule again is refused (409, about the
    calendar) and records nothing; so is choosing the wall clock where it already applies."""
    office = services.calendar_create(company=company, code="office", name="办公")
    services.rule_calendar_set(company=company, pack="property", rule_key=RULE, calendar=office)
    events = Event.objects.count()

    with pytest.raises(CalendarError) as refusal:
        services.rule_calendar_set(company=company, pack="property", rule_key=RULE, calendar=office)
    assert (refusal.value.status, refusal.value.field) == (409, "calendar")
    with pytest.raises(CalendarError):
        services.rule_calendar_set(company=company, pack="property", rule_key="x.y", calendar=None)
    assert Event.objects.count() == events


def test_saving_a_calendar_unchanged_records_no_change(company):
    """Issue 8 item 2: saving the calendar form without changing anything is harmless: it
    returns the calendar and writes no "updated" event."""
    office = services.calendar_create(company=company, code="office", name="办公")
    services.calendar_update(calendar=office, name="办公", time_zone=office.time_zone)
    services.calendar_update(calendar=office, hours=dict(office.hours))
    assert not Event.objects.filter(action="calendar.updated").exists()
    services.calendar_update(calendar=office, name="总部办公")
    assert Event.objects.filter(action="calendar.updated").count() == 1
