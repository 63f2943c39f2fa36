"""How deadlines read to people: durations, kinds and ladder levels in the UI language, and
whether a limit falls due at night."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

if TYPE_CHECKING:
    from pinzhi.deadlines.models import Deadline

# The night hours of a company (issue 8 item 1, X-3): policy rules of every pack (the
# organisation fragment), hours of the day; a night runs past midnight when it begins later
# than it ends (22 → 6).
NIGHT_BEGINS = "organisation.night_begins"
NIGHT_ENDS = "organisation.night_ends"
DEFAULT_PACK = "property"

DUE_AT_NIGHT = _("due at night, %(time)s")
WAS_DUE_AT_NIGHT = _("fell due at night, %(time)s")

# Labels of the generic ladder levels; an app names its own levels for its own deadline
# kinds (`register_level(..., kind_prefix="complaint")`), so that two apps' "department head"
# never overwrite each other.
LEVEL_LABELS = {
    "owner": _("the person responsible"),
    "handler": _("the handler"),
    "department_head": _("the department head"),
    "manager": _("the manager in charge"),
    "group_leader": _("the group leader"),
    "chairman": _("the chairman"),
    "quality_department": _("the quality department"),
    "leadership": _("leadership"),
}
# {kind prefix: {level: label}}, registered by the apps that define the ladders.
_APP_LEVEL_LABELS: dict[str, dict[str, object]] = {}

# Labels of deadline kinds, registered by the apps that open them.
KIND_LABELS: dict[str, object] = {}


def register_kind(kind: str, label: str | Promise) -> None:
    """Give a deadline kind ("complaint.first_contact") a translatable label."""
    KIND_LABELS[kind] = label


def register_level(level: str, label: str | Promise, *, kind_prefix: str) -> None:
    """Name ladder level `level` of the deadlines whose kind is `kind_prefix` or starts with
    `kind_prefix` + "." (the most specific prefix wins, as for escalation resolvers)."""
    _APP_LEVEL_LABELS.setdefault(kind_prefix.rstrip("."), {})[level] = label


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def level_label(level: str, *, kind: str = "") -> str:
    """The label of `level` on the ladder of a deadline of `kind`: the app's own label for
    that kind, else the generic one, else the code."""
    best = ""
    for prefix, labels in _APP_LEVEL_LABELS.items():
        matches = kind == prefix or kind.startswith(prefix + ".")
        if matches and level in labels and len(prefix) > len(best):
            best = prefix
    if best:
        return str(_APP_LEVEL_LABELS[best][level])
    return str(LEVEL_LABELS.get(level, level))


def duration_text(value: timedelta) -> str:
    """A duration in words, to the minute: "2 days 3 hours", "45 minutes"."""
    seconds = abs(int(value.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(ngettext("%(n)s day", "%(n)s days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours})
    if minutes and not days:
        parts.append(ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes})
    if not parts:
        return str(_("less than a minute"))
    return " ".join(parts)


def _night_hours(deadline: "Deadline", at: datetime) -> tuple[int, int] | None:
    """(begins, ends) hours of the night for the deadline's company as in force at `at`, or
    None when its pack has no night hours."""
    from pinzhi.policy.selectors import rule_value_or_none

    company = deadline.company if deadline.company_id else None
    pack = (company.policy_pack if company is not None else "") or DEFAULT_PACK
    begins = rule_value_or_none(NIGHT_BEGINS, pack=pack, company=company, at=at)
    ends = rule_value_or_none(NIGHT_ENDS, pack=pack, company=company, at=at)
    if begins is None or ends is None or begins == ends or not 0 <= begins <= 24 >= ends >= 0:
        return None
    return int(begins), int(ends)


def night_due(
    deadline: "Deadline",
    *,
    night_hours: Callable[["Deadline", datetime], tuple[int, int] | None] | None = None,
) -> str:
    """The local time ("23:40") at which `deadline` falls due when that is in its company's
    night hours, else "" (issue 8 item 1, X-3): a limit due at night says so. Local time is
    the time zone of the deadline's calendar, else the site's. `night_hours` replaces the
    lookup of the company's night hours (the sweep remembers them across a batch)."""
    calendar = deadline.calendar
    zone = calendar.zone if calendar is not None else timezone.get_current_timezone()
    local = timezone.localtime(deadline.due_at, zone)
    hours = (night_hours or _night_hours)(deadline, deadline.due_at)
    if hours is None:
        return ""
    begins, ends = hours
    minutes = local.hour * 60 + local.minute
    start, end = begins * 60, ends * 60
    at_night = start <= minutes or minutes < end if start > end else start <= minutes < end
    return f"{local:%H:%M}" if at_night else ""


def night_text(deadline: "Deadline", *, now: datetime) -> str:
    """「将于夜间 23:40 到期」 for a running limit due at night, 「已于夜间 23:40 到期」 once
    that time has passed; "" for a limit not due at night."""
    time = night_due(deadline)
    if not time:
        return ""
    message = WAS_DUE_AT_NIGHT if deadline.due_at <= now else DUE_AT_NIGHT
    return str(message) % {"time": time}
