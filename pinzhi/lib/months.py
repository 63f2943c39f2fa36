"""Calendar months in the company's time (Asia/Shanghai): the month a moment falls in, its
bounds, and the YYYY-MM text pages and exports use. A month is held as its first day."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def month_of(moment: datetime) -> date:
    """The first day of the month `moment` falls in, in Asia/Shanghai (the company's time)."""
    local = moment.astimezone(local_zone())
    return date(local.year, local.month, 1)


def local_start(day: date) -> datetime:
    """Midnight at the start of `day` in Asia/Shanghai."""
    return datetime.combine(day, time(), tzinfo=local_zone())


def day_of(moment: datetime) -> date:
    return moment.astimezone(local_zone()).date()


def month_parse(text: str) -> date | None:
    """A month written YYYY-MM, or None when it is not one."""
    try:
        year, month = (int(part) for part in str(text).split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return None


def month_next(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def month_previous(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's first instant, in Asia/Shanghai."""
    return local_start(month), local_start(month_next(month))


def month_text(month: date) -> str:
    return f"{month:%Y-%m}"
