"""Readable, translated labels for event action codes (X-2). Apps register theirs in
AppConfig.ready():

    register_action("complaint.verified", _("Complaint verified"))

An unregistered code is shown humanised ("complaint.first_contact" → "Complaint: first
contact") rather than raw.
"""

from django.utils.functional import Promise

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
