"""Readable, translated labels for event action codes (X-2). Apps register theirs in
AppConfig.ready():

    register_action("complaint.verified", _("Complaint verified"))

An unregistered code is shown humanised ("complaint.first_contact" → "Complaint: first
contact") rather than raw.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

_labels: dict[str, str | Promise] = {}


def register_action(code: str, label: str | Promise) -> None:
    _labels[code] = label


def humanise(code: str) -> str:
    """ "complaint.first_contact" → "Complaint: first contact"."""
    head, _dot, rest = str(code).partition(".")
    head = head.replace("_", " ").strip().capitalize()
    rest = rest.replace(".", " ").replace("_", " ").strip()
    return f"{head}: {rest}" if head and rest else head or rest or str(code)


def action_label(code: str) -> str:
    label = _labels.get(code)
    return str(label) if label is not None else humanise(code)


def codes_labelled(text: str) -> list[str]:
    """The registered codes whose label, in the current language, contains `text`."""
    needle = text.strip().casefold()
    if not needle:
        return []
    return sorted(code for code, label in _labels.items() if needle in str(label).casefold())


register_action("attachment.added", _("Attachment added"))

# The deadlines and policy apps' events. Kept here, not in those apps' apps.py, while they
# are being finished by someone else; moving them there later changes nothing.
for _code, _label in (
    ("policy.rule_revised", _("Rule revised")),
    ("policy.pack_loaded", _("Policy pack loaded")),
    ("policy.amendment_proposed", _("Rule amendment proposed")),
    ("policy.amendment_reviewed", _("Rule amendment reviewed")),
    ("policy.amendment_approved", _("Rule amendment approved")),
    ("policy.amendment_rejected", _("Rule amendment rejected")),
    ("policy.amendment_withdrawn", _("Rule amendment withdrawn")),
    ("deadline.opened", _("Deadline opened")),
    ("deadline.met", _("Deadline met")),
    ("deadline.paused", _("Deadline paused")),
    ("deadline.resumed", _("Deadline resumed")),
    ("deadline.cancelled", _("Deadline cancelled")),
    ("deadline.breached", _("Deadline breached")),
    ("deadline.escalated", _("Deadline escalated")),
    ("deadline.extended", _("Deadline extended")),
    ("deadline.reassigned", _("Deadline reassigned")),
    ("calendar.created", _("Working-time calendar created")),
    ("calendar.updated", _("Working-time calendar changed")),
    ("calendar.day_added", _("Holiday or working day added")),
    ("calendar.day_removed", _("Holiday or working day removed")),
    ("calendar.days_imported", _("Holidays and working days imported")),
    ("calendar.rule_chosen", _("Calendar chosen for a rule")),
    ("calendar.rule_released", _("Rule back on the wall clock")),
):
    register_action(_code, _label)
