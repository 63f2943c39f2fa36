"""The complaint workflow's table: from which statuses each step may be taken, and the
kinds of deadline a complaint runs (CMP-2 … CMP-9). Selectors read it (which steps a
person may take now), services enforce it; it imports neither, so neither imports the
other's module to get it.
"""

from pinzhi.complaints.models import Status

TRANSITIONS: dict[str, set[str]] = {
    "judge_not_established": {Status.REGISTERED},
    "route": {Status.REGISTERED, Status.ROUTED, Status.ACKNOWLEDGED},
    "acknowledge": {Status.ROUTED},
    "assign": {Status.ACKNOWLEDGED, Status.IN_PROGRESS},
    "record_contact": {Status.REGISTERED, Status.ROUTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS},
    "resolve": {Status.IN_PROGRESS},
    "callback": {Status.RESOLVED},
    "close": {Status.CALLED_BACK},
    "hand_over": {Status.REGISTERED, Status.ROUTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS},
    "customer_escalate": {
        Status.REGISTERED,
        Status.ROUTED,
        Status.ACKNOWLEDGED,
        Status.IN_PROGRESS,
        Status.RESOLVED,
    },
    "customer_rate": {Status.RESOLVED, Status.CALLED_BACK, Status.CLOSED},
}

# Deadline kinds of a complaint.
FIRST_CONTACT = "complaint.first_contact"
ON_SITE = "complaint.on_site"
RESOLUTION = "complaint.resolution"
ANSWER = "complaint.answer"
CALLBACK = "complaint.callback"
CLOSURE = "complaint.closure"
