"""X-5: working-time arithmetic — nights, weekends, holidays, make-up days, time zones."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from pinzhi.deadlines.calendars import calendar_add, calendar_elapsed, periods_parse
from pinzhi.deadlines.models import Calendar, CalendarDay

SH = ZoneInfo("Asia/Shanghai")


def sh(*args):
    return datetime(*args, tzinfo=SH)


def h(n):
    return timedelta(hours=n)


def m(n):
    return timedelta(minutes=n)


def test_it_adds_wall_clock_time_without_a_calendar():
    """X-5: the wall clock is the default — nights and Sundays count."""
    start = sh(2026, 3, 7, 23, 30)  # a Saturday night
    assert calendar_add(None, start, h(4)) == sh(2026, 3, 8, 3, 30)
    assert calendar_elapsed(None, start, sh(2026, 3, 8, 3, 30)) == h(4)


@pytest.mark.parametrize(
    "start,duration,due",
    [
        # inside the morning period
        (sh(2026, 3, 2, 10, 0), m(30), sh(2026, 3, 2, 10, 30)),
        # across lunch
        (sh(2026, 3, 2, 11, 30), h(1), sh(2026, 3, 2, 14, 0)),
        # ends exactly at the end of a period: stays there
        (sh(2026, 3, 2, 11, 0), h(1), sh(2026, 3, 2, 12, 0)),
        # across the night
        (sh(2026, 3, 2, 17, 0), h(2), sh(2026, 3, 3, 10, 0)),
        # starts before opening
        (sh(2026, 3, 2, 6, 0), m(10), sh(2026, 3, 2, 9, 10)),
        # starts at lunch
        (sh(2026, 3, 2, 12, 40), m(10), sh(2026, 3, 2, 13, 40)),
        # starts in the evening
        (sh(2026, 3, 2, 20, 0), h(4), sh(2026, 3, 3, 14, 30)),
        # Friday afternoon across the weekend
        (sh(2026, 3, 6, 17, 0), h(4), sh(2026, 3, 9, 12, 0)),
        # starts on a Sunday
        (sh(2026, 3, 8, 15, 0), m(30), sh(2026, 3, 9, 9, 30)),
        # two working days of 7.5 h from Monday 10:00
        (sh(2026, 3, 2, 10, 0), h(15), sh(2026, 3, 4, 10, 0)),
        # zero duration: the start itself, even outside working hours
        (sh(2026, 3, 8, 15, 0), timedelta(0), sh(2026, 3, 8, 15, 0)),
    ],
)
def test_it_adds_working_time(office, start, duration, due):
    """X-5: working time skips nights, lunch and weekends."""
    assert calendar_add(office, start, duration) == due
    assert calendar_elapsed(office, start, due) == duration


def test_it_skips_holidays_and_counts_make_up_days(office):
    """X-5: 1–5 May 2026 are off, Saturday 9 May is a working day."""
    # Thursday 30 April 17:00 + 2 h → Wednesday 6 May 10:00.
    assert calendar_add(office, sh(2026, 4, 30, 17, 0), h(2)) == sh(2026, 5, 6, 10, 0)
    # Friday 8 May 17:30 + 1 h → Saturday 9 May 09:30 (make-up day, Monday's hours).
    assert calendar_add(office, sh(2026, 5, 8, 17, 30), h(1)) == sh(2026, 5, 9, 9, 30)
    # Saturday 9 May 17:30 + 1 h → Monday 11 May 09:30 (Sunday still off).
    assert calendar_add(office, sh(2026, 5, 9, 17, 30), h(1)) == sh(2026, 5, 11, 9, 30)
    # No working time at all over the holiday.
    assert calendar_elapsed(office, sh(2026, 5, 1, 0, 0), sh(2026, 5, 6, 0, 0)) == timedelta(0)


def test_it_handles_a_start_given_in_utc(office):
    """Stored times are UTC; working hours are read in the calendar's zone (DESIGN 6)."""
    start = datetime(2026, 3, 2, 1, 0, tzinfo=ZoneInfo("UTC"))  # 09:00 Shanghai
    assert calendar_add(office, start, h(3)) == sh(2026, 3, 2, 12, 0)


def test_it_uses_the_calendars_own_time_zone(db):
    calendar = Calendar.objects.create(code="berlin", name="Berlin", time_zone="Europe/Berlin")
    start = sh(2026, 3, 2, 15, 0)  # 08:00 in Berlin
    assert calendar_add(calendar, start, h(1)) == datetime(
        2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Berlin")
    )


# Ordinary parametrised checks of the properties hypothesis would test: add and elapsed
# are inverse, and adding in two parts equals adding at once.
STARTS = [
    sh(2026, 3, 2, 8, 59),
    sh(2026, 3, 6, 17, 59),
    sh(2026, 4, 30, 12, 0),
    sh(2026, 5, 8, 23, 0),
    sh(2026, 5, 9, 13, 45),
    sh(2026, 12, 31, 18, 0),
]
DURATIONS = [m(1), m(59), h(3), h(7) + m(30), h(20), timedelta(days=3)]


@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize("duration", DURATIONS)
def test_adding_and_measuring_are_inverse(office, start, duration):
    due = calendar_add(office, start, duration)
    assert due > start
    assert calendar_elapsed(office, start, due) == duration


@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize("first,second", [(m(1), h(3)), (h(2), h(7) + m(30)), (h(8), m(30))])
def test_adding_in_two_parts_equals_adding_at_once(office, start, first, second):
    assert calendar_add(office, calendar_add(office, start, first), second) == calendar_add(
        office, start, first + second
    )


def test_it_refuses_a_calendar_without_working_time(db):
    calendar = Calendar.objects.create(code="never", name="Never", hours={})
    with pytest.raises(ValueError, match="no working time"):
        calendar_add(calendar, sh(2026, 3, 2, 9, 0), h(1))


@pytest.mark.parametrize(
    "text,expected",
    [
        ("09:00-12:00, 13:30-18:00", [["09:00", "12:00"], ["13:30", "18:00"]]),
        ("13:30-18:00，9:00 - 12:00", [["09:00", "12:00"], ["13:30", "18:00"]]),
        ("00:00-24:00", [["00:00", "24:00"]]),
        ("", []),
    ],
)
def test_it_parses_working_periods(text, expected):
    assert periods_parse(text) == expected


@pytest.mark.parametrize(
    "text,message",
    [
        ("9-12", "HH:MM-HH:MM"),
        ("12:00-09:00", "later than the start"),
        ("09:00-12:00, 11:00-13:00", "overlap"),
        ("09:75-12:00", "HH:MM-HH:MM"),
    ],
)
def test_it_explains_a_bad_working_period(text, message):
    with pytest.raises(ValidationError) as error:
        periods_parse(text)
    assert message in str(error.value)


def test_a_round_the_clock_calendar_matches_the_wall_clock(db):
    calendar = Calendar.objects.create(
        code="24h", name="24 h", hours={str(d): [["00:00", "24:00"]] for d in range(7)}
    )
    start = sh(2026, 3, 7, 23, 30)
    assert calendar_add(calendar, start, h(30)) == start + h(30)
    CalendarDay.objects.create(calendar=calendar, date=sh(2026, 3, 8, 0, 0).date(), kind="holiday")
    assert calendar_add(calendar, start, h(1)) == sh(2026, 3, 9, 0, 30)
