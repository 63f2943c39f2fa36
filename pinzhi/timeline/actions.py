"""Readable labels for event action codes. Apps register theirs in AppConfig.ready():

    register_action("complaint.verified", _("Complaint verified"))

An unregistered code is shown as it is.
"""

from django.utils.translation import gettext_lazy as _

_labels: dict[str, str] = {}


def register_action(code: str, label: str) -> None:
    _labels[code] = label


def action_label(code: str) -> str:
    return str(_labels.get(code, code))


register_action("attachment.added", _("Attachment added"))
