"""How deadlines read to people: durations, kinds and ladder levels in the UI language."""

from datetime import timedelta

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

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
