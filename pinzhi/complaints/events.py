"""The complaints app's timeline events (issue 7, item 5): codes, labels, and payloads.

The payload of `ComplaintEvent.VERIFIED` is what the points ledger reads (CMP-9); every key
is documented and checked by `event_record`.
"""

from datetime import timedelta
from typing import Annotated, NotRequired, TypedDict

from django.utils.translation import gettext_lazy as _

from pinzhi.deadlines.display import duration_text
from pinzhi.timeline.events import Changed, Changes, EventCode, NoPayload, free_form


class Registered(TypedDict):
    channel: Annotated[str, "how the complaint came in (Channel code: phone, visit, portal …)"]
    category: Annotated[str, "the complaint's category code"]
    severity: Annotated[str, "general, urgent or major (Severity code)"]
    repeat_of: Annotated[int | None, "the earlier complaint this one repeats (id), or null"]
    repeat_reasons: Annotated[list, "why it was flagged as a repeat (codes), empty if not"]


class ReportedToLeadership(TypedDict):
    recipient_ids: Annotated[list, "the Person ids of the leadership and quality committee told"]
    severity: Annotated[str, "the complaint's severity (major)"]


class Routed(TypedDict):
    letter: Annotated[str, "the number of the contact letter sent (LXHyyyymm-nnnn)"]
    department_id: Annotated[int, "the Unit complained about"]
    head_id: Annotated[int, "the Person (head of that department) the letter is addressed to"]
    supersedes: NotRequired[
        Annotated[str, "the number of the earlier letter this one replaces (routed again)"]
    ]


class Assigned(TypedDict):
    handler_id: Annotated[int, "the Person named to handle the complaint"]


class Verified(TypedDict):
    """The payload the points ledger reads: who and what a founded complaint is about."""

    category: Annotated[str, "the complaint's category code"]
    attitude: Annotated[bool, "true when the category is service attitude (weighs more)"]
    staff_id: Annotated[int | None, "the Person complained about, or null when nobody is named"]
    department_id: Annotated[int | None, "the Unit complained about, or null if not routed"]


class Callback(TypedDict):
    reached: Annotated[bool, "whether the customer was reached"]
    confirmed: Annotated[bool, "whether the customer confirmed the result"]
    satisfaction: Annotated[str, "the customer's satisfaction code (empty if not reached)"]


class HandedOver(TypedDict):
    to_id: Annotated[int, "the Person who owns the complaint from now on"]


class CustomerEscalated(TypedDict):
    department_id: Annotated[int | None, "the Unit complained about, or null"]
    handler_id: Annotated[int | None, "the Person handling the complaint, or null"]


class EscalationAnswered(TypedDict):
    escalation_id: Annotated[int, "the CustomerEscalation answered"]


class CustomerRated(TypedDict):
    rating: Annotated[int, "the customer's rating, 1 to 5"]


class Offence(TypedDict):
    offence: Annotated[str, "hiding, refusing or retaliation (the offence code)"]
    person_id: Annotated[int, "the Person who committed it"]


class Imported(TypedDict):
    source: Annotated[str, "the system the complaint was imported from"]
    source_id: Annotated[str, "its id in that system"]
    batch: Annotated[str, "the import batch's token"]


@free_form
class ImportBatch(TypedDict):
    """file, source, batch (token), imported, skipped, reported (counts); source_ids (the
    imported ids) when the batch is too large for one `complaint.imported` per record."""


@free_form
class GroupsRebuilt(TypedDict):
    """since, until (ISO times), threshold, and the counts of the rebuild: complaints,
    groups, grouped, kept, removed, seconds."""


class TopicFound(TypedDict):
    repeat_group_id: Annotated[int | None, "the topic group (RepeatGroup) it was put in"]
    repeat_of: Annotated[int | None, "the earlier complaint this one repeats (id), or null"]
    repeat_reasons: Annotated[list, "why it is a repeat (codes), topic among them or not"]
    similarity: Annotated[int, "the similarity to the closest earlier complaint, percent"]


class RepeatGroupAnalysed(TypedDict):
    members: Annotated[int, "how many complaints the repeat topic holds"]


# How the keys of the changes that are fields of no model read (issue 8 item 6).
LETTER = Changed(_("Contact letter"))
LETTER_CHANGES = Changes(
    keys={
        "letter": LETTER,
        "head": Changed(_("Department head")),
        "supersedes": Changed(_("Replaces letter")),
    }
)


def _minutes(value: object) -> str:
    """A limit recorded in minutes, in words as the deadlines show it ("4 小时", not "240 分钟")."""
    try:
        return duration_text(timedelta(minutes=int(str(value))))
    except ValueError:
        return str(_("%(minutes)s minutes")) % {"minutes": value}


class CustomerFollowedUp(TypedDict):
    attachment_id: Annotated[int | None, "the photo the customer sent (Attachment id), or null"]
    channel: Annotated[str, "how it came in (api)"]


class ComplaintEvent(EventCode):
    REGISTERED = (
        "complaint.registered",
        _("Complaint registered"),
        "When a complaint is registered, by staff, the portal or the API (CMP-2).",
        Registered,
    )
    NOT_ESTABLISHED = (
        "complaint.not_established",
        _("Closed as not established"),
        "When a complaint is judged unfounded and closed; the reason is the explanation "
        "given to the customer (CMP-2).",
    )
    ROUTED = (
        "complaint.routed",
        _("Contact letter sent"),
        "When a contact letter is sent to the head of the department complained about "
        "(CMP-3); again when routed to another department.",
        Routed,
        LETTER_CHANGES,
    )
    LETTER_ACKNOWLEDGED = (
        "complaint.letter_acknowledged",
        _("Contact letter signed for"),
        "When the department head signs for the contact letter (CMP-3).",
        NoPayload,
        LETTER_CHANGES,
    )
    ASSIGNED = (
        "complaint.assigned",
        _("Handler and solution named"),
        "When the department head names the handler and the solution (CMP-3).",
        Assigned,
    )
    VERIFIED = (
        "complaint.verified",
        _("Complaint verified"),
        "Once per complaint, in the same transaction as `complaint.assigned`, when the "
        "department head finds it founded (CMP-9). Read by the points ledger and the "
        "assessment.",
        Verified,
    )
    FIRST_CONTACT_EXTENDED = (
        "complaint.first_contact_extended",
        _("Longer first-contact limit granted"),
        "When a special case is granted the longer first-contact limit, with its reason (CMP-4).",
        NoPayload,
        Changes(keys={"limit_minutes": Changed(_("First-contact limit"), choices=_minutes)}),
    )
    CONTACTED = (
        "complaint.contacted",
        _("Customer contacted"),
        "When the first contact with the customer (and, if urgent, staff on site) is "
        "recorded (CMP-4).",
        NoPayload,
        Changes(keys={"on_site": Changed(_("Staff on site"))}),
    )
    RESOLVED = (
        "complaint.resolved",
        _("Complaint resolved"),
        "When the handler records what was done (CMP-5).",
    )
    CALLBACK_UNREACHED = (
        "complaint.callback_unreached",
        _("Callback: customer not reached"),
        "When the callback did not reach the customer (CMP-6).",
        Callback,
    )
    CALLBACK_CONFIRMED = (
        "complaint.callback_confirmed",
        _("Callback: customer confirms the result"),
        "When the customer confirms the result at the callback (CMP-6).",
        Callback,
    )
    REOPENED = (
        "complaint.reopened",
        _("Reopened after the callback"),
        "When the customer is not satisfied at the callback and the case is reopened (CMP-6).",
        Callback,
    )
    CLOSED = (
        "complaint.closed",
        _("Complaint closed"),
        "When the registrar closes the case with the final evaluation (CMP-6).",
    )
    HANDED_OVER = (
        "complaint.handed_over",
        _("Handed over"),
        "When the owner hands the case over to another person, with a note (CMP-3).",
        HandedOver,
    )
    CUSTOMER_ESCALATED = (
        "complaint.customer_escalated",
        _("Escalated by the customer"),
        "When the customer escalates a case whose time limit was missed (CMP-7).",
        CustomerEscalated,
    )
    ESCALATION_ANSWERED = (
        "complaint.escalation_answered",
        _("Customer's escalation answered"),
        "When the quality committee or the leadership answers a customer's escalation (CMP-7).",
        EscalationAnswered,
        Changes(keys={"answer": Changed(_("Answer to the customer"))}),
    )
    REPORTED_TO_LEADERSHIP = (
        "complaint.reported_to_leadership",
        _("Major complaint reported to the leadership"),
        "When a major complaint is registered, or raised to major (CMP-3, CMP-7).",
        ReportedToLeadership,
    )
    CUSTOMER_RATED = (
        "complaint.customer_rated",
        _("Rated by the customer"),
        "When the customer rates the handling on the tracking page; the comment is the reason.",
        CustomerRated,
    )
    CUSTOMER_FOLLOWED_UP = (
        "complaint.customer_followed_up",
        _("Follow-up from the customer"),
        "When the customer adds a message or a photo to an open case, through an integration "
        "(issue 8 item 5); the message is the reason.",
        CustomerFollowedUp,
    )
    OFFENCE = (
        "complaint.offence",
        _("Offence recorded"),
        "When the quality department records hiding, refusing or retaliation (CMP-9).",
        Offence,
    )
    IMPORTED = (
        "complaint.imported",
        _("Imported from a file"),
        "On each complaint of a small import of historical complaints.",
        Imported,
    )
    IMPORT_BATCH = (
        "complaint.import_batch",
        _("Historical complaints imported"),
        "Once per import of historical complaints, on the company.",
        ImportBatch,
    )
    GROUPS_REBUILT = (
        "complaint.groups_rebuilt",
        _("Repeat-complaint topics regrouped"),
        "When the complaints of a period are regrouped by topic (CMP-8), on the company.",
        GroupsRebuilt,
    )
    TOPIC_FOUND = (
        "complaint.topic_found",
        _("Same topic as earlier complaints found"),
        "When the worker finds that a newly registered complaint is about the same topic as "
        "earlier ones of the repeat window and puts it in their topic group (CMP-8).",
        TopicFound,
    )
    REPEAT_GROUP_ANALYSED = (
        "repeat_group.analysed",
        _("Root cause and corrective action recorded"),
        "When the root cause and corrective action of a repeat topic are recorded (CMP-8).",
        RepeatGroupAnalysed,
    )
