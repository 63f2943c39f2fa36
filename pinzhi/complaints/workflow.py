"""The complaint workflow, declared once (CMP-2 … CMP-9; issue 7 item 1).

Registration → validity judgement (not established | contact letter) → receipt signed →
handler and solution named → contact / on site → resolved → callback (satisfied: confirmed;
not satisfied: reopened) → closed by the registrar with the final evaluation.

Each step says where it starts, where it leads, who takes it, its form and its event; the
services in `complaints/services.py` check their step here, the case page lists the steps a
person may take from here, and the quality department sees it as a diagram. Adding a step is
one `Step(...)` below plus its service (plus its form when it has inputs).
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from pinzhi.complaints.events import ComplaintEvent
from pinzhi.complaints.models import Complaint, ContactLetter, Status
from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.lib.workflow import Message, Rule, Step, Workflow
from pinzhi.orgs.models import Person
from pinzhi.orgs.roles import REGISTRAR_ROLES, Role
from pinzhi.orgs.selectors import units_covered

# Deadline kinds of a complaint.
FIRST_CONTACT = "complaint.first_contact"
ON_SITE = "complaint.on_site"
RESOLUTION = "complaint.resolution"
ANSWER = "complaint.answer"
CALLBACK = "complaint.callback"
CLOSURE = "complaint.closure"

WRONG_STATE = _("This complaint is “%(state)s”; it cannot be %(action)s now.")
NOT_PERMITTED = _("Only %(who)s can take the step “%(action)s” on this complaint.")
WRONG_HEAD = _("Only the head named on the contact letter can sign for it.")
ALREADY_CONTACTED = _("The customer has already been contacted.")
SPECIAL_LIMIT_TOO_LATE = _(
    "The first-contact limit has already passed; a longer limit must be granted before it runs out."
)

SPECIAL_LIMIT_ALREADY_GRANTED = _(
    "The longer first-contact limit has already been granted for this complaint; it is "
    "granted once."
)

OPEN_BEFORE_RESOLVED = (Status.REGISTERED, Status.ROUTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS)


# --- who takes part in a case ----------------------------------------------------------------


def current_letter(complaint: Complaint) -> ContactLetter | None:
    """The latest contact letter of a case (routing again sends a new one), or None. Letters
    must be prefetched or are read once."""
    letters = list(complaint.letters.all())
    return max(letters, key=lambda letter: (letter.sent_at, letter.pk), default=None)


def _signed_in(person: Person) -> bool:
    return person is not None and getattr(person, "is_authenticated", False)


def _quality(person: Person, complaint: Complaint) -> bool:
    return person.is_superuser or Role.QUALITY_DEPARTMENT in person.role_codes


def _registrar(person: Person, complaint: Complaint) -> bool:
    return person.is_superuser or complaint.registered_by_id == person.pk


def _owner(person: Person, complaint: Complaint) -> bool:
    return person.is_superuser or complaint.owner_id == person.pk


def _handler(person: Person, complaint: Complaint) -> bool:
    return person.is_superuser or complaint.handler_id == person.pk


def _head(person: Person, complaint: Complaint) -> bool:
    """The head the current contact letter goes to (CMP-3): a superseded letter's head no
    longer handles the case."""
    if person.is_superuser:
        return True
    letter = current_letter(complaint)
    return letter is not None and letter.to_person_id == person.pk


def _signer(person: Person, complaint: Complaint) -> bool:
    letter = current_letter(complaint)
    return letter is not None and letter.acknowledged_at is None and _head(person, complaint)


def front_line_at_location(person: Person, complaint: Complaint) -> bool:
    """Issue 8 item 6: the person takes complaints (service desk, complaint handler) at units
    of a scope covering the complaint's location — the front line of that estate, who took
    the customer's call there."""
    if complaint.location_id is None or not _signed_in(person):
        return False
    return complaint.location_id in units_covered(person, REGISTRAR_ROLES)


def _front_line_of_new(person: Person, complaint: Complaint) -> bool:
    """Issue 8 item 6: a new complaint at her own estate is the front line's to judge and
    route, whoever registered it (a web form, a colleague); once routed, the registrar and
    the owner follow the case."""
    return complaint.status == Status.REGISTERED and front_line_at_location(person, complaint)


def _desk(person: Person, complaint: Complaint) -> bool:
    return Role.SERVICE_DESK in person.role_codes


def _closer(person: Person, complaint: Complaint) -> bool:
    """CMP-6: the registrar closes; a case that came in without one (web form, API) is
    closed by its owner."""
    return (
        _registrar(person, complaint)
        or _quality(person, complaint)
        or (complaint.registered_by_id is None and _owner(person, complaint))
    )


def anyone_of(*parts: Rule) -> Rule:
    """A rule: the person plays one of these parts in the case."""

    def rule(person: Person, complaint: Complaint) -> bool:
        return _signed_in(person) and any(part(person, complaint) for part in parts)

    return rule


def first_contact_open(complaint: Complaint) -> bool:
    """CMP-4: the longer first-contact limit may be granted only while the first-contact
    limit is still running and not yet breached."""
    return deadlines_for(complaint).filter(kind=FIRST_CONTACT, state=Deadline.State.OPEN).exists()


def _special_first_contact_now(complaint: Complaint) -> Message | None:
    if complaint.first_contact_at is not None:
        return ALREADY_CONTACTED
    if complaint.special_case_reason:
        # Issue 8 item 2: granting it again would change nothing.
        return SPECIAL_LIMIT_ALREADY_GRANTED
    if not first_contact_open(complaint):
        return SPECIAL_LIMIT_TOO_LATE
    return None


def _acknowledge(
    service: Callable[..., Any], complaint: Complaint, person: Person, data: Mapping[str, Any]
) -> Any:
    """The case's current letter (CMP-3): a superseded letter is never signed for."""
    return service(letter=current_letter(complaint), actor=person)


# --- the declaration -------------------------------------------------------------------------

COMPLAINT_WORKFLOW = Workflow(
    name="complaint",
    label=_("Complaint handling"),
    description=_(
        "From registration to closure: the contact letter to the department complained "
        "about, the handler and solution, the contact, the resolution, the callback and the "
        "registrar's closure (CMP-2 … CMP-9)."
    ),
    states=dict(Status.choices),
    error="pinzhi.complaints.services.ComplaintError",
    wrong_state=WRONG_STATE,
    not_permitted=NOT_PERMITTED,
    services="pinzhi.complaints.services",
    record_kw="complaint",
    initial=_("Complaint received"),
    steps=[
        Step(
            "register",
            _("Register"),
            sources=(),
            target=Status.REGISTERED,
            event=ComplaintEvent.REGISTERED,
        ),
        Step(
            "judge_not_established",
            _("Not established"),
            sources={Status.REGISTERED},
            target=Status.NOT_ESTABLISHED,
            who=anyone_of(_registrar, _owner, _quality, _front_line_of_new),
            who_text=_(
                "the registrar, the owner, the quality department or, on a new complaint, the "
                "front desk of its estate"
            ),
            form="pinzhi.complaints.forms.JudgeNotEstablishedForm",
            service="complaint_judge_not_established",
            done=_("Closed as not established."),
            confirm=_(
                "Close this complaint as not established? The customer gets the explanation."
            ),
            event=ComplaintEvent.NOT_ESTABLISHED,
            participle=_("closed as not established"),
            icon="x-circle",
            style="outline-danger",
        ),
        Step(
            "route",
            _("Send contact letter"),
            sources={Status.REGISTERED, Status.ROUTED, Status.ACKNOWLEDGED},
            target=Status.ROUTED,
            who=anyone_of(_registrar, _owner, _quality, _front_line_of_new),
            who_text=_(
                "the registrar, the owner, the quality department or, on a new complaint, the "
                "front desk of its estate"
            ),
            form="pinzhi.complaints.forms.RouteForm",
            service="complaint_route",
            done=_("Contact letter sent to the department head."),
            event=ComplaintEvent.ROUTED,
            participle=_("routed with a contact letter"),
            icon="envelope-arrow-up",
        ),
        Step(
            "acknowledge",
            _("Sign for the letter"),
            sources={Status.ROUTED},
            target=Status.ACKNOWLEDGED,
            who=anyone_of(_signer),
            refused=WRONG_HEAD,
            form="pinzhi.complaints.forms.AcknowledgeForm",
            service="letter_acknowledge",
            call=_acknowledge,
            done=_("Contact letter signed for."),
            event=ComplaintEvent.LETTER_ACKNOWLEDGED,
            participle=_("signed for"),
            icon="pen",
            submit=_("Sign for it now"),
        ),
        Step(
            "assign",
            _("Name handler and solution"),
            sources={Status.ACKNOWLEDGED, Status.IN_PROGRESS},
            target=Status.IN_PROGRESS,
            who=anyone_of(_head),
            who_text=_("the head named on the current contact letter"),
            form="pinzhi.complaints.forms.AssignForm",
            service="complaint_assign",
            done=_("Handler and solution recorded."),
            outcomes=(ComplaintEvent.ASSIGNED, ComplaintEvent.VERIFIED),
            participle=_("given a handler"),
            icon="person-check",
        ),
        Step(
            "special_first_contact",
            _("Special case: longer first-contact limit"),
            sources=set(OPEN_BEFORE_RESOLVED),
            when=_special_first_contact_now,
            who=anyone_of(_registrar, _owner, _quality, _head),
            who_text=_(
                "the registrar, the owner, the quality department or the head named on the "
                "contact letter"
            ),
            form="pinzhi.complaints.forms.SpecialFirstContactForm",
            service="complaint_allow_special_first_contact",
            done=_("The longer first-contact limit applies."),
            event=ComplaintEvent.FIRST_CONTACT_EXTENDED,
            participle=_("given a longer first-contact limit"),
            icon="hourglass-split",
            style="outline-secondary",
        ),
        Step(
            "record_contact",
            _("Customer contacted"),
            sources=set(OPEN_BEFORE_RESOLVED),
            who=anyone_of(_registrar, _owner, _handler, _head),
            who_text=_(
                "the registrar, the owner, the handler or the head named on the contact letter"
            ),
            form="pinzhi.complaints.forms.RecordContactForm",
            service="complaint_record_contact",
            done=_("Contact recorded."),
            event=ComplaintEvent.CONTACTED,
            participle=_("marked as contacted"),
            icon="telephone",
        ),
        Step(
            "resolve",
            _("Resolve"),
            sources={Status.IN_PROGRESS},
            target=Status.RESOLVED,
            who=anyone_of(_handler, _head),
            who_text=_("the handler or the head named on the contact letter"),
            form="pinzhi.complaints.forms.ResolveForm",
            service="complaint_resolve",
            done=_("Resolved; the callback is due today."),
            event=ComplaintEvent.RESOLVED,
            participle=_("resolved"),
            icon="check2-circle",
            style="success",
        ),
        Step(
            "callback",
            _("Record callback"),
            sources={Status.RESOLVED},
            # Satisfied: confirmed; not satisfied: reopened; not reached: still due.
            target=(Status.CALLED_BACK, Status.IN_PROGRESS),
            who=anyone_of(_registrar, _owner, _quality, _desk),
            who_text=_("the registrar, the owner, the quality department or the service desk"),
            form="pinzhi.complaints.forms.CallbackForm",
            service="complaint_callback",
            done=_("Callback recorded."),
            outcomes=(
                ComplaintEvent.CALLBACK_CONFIRMED,
                ComplaintEvent.REOPENED,
                ComplaintEvent.CALLBACK_UNREACHED,
            ),
            participle=_("called back"),
            icon="telephone-outbound",
        ),
        Step(
            "close",
            _("Close the case"),
            sources={Status.CALLED_BACK},
            target=Status.CLOSED,
            who=anyone_of(_closer),
            who_text=_(
                "the registrar or the quality department (the owner, when nobody registered it)"
            ),
            form="pinzhi.complaints.forms.CloseForm",
            service="complaint_close",
            done=_("Complaint closed and archived."),
            confirm=_("Close and archive this complaint? It cannot be changed afterwards."),
            event=ComplaintEvent.CLOSED,
            participle=_("closed"),
            icon="archive",
            style="success",
        ),
        Step(
            "hand_over",
            _("Hand over"),
            sources=set(OPEN_BEFORE_RESOLVED),
            who=anyone_of(_owner),
            who_text=_("the owner"),
            form="pinzhi.complaints.forms.HandOverForm",
            service="complaint_hand_over",
            done=_("Handed over."),
            confirm=_("Hand this complaint over? You will no longer own it."),
            event=ComplaintEvent.HANDED_OVER,
            participle=_("handed over"),
            icon="arrow-left-right",
            style="outline-secondary",
        ),
        Step(
            "record_offence",
            _("Record an offence"),
            sources=set(Status.values),
            who=anyone_of(_quality),
            who_text=_("the quality department"),
            form="pinzhi.complaints.forms.OffenceForm",
            service="complaint_record_offence",
            done=_("Offence recorded."),
            confirm=_("Record this offence against the person? It counts in their assessment."),
            event=ComplaintEvent.OFFENCE,
            participle=_("given an offence record"),
            icon="exclamation-octagon",
            style="outline-danger",
        ),
        # Taken by the customer with the tracking code (portal), not on the staff pages.
        Step(
            "customer_escalate",
            _("Escalated by the customer"),
            sources=set(OPEN_BEFORE_RESOLVED) | {Status.RESOLVED},
            service="complaint_customer_escalate",
            event=ComplaintEvent.CUSTOMER_ESCALATED,
            participle=_("escalated"),
        ),
        # Issue 8 item 5: a message or photo the customer adds through an integration.
        Step(
            "customer_follow_up",
            _("Follow-up from the customer"),
            sources=set(OPEN_BEFORE_RESOLVED) | {Status.RESOLVED, Status.CALLED_BACK},
            service="complaint_customer_follow_up",
            event=ComplaintEvent.CUSTOMER_FOLLOWED_UP,
            participle=_("given a follow-up from the customer"),
        ),
        Step(
            "customer_rate",
            _("Rated by the customer"),
            sources={Status.RESOLVED, Status.CALLED_BACK, Status.CLOSED},
            service="complaint_customer_rate",
            event=ComplaintEvent.CUSTOMER_RATED,
            participle=_("rated"),
        ),
    ],
)
