"""Reads for the public portal (CMP-1, CMP-2, CMP-7, X-6). Nothing here needs an account:
the customer reaches a case only with its tracking code and the phone's last digits."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pinzhi.complaints.events import ComplaintEvent
from pinzhi.complaints.models import Complaint, Status
from pinzhi.complaints.workflow import COMPLAINT_WORKFLOW
from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.lib.clock import now
from pinzhi.orgs.models import Company, Person, RoleAssignment, Unit
from pinzhi.orgs.roles import Role
from pinzhi.timeline.models import Event

# Units a customer complains about in person: where a QR code hangs.
PUBLIC_UNIT_KINDS = (Unit.Kind.ESTATE, Unit.Kind.WINDOW, Unit.Kind.SITE)
LOCATION_SALT = "pinzhi.portal.location"


def operator_companies() -> QuerySet[Company]:
    return Company.objects.filter(kind=Company.Kind.OPERATOR).order_by("name")


def single_operator() -> Company | None:
    """The operator company when there is exactly one; the generic form then needs no
    location."""
    companies = list(operator_companies()[:2])
    return companies[0] if len(companies) == 1 else None


def public_locations(company: Company | None = None) -> QuerySet[Unit]:
    units = Unit.objects.filter(
        is_active=True, kind__in=PUBLIC_UNIT_KINDS, company__kind=Company.Kind.OPERATOR
    ).select_related("company")
    if company is not None:
        units = units.filter(company=company)
    return units.order_by("company__name", "path")


def location_token(unit: Unit) -> str:
    """X-6: the per-location form URL carries a signed token, not a guessable id."""
    return signing.dumps(unit.pk, salt=LOCATION_SALT, compress=True)


def location_from_token(token: str) -> Unit | None:
    """The unit a token was signed for, or None for a tampered, foreign or retired one."""
    try:
        pk = signing.loads(token, salt=LOCATION_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return public_locations().filter(pk=pk).first()


def _covers(scope_paths: list[str], unit: Unit) -> bool:
    return any(unit.path.startswith(path) for path in scope_paths)


def first_contact_owner(*, company: Company, location: Unit | None) -> Person | None:
    """Who owns a complaint nobody on the staff registered (首问责任制, CMP-3): the first
    active service-desk person whose scope covers the location, else the first active person
    of the company's quality department, else nobody."""
    people = Person.objects.filter(is_active=True, company=company).order_by("pk")
    if location is not None:
        # The desks' scopes as (person, unit path) rows, in one query (issue 9 item 2).
        scopes = (
            RoleAssignment.objects.filter(
                role=Role.SERVICE_DESK, person__is_active=True, person__company=company
            )
            .order_by("person_id")
            .values_list("person_id", "scope__path")
        )
        for person_id, path in scopes:
            if path is not None and _covers([path], location):
                return people.get(pk=person_id)
    quality = people.filter(
        Q(role_assignments__role=Role.QUALITY_DEPARTMENT) | Q(unit__is_quality_department=True)
    )
    return quality.distinct().first()


def complaint_for_tracking(*, tracking_code: str, phone_last4: str) -> Complaint | None:
    """CMP-2: the case of a tracking code, only when the last four digits of the phone it
    was registered with match (a code alone is not enough)."""
    code = tracking_code.strip().upper()
    complaint = Complaint.objects.filter(tracking_code=code).first()
    if complaint is None:
        return None
    digits = "".join(c for c in complaint.customer_phone if c.isdigit())
    if len(digits) < 4 or digits[-4:] != phone_last4:
        return None
    return complaint


def public_company(
    *, complaint: Complaint | None = None, location: Unit | None = None
) -> Company | None:
    """Whose public page this is (issue 8 item 6): the company of the case being tracked or of
    the location's QR code, else the only operator company, else nobody (the product's name
    is shown)."""
    if complaint is not None:
        return complaint.company
    if location is not None:
        return location.company
    return single_operator()


def public_hotline(company: Company | None) -> str:
    """The number customers are told to call (issue 8 item 6): the company's service hotline,
    else its contact phone (what the landing page showed before the hotline had a field)."""
    if company is None:
        return ""
    return company.service_hotline or company.contact_phone


@dataclass(frozen=True)
class PublicStatus:
    """A complaint's state as the customer is told it: a label in the customer's words and a
    neutral sentence, shown when no reply to the customer has been written."""

    label: Promise
    sentence: Promise


_RECEIVED = PublicStatus(
    pgettext_lazy("public status", "Received"),
    _("We have received your complaint and are passing it to the department concerned."),
)
_HANDLING = PublicStatus(
    pgettext_lazy("public status", "Being handled"),
    _("The department concerned is dealing with your complaint; we will tell you the result."),
)
# Issue 8 item 6: the one place the public pages (and "my complaints") take a status's
# wording from; never the staff's names such as 已发工作联系函.
PUBLIC_STATUSES: dict[str, PublicStatus] = {
    Status.REGISTERED: _RECEIVED,
    Status.NOT_ESTABLISHED: PublicStatus(
        pgettext_lazy("public status", "Answered"),
        _("We looked into your complaint; our explanation is below."),
    ),
    Status.ROUTED: _HANDLING,
    Status.ACKNOWLEDGED: _HANDLING,
    Status.IN_PROGRESS: _HANDLING,
    Status.RESOLVED: PublicStatus(
        pgettext_lazy("public status", "Dealt with, awaiting our call"),
        _(
            "Your complaint has been dealt with. We will call you to hear whether you are "
            "satisfied."
        ),
    ),
    Status.CALLED_BACK: PublicStatus(
        pgettext_lazy("public status", "Called back"),
        _("Thank you for taking our call. We are completing the file of your complaint."),
    ),
    Status.CLOSED: PublicStatus(
        pgettext_lazy("public status", "Completed"),
        _(
            "Your complaint has been dealt with and its file is completed. Thank you for "
            "telling us."
        ),
    ),
}


def public_status(complaint: Complaint) -> PublicStatus:
    return PUBLIC_STATUSES.get(complaint.status, _HANDLING)


def customer_reply(complaint: Complaint) -> str:
    """Issue 8 item 6: what the tracking page says the company answered — the reply written for
    the customer, else the neutral sentence of the case's state; never the internal handling
    record, the investigation or the final result."""
    return complaint.customer_reply or str(public_status(complaint).sentence)


def customer_account(user: object) -> Person | None:
    """The account a complaint sent through the web form belongs to: the signed-in customer,
    else none (a member of staff filling in the public form is not its customer)."""
    if isinstance(user, Person) and user.is_active and Role.CUSTOMER in user.role_codes:
        return user
    return None


def complaints_of_customer(person: Person) -> QuerySet[Complaint]:
    """Issue 8 item 6: a signed-in customer's own complaints, newest first — those registered
    for their account (by the staff, or sent through the web form while signed in). A phone
    number is not matched: no customer's phone is verified, and a number typed into a
    profile must not open someone else's complaints."""
    if not person.is_authenticated:
        return Complaint.objects.none()
    return Complaint.objects.filter(customer=person).order_by("-received_at", "-pk")


@dataclass
class Milestone:
    key: str
    label: str
    at: datetime
    note: str = ""


MILESTONE_LABELS = {
    "received": _("Complaint received"),
    "not_established": _("Judged not established"),
    "routed": _("Passed to the department concerned"),
    "handling": _("Being handled"),
    "contacted": _("We contacted you"),
    "resolved": _("Resolved"),
    "called_back": _("Called back and confirmed"),
    "reopened": _("Reopened after the callback"),
    "closed": pgettext_lazy("public status", "Completed"),  # as the status reads (issue 8 item 6)
    "escalated": _("You escalated the complaint"),
    "rated": _("You rated the handling"),
}

# Timeline actions the customer may see, and the milestone each one is.
_ACTIONS = {
    ComplaintEvent.REGISTERED: "received",
    ComplaintEvent.NOT_ESTABLISHED: "not_established",
    ComplaintEvent.ROUTED: "routed",
    ComplaintEvent.ASSIGNED: "handling",
    ComplaintEvent.CONTACTED: "contacted",
    ComplaintEvent.RESOLVED: "resolved",
    ComplaintEvent.CALLBACK_CONFIRMED: "called_back",
    ComplaintEvent.REOPENED: "reopened",
    ComplaintEvent.CLOSED: "closed",
    ComplaintEvent.CUSTOMER_ESCALATED: "escalated",
    ComplaintEvent.CUSTOMER_RATED: "rated",
}


def customer_milestones(complaint: Complaint) -> list[Milestone]:
    """The customer's view of the history: milestones only, no staff names and no internal
    notes (ORG-3). The department appears by name ("handled by 客服部"); the explanation of
    a "not established" judgement and the reply written for the customer are theirs; the
    internal handling record and the final result never appear (issue 8 item 6)."""
    events = Event.objects.filter(
        content_type__app_label="complaints",
        content_type__model="complaint",
        object_id=str(complaint.pk),
        action__in=list(_ACTIONS),
    ).order_by("id")
    milestones: list[Milestone] = []
    seen_handling = False
    for event in events:
        key = _ACTIONS[ComplaintEvent(event.action)]
        note = ""
        if key == "not_established":
            note = complaint.not_established_reason
        elif key == "routed":
            note = str(complaint.department or "")
        elif key == "handling":
            if seen_handling:
                continue
            seen_handling = True
        elif key == "resolved":
            note = complaint.customer_reply
        milestones.append(Milestone(key, str(MILESTONE_LABELS[key]), event.at, note))
    return milestones


def breached_deadlines(complaint: Complaint, at: datetime | None = None) -> QuerySet[Deadline]:
    """Running deadlines of the case already past due (breached by the sweep, or due and not
    yet swept)."""
    moment = at or now()
    return deadlines_for(complaint).filter(
        Q(state=Deadline.State.BREACHED) | Q(state=Deadline.State.OPEN, due_at__lte=moment)
    )


def may_escalate(complaint: Complaint) -> bool:
    """CMP-7: the customer may escalate an open case when one of its time limits is breached
    ("the supervision group did not answer or arrive in time")."""
    if complaint.status not in COMPLAINT_WORKFLOW.step("customer_escalate").sources:
        return False
    if complaint.customer_escalations.filter(answered_at__isnull=True).exists():
        # Issue 8 item 6: escalated and waiting for the answer — no second form meanwhile.
        return False
    return breached_deadlines(complaint).exists()


def may_rate(complaint: Complaint) -> bool:
    return complaint.status in (Status.RESOLVED, Status.CALLED_BACK, Status.CLOSED)


TRACKING_SESSION_LIFETIME = timedelta(minutes=30)
