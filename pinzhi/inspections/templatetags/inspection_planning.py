"""Template filters of the planning pages (INS-1): a schedule's recurrence rule in words."""

from django import template
from django.utils.translation import gettext_lazy as _

from pinzhi.inspections.forms_planning import WEEKDAYS

register = template.Library()

PERIODS = {
    "DAILY": (_("every day"), _("every %(n)s days")),
    "WEEKLY": (_("every week"), _("every %(n)s weeks")),
    "MONTHLY": (_("every month"), _("every %(n)s months")),
    "YEARLY": (_("every year"), _("every %(n)s years")),
}
ON_MONTH_DAYS = _("day %(days)s")
AT_HOURS = _("at %(hours)s o'clock")


def _numbers(value: str) -> list[int] | None:
    try:
        return [int(part) for part in value.split(",")]
    except ValueError:
        return None


@register.filter
def rrule_words(rrule: str) -> str:
    """{{ schedule.rrule|rrule_words }} → "每 3 个月 · 12 日"; "" for a rule beyond the simple
    shapes (the page then shows the rule itself)."""
    parts = dict(part.split("=", 1) for part in (rrule or "").split(";") if "=" in part)
    freq = parts.pop("FREQ", "")
    interval = _numbers(parts.pop("INTERVAL", "1")) or [0]
    n = interval[0]
    if freq not in PERIODS or n < 1:
        return ""
    words = [str(PERIODS[freq][0]) if n == 1 else str(PERIODS[freq][1]) % {"n": n}]
    days = dict(WEEKDAYS)
    if "BYDAY" in parts:
        codes = parts.pop("BYDAY").split(",")
        if not all(code in days for code in codes):
            return ""
        words.append("、".join(str(days[code]) for code in codes))
    if "BYMONTHDAY" in parts:
        month_days = _numbers(parts.pop("BYMONTHDAY"))
        if not month_days or min(month_days) < 1:
            return ""
        words.append(str(ON_MONTH_DAYS) % {"days": "、".join(map(str, month_days))})
    if "BYHOUR" in parts:
        hours = _numbers(parts.pop("BYHOUR"))
        if not hours:
            return ""
        words.append(str(AT_HOURS) % {"hours": "、".join(map(str, hours))})
    if parts:
        return ""
    return " · ".join(words)
