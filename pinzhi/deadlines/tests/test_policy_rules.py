"""DESIGN mechanism 1, X-5: the allowed time comes from the policy pack, and the calendar
it counts on is chosen per rule (the wall clock by default)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pinzhi.deadlines.services import (
    DeadlineError,
    deadline_open_for_rule,
    rule_calendar_set,
    rule_duration,
)
from pinzhi.deadlines.tests.conftest import MONDAY_10
from pinzhi.policy import services as policy_services
from pinzhi.policy.selectors import rule_cache_clear

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def pack(db):
    rule_cache_clear()
    policy_services.pack_load(code="property")
    yield "property"
    rule_cache_clear()


def test_it_takes_the_first_contact_limit_from_the_pack(clock, subject, pack):
    """CMP-4: the department head contacts the customer within 30 minutes."""
    deadline = deadline_open_for_rule(
        subject=subject,
        kind="complaint.first_contact",
        rule_key="complaints.first_contact",
        pack=pack,
    )
    assert deadline.duration == timedelta(minutes=30)
    assert deadline.due_at == MONDAY_10 + timedelta(minutes=30)
    assert deadline.rule_key == "complaints.first_contact"
    assert deadline.calendar is None


def test_a_range_counts_to_its_upper_end(clock, subject, pack):
    """CMP-4: the complainant gets an answer within 1–3 days: due after 3 days."""
    deadline = deadline_open_for_rule(
        subject=subject,
        kind="complaint.answer",
        rule_key="complaints.answer_complainant",
        pack=pack,
    )
    assert deadline.due_at == MONDAY_10 + timedelta(days=3)


def test_same_day_means_by_the_end_of_that_day(clock, subject, pack):
    """CMP-5: the callback is made on the day the solution is completed (0 = same day)."""
    deadline = deadline_open_for_rule(
        subject=subject,
        kind="complaint.callback",
        rule_key="complaints.callback_deadline",
        pack=pack,
    )
    assert deadline.due_at == datetime(2026, 3, 3, 0, 0, tzinfo=SH)


def test_a_rule_can_count_on_a_working_time_calendar(clock, subject, pack, office):
    """X-5: resolution within 2 days counts 2 working days once the quality department sets
    the rule on the office calendar: from Monday 10:00 to Wednesday 10:00."""
    rule_calendar_set(
        pack=pack, rule_key="complaints.general_resolution", calendar=office, company=None
    )
    deadline = deadline_open_for_rule(
        subject=subject,
        kind="complaint.resolve",
        rule_key="complaints.general_resolution",
        pack=pack,
    )
    assert deadline.calendar == office
    assert deadline.duration == timedelta(hours=15)  # 2 × 7.5 working hours
    assert deadline.due_at == MONDAY_10 + timedelta(days=2)


def test_it_refuses_a_value_that_is_not_a_time_limit():
    with pytest.raises(DeadlineError):
        rule_duration("thirty", start=MONDAY_10)
