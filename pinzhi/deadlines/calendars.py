"""Working-time arithmetic (X-5): adding working time to a moment and measuring the working
time between two moments, in a calendar's time zone, skipping nights, weekends and
holidays and counting make-up working days. `calendar=None` means the wall clock.
"""

import re
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pinzhi.deadlines.models import WEEKDAYS, Calendar, CalendarDay

NO_WORKING_TIME = _(
    "The calendar “%(calendar)s” has no working time in the year after %(date)s, so no "
    "working time can be added."
)
PERIOD_FORMAT = _(
    "“%(text)s” is not a working period: write start and end as HH:MM-HH:MM, e.g. 09:00-12:00."
)
PERIOD_ORDER = _("In “%(text)s” the end must be later than the start.")
PERIOD_OVERLAP = _("The periods “%(first)s” and “%(second)s” overlap.")
NEGATIVE_DURATION = _("A duration cannot be negative.")

# A year of days with no working time means the calendar cannot ever reach a due time.
_MAX_EMPTY_DAYS = 400
_PERIOD = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~至到]\s*(\d{1,2}):(\d{2})\s*$")

Periods = list[tuple[int, int]]  # minutes after local midnight: [(540, 720), (810, 1080)]


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def periods_parse(text: str) -> list[list[str]]:
    """Parse "09:00-12:00, 13:30-18:00" into [["09:00", "12:00"], ["13:30", "18:00"]],
    sorted; an empty text is a day off. Raises ValidationError naming the bad period."""
    result: list[tuple[int, int]] = []
    for part in [p for p in re.split(r"[,，;；、\n]+", text) if p.strip()]:
        match = _PERIOD.match(part)
        if not match:
            raise ValidationError(PERIOD_FORMAT, code="format", params={"text": part})
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if m1 > 59 or m2 > 59 or start > 24 * 60 or end > 24 * 60:
            raise ValidationError(PERIOD_FORMAT, code="format", params={"text": part})
        if end <= start:
            raise ValidationError(PERIOD_ORDER, code="order", params={"text": part})
        result.append((start, end))
    result.sort()
    for (s1, e1), (s2, e2) in zip(result, result[1:], strict=False):
        if s2 < e1:
            raise ValidationError(
                PERIOD_OVERLAP,
                code="overlap",
                params={
                    "first": f"{_clock(s1)}-{_clock(e1)}",
                    "second": f"{_clock(s2)}-{_clock(e2)}",
                },
            )
    return [[_clock(s), _clock(e)] for s, e in result]


def periods_text(periods: list[list[str]]) -> str:
    return ", ".join(f"{start}-{end}" for start, end in periods)


class WorkingTime:
    """A calendar's weekly pattern and exceptions, loaded once for many computations."""

    def __init__(self, calendar: Calendar, days: dict[date, str] | None = None):
        self.calendar = calendar
        self.zone = calendar.zone
        self.weekly: dict[int, Periods] = {
            int(d): [(_minutes(s), _minutes(e)) for s, e in calendar.hours.get(d, [])]
            for d in WEEKDAYS
        }
        if days is None:
            days = dict(CalendarDay.objects.filter(calendar=calendar).values_list("date", "kind"))
        self.days = days

    def periods_on(self, day: date) -> Periods:
        kind = self.days.get(day)
        if kind == CalendarDay.Kind.HOLIDAY:
            return []
        if kind == CalendarDay.Kind.WORKDAY:
            return self.weekly[0]
        return self.weekly[day.weekday()]

    def _intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        midnight = datetime(day.year, day.month, day.day, tzinfo=self.zone)
        return [
            (midnight + timedelta(minutes=s), midnight + timedelta(minutes=e))
            for s, e in self.periods_on(day)
        ]

    def add(self, start: datetime, duration: timedelta) -> datetime:
        if duration < timedelta(0):
            raise ValueError(str(NEGATIVE_DURATION))
        if duration == timedelta(0):
            return start
        remaining = duration
        day = start.astimezone(self.zone).date()
        empty = 0
        while True:
            intervals = self._intervals(day)
            empty = 0 if intervals else empty + 1
            if empty > _MAX_EMPTY_DAYS:
                raise ValueError(
                    str(NO_WORKING_TIME % {"calendar": self.calendar, "date": start.date()})
                )
            for begin, end in intervals:
                if end <= start:
                    continue
                begin = max(begin, start)
                if remaining <= end - begin:
                    return begin + remaining
                remaining -= end - begin
            day += timedelta(days=1)

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        total = timedelta(0)
        if end <= start:
            return total
        day = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        while day <= last:
            for begin, finish in self._intervals(day):
                overlap = min(finish, end) - max(begin, start)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total


def working_day(calendar: Calendar) -> timedelta:
    """The length of a standard working day: Monday's working hours (also those of a
    make-up working day), or the longest weekday's when Monday is off."""
    totals = [
        sum(_minutes(e) - _minutes(s) for s, e in calendar.hours.get(day, [])) for day in WEEKDAYS
    ]
    return timedelta(minutes=totals[0] or max(totals))


def calendar_add(calendar: Calendar | None, start: datetime, duration: timedelta) -> datetime:
    """The moment `duration` of counted time after `start`: wall-clock time without a
    calendar, otherwise working time of the calendar (X-5). Starting outside working hours
    counts from the next working period; ending exactly at the end of a period stays there."""
    if calendar is None:
        if duration < timedelta(0):
            raise ValueError(str(NEGATIVE_DURATION))
        return start + duration
    return WorkingTime(calendar).add(start, duration)


def calendar_elapsed(calendar: Calendar | None, start: datetime, end: datetime) -> timedelta:
    """The counted time between `start` and `end` (zero if end is not after start)."""
    if calendar is None:
        return max(end - start, timedelta(0))
    return WorkingTime(calendar).elapsed(start, end)
