"""The complaint workflow (CMP-2 … CMP-9). Each step is declared in `complaints/workflow.py`;
its service here checks it there (status, condition, person), runs in one transaction,
records the step's timeline event and opens or closes the deadlines the regulation sets;
notifications go out when the transaction commits.

Registration → validity judgement (not established | contact letter) → receipt signed →
handler and solution named → contact / on site → resolved → callback (satisfied: confirmed;
not satisfied: reopened) → closed by the registrar with the final evaluation.
"""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from pinzhi.complaints.events import ComplaintEvent
from pinzhi.complaints.models import (
    Callback,
    Complaint,
    ContactLetter,
    CustomerEscalation,
    LetterCounter,
    Severity,
    Status,
)
from pinzhi.complaints.repeats import repeat_flag, topic_queue
from pinzhi.complaints.selectors import callback_desk, may_answer_escalations
from pinzhi.complaints.text import search_document
from pinzhi.complaints.workflow import (
    ALREADY_CONTACTED,
    ANSWER,
    CALLBACK,
    CLOSURE,
    COMPLAINT_WORKFLOW,
    FIRST_CONTACT,
    ON_SITE,
    RESOLUTION,
    SPECIAL_LIMIT_TOO_LATE,
)
from pinzhi.deadlines import services as deadlines
from pinzhi.deadlines.display import kind_label, night_text
from pinzhi.deadlines.escalation import OWNER
from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.deadlines.services import DeadlineError, RuleLimit
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.lib.workflow import Step
from pinzhi.notify.services import notify
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.orgs.roles import Role
from pinzhi.policy.selectors import rule_value, rule_value_or_none, rules_read_once
from pinzhi.timeline.models import Event
from pinzhi.timeline.services import attachment_add, event_record, events_batched


class ComplaintError(DomainError):
    """A step the workflow does not allow, with a message for the person who tried it."""

    code = "complaint_refused"
    status = 409


REASON_REQUIRED = _("Give a reason.")
EXPLANATION_REQUIRED = _("Write the explanation the customer will receive.")
SAME_OWNER = _("The complaint is already owned by this person.")
NOTHING_OVERDUE = _(
    "Every time limit of this complaint is still being kept; you can escalate when one of "
    "them is missed."
)
RATING_RANGE = _("A rating is between 1 and 5.")
SUPERSEDED_LETTER = _(
    "Contact letter %(number)s was replaced by letter %(latest)s when the case was routed "
    "again; only the latest letter can be signed for."
)
ALREADY_SIGNED = _("Contact letter %(number)s is already signed for.")
ESCALATION_PENDING = _(
    "An earlier escalation of this complaint (%(at)s) is not answered yet; it will be answered "
    "before a new one can be made."
)
ANSWER_REQUIRED = _("Write the answer to the customer's escalation.")
ANSWER_NOT_ALLOWED = _(
    "Only the quality committee or the leadership of the company can answer an escalation."
)
ALREADY_ANSWERED = _("This escalation has already been answered.")
SAME_ROUTING = _(
    "Contact letter %(number)s already asks %(head)s of %(department)s for this; a new letter "
    "is sent only when the department, the head or the request changes."
)
SAME_ASSIGNMENT = _(
    "%(handler)s already handles this complaint with this solution; change the handler, the "
    "solution or the investigation to record a new assignment."
)
ALREADY_ON_SITE = _("Staff are already recorded on site and the customer as contacted.")
# Stored on the deadlines a step cancels and shown on the case timeline: kept as text in the
# company's language at the time (the stored reason is part of the hash-chained record).
CANCELLED_NOT_ESTABLISHED = _("the complaint was judged not established")
CANCELLED_CLOSED = _("the complaint was closed")
LIMIT_AT_NIGHT = _("Time limit “%(limit)s”: %(night)s.")


def _step(complaint: Complaint, name: str, actor: Person | None = None) -> Step:
    """Check step `name` of the declared workflow (complaints/workflow.py): the complaint's
    status and the step's condition; with `actor`, also the person's part in the case (the
    step view checks it for every step before the service runs). Raises a ComplaintError
    whose reason says which."""
    return COMPLAINT_WORKFLOW.check(complaint, name, actor, anyone=actor is None)


def _lock(complaint: Complaint) -> Complaint:
    """Re-read the complaint under a row lock so two people cannot race one transition."""
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def _rule(complaint: Complaint, key: str) -> Any:
    """The value of `key` that applied when the complaint was received (DESIGN 1)."""
    return rule_value(
        key, pack=complaint.policy_pack, company=complaint.company_id, at=complaint.received_at
    )


def _ladder(complaint: Complaint) -> list[dict[str, Any]]:
    """The escalation ladder of CMP-7: whoever owns the limit at the breach is told at once
    (issue 8 item 1: after the contact letter the first-contact limit is the department
    head's), then the head of the department, the group leader and the chairman after the
    overruns the pack sets."""
    steps = [
        ("department_head", "complaints.escalate_department_head_after"),
        ("group_leader", "complaints.escalate_group_leader_after"),
        ("chairman", "complaints.escalate_chairman_after"),
    ]
    return [{"level": OWNER, "after": 0}] + [
        {"level": level, "after": int(_rule(complaint, key).total_seconds())}
        for level, key in steps
    ]


def _open(
    complaint: Complaint,
    kind: str,
    rule_key: str,
    *,
    start: datetime,
    owner: Person | None,
    owner_role: str = "",
) -> Deadline:
    """Open the deadline of `rule_key` as in force when the complaint was received, on the
    calendar the quality department chose for that rule (wall clock by default, X-5)."""
    return deadlines.deadline_open_for_rule(
        subject=complaint,
        kind=kind,
        rule_key=rule_key,
        pack=complaint.policy_pack,
        start=start,
        ladder=_ladder(complaint),
        owner=owner,
        owner_role=owner_role,
        unit=complaint.department or complaint.location,
    )


CALLBACK_BY_SERVICE_DESK = "complaints.callback_by_service_desk"


def _callback_owner(complaint: Complaint, resolver: Person | None) -> tuple[Person | None, str]:
    """Who owns the callback limit (CMP-5, issue 8 item 1): someone who can take the callback
    step, never the staff member who resolved the case. The pack says who calls back: the
    registering specialist (营运专员) or the service desk. When that person cannot be
    determined (no registrar, left, or the registrar resolved the case), the service desk in
    the case's scope owns it, else the quality department. Returns (person, role)."""
    excluded = {p.pk for p in (resolver, complaint.handler) if p is not None}
    # As the company has it now (a pack loaded before this rule existed: the registrar).
    by_desk = rule_value_or_none(
        CALLBACK_BY_SERVICE_DESK, pack=complaint.policy_pack, company=complaint.company_id
    )
    if not by_desk:
        registrar = complaint.registered_by
        if registrar is not None and registrar.is_active and registrar.pk not in excluded:
            return registrar, ""
    unit = complaint.department or complaint.location
    if (
        unit is not None
        and callback_desk(complaint.company_id, unit).exclude(pk__in=excluded).exists()
    ):
        return None, Role.SERVICE_DESK
    return None, Role.QUALITY_DEPARTMENT


RUNNING = [Deadline.State.OPEN, Deadline.State.BREACHED, Deadline.State.PAUSED]


def _running(complaint: Complaint, *kinds: str) -> QuerySet[Deadline]:
    deadlines_of_case = deadlines_for(complaint).filter(state__in=RUNNING)
    return deadlines_of_case.filter(kind__in=kinds) if kinds else deadlines_of_case


def _open_deadline(complaint: Complaint, kind: str) -> Deadline | None:
    return _running(complaint, kind).first()


def _meet(complaint: Complaint, kind: str, at: datetime) -> None:
    deadline = _open_deadline(complaint, kind)
    if deadline is not None:
        deadlines.deadline_meet(deadline=deadline, at=at)


def _cancel_all(complaint: Complaint, reason: Any) -> None:
    """Cancel every running deadline of the case; `reason` (a module constant) is stored in
    the site's language, whoever's language the request that closed the case was in."""
    with translation.override(settings.LANGUAGE_CODE):
        text = str(reason)
    for deadline in _running(complaint):
        deadlines.deadline_cancel(deadline=deadline, reason=text)


def _event(
    complaint: Complaint,
    action: str,
    actor: Person | None,
    *,
    before: Any = None,
    after: Any = None,
    reason: str = "",
    data: Any = None,
) -> None:
    event_record(
        subject=complaint,
        action=action,
        actor=actor,
        before=before,
        after=after,
        reason=reason,
        data=data,
    )


# --- registration and judgement (CMP-1, CMP-2) --------------------------------------------


# Validated by the caller's form or look-up already (and re-checked by the database): the
# model's own existence queries for them would only repeat it (issue 9 item 2).
_RELATIONS = [f.name for f in Complaint._meta.concrete_fields if f.is_relation]


@transaction.atomic
@rules_read_once()
def complaint_register(
    *,
    company: Company,
    channel: str,
    category: str,
    title: str,
    content: str,
    customer_name: str,
    customer_phone: str = "",
    customer_email: str = "",
    customer_address: str = "",
    request: str = "",
    severity: str = Severity.GENERAL,
    location: Unit | None = None,
    received_at: datetime | None = None,
    registered_by: Person | None = None,
    customer: Person | None = None,
    staff_involved: Person | None = None,
    hand_to: Person | None = None,
    hand_over_note: str = "",
) -> Complaint:
    """Register a complaint (客户投诉记录表, CMP-2). Whoever registers it owns it until an
    explicit hand-over (首问责任制, CMP-3); the first-contact limit (CMP-4: 30 minutes),
    for urgent cases the on-site limit (10 minutes), the resolution limit (general: 2 days)
    and the answer to the complainant (within 3 days) start at once.

    A complaint nobody on the staff registered (`registered_by` None: the web form, the API)
    is handed over at once to its first-contact owner `hand_to` with `hand_over_note`, as
    `complaint_hand_over` does (the same events, notification and deadlines following the
    owner), without reading back what this transaction has just written (issue 9 item 2)."""
    registered_at = now()
    complaint = Complaint(
        company=company,
        channel=channel,
        category=category,
        severity=severity,
        title=title,
        content=content,
        request=request,
        customer_name=customer_name,
        customer_phone=customer_phone,
        customer_email=customer_email,
        customer_address=customer_address,
        customer=customer,
        location=location,
        received_at=received_at or registered_at,
        registered_at=registered_at,
        registered_by=registered_by,
        owner=registered_by,
        staff_involved=staff_involved,
        policy_pack=company.policy_pack or "property",
    )
    complaint.search_text = search_document(title, content, request)
    # The tracking code's uniqueness is still checked; the source constraint concerns
    # imported complaints only (a registration has no source).
    complaint.full_clean(exclude=_RELATIONS, validate_constraints=False)
    # Issue 9 item 2: the repeat check and the hand-over set their fields before the INSERT
    # (no UPDATE after it), and the events are written together at the end, in the order
    # they are recorded here.
    repeat_flag(complaint)
    handing_over = hand_to is not None and registered_by is None
    if handing_over:
        complaint.owner = hand_to
    with events_batched():
        complaint.save(force_insert=True)
        _event(
            complaint,
            ComplaintEvent.REGISTERED,
            registered_by,
            after={"channel": channel, "category": category, "severity": severity},
            data={
                "channel": channel,
                "category": category,
                "severity": severity,
                "repeat_of": complaint.repeat_of_id,
                "repeat_reasons": complaint.repeat_reasons,
            },
        )
        limits = [RuleLimit(FIRST_CONTACT, "complaints.first_contact")]
        if severity == Severity.URGENT:
            limits.append(RuleLimit(ON_SITE, "complaints.urgent_on_site"))
        # CMP-4: every case, urgent ones too, must be resolved within the resolution limit.
        limits.append(RuleLimit(RESOLUTION, "complaints.general_resolution"))
        limits.append(RuleLimit(ANSWER, "complaints.answer_complainant"))
        opened = deadlines.deadlines_open_for_rules(
            subject=complaint,
            limits=limits,
            pack=complaint.policy_pack,
            start=complaint.received_at,
            ladder=_ladder(complaint),
            owner=complaint.owner,
            unit=complaint.department or complaint.location,
        )
        if severity == Severity.MAJOR:
            _report_to_leadership(complaint, registered_by)
        if handing_over:
            _hand_over_at_registration(complaint, opened, note=hand_over_note)
    topic_queue(complaint)
    return complaint


def _hand_over_at_registration(complaint: Complaint, opened: list[Deadline], *, note: str) -> None:
    """`complaint_hand_over` by the system of a complaint this transaction has just
    registered for its first-contact owner (`complaint.owner`, written by the INSERT, as
    are its deadlines' owners): nobody else can see it yet, so it is neither locked nor read
    again, nor updated; the same events and notification as a hand-over from nobody."""
    step = _step(complaint, "hand_over")
    if not note.strip():
        raise ComplaintError(REASON_REQUIRED, field="note", status=422)
    to_person = complaint.owner
    assert to_person is not None
    deadlines.deadlines_hand_over(
        subject=complaint, deadlines=opened, owner=to_person, opened_for=None
    )
    _handed_over(complaint, None, step, to_person=to_person, before="", note=note)


def _handed_over(
    complaint: Complaint,
    actor: Person | None,
    step: Step,
    *,
    to_person: Person,
    before: str,
    note: str,
) -> None:
    """The hand-over's event and the new owner's notice (CMP-3)."""
    _event(
        complaint,
        step.event,
        actor,
        before={"owner": before},
        after={"owner": str(to_person)},
        reason=note,
        data={"to_id": to_person.pk},
    )
    notify(
        recipients=[to_person],
        kind="complaint.handed_over",
        subject=complaint,
        title=str(_("Complaint %(code)s is handed over to you"))
        % {"code": complaint.tracking_code},
        body=note,
        url=complaint_url(complaint),
    )


def _report_to_leadership(complaint: Complaint, actor: Person | None) -> None:
    """CMP-3/CMP-7: a major complaint is reported to the leadership and the quality committee
    of the company at once."""
    recipients = list(
        Person.objects.filter(
            is_active=True,
            company=complaint.company,
            role_assignments__role__in=[Role.LEADERSHIP, Role.QUALITY_COMMITTEE],
        ).distinct()
    )
    _event(
        complaint,
        ComplaintEvent.REPORTED_TO_LEADERSHIP,
        actor,
        data={"recipient_ids": [p.pk for p in recipients], "severity": complaint.severity},
    )
    notify(
        recipients=recipients,
        kind="complaint.major",
        subject=complaint,
        title=str(_("Major complaint %(code)s: reported to the leadership"))
        % {"code": complaint.tracking_code},
        body=complaint.title,
        url=complaint_url(complaint),
    )


@transaction.atomic
def complaint_judge_not_established(
    *, complaint: Complaint, actor: Person, explanation: str
) -> Complaint:
    """CMP-2: a complaint judged unfounded is closed as "not established"; the customer gets
    the tactful explanation written here (shown on the tracking page)."""
    complaint = _lock(complaint)
    step = _step(complaint, "judge_not_established")
    if not explanation.strip():
        raise ComplaintError(EXPLANATION_REQUIRED, field="explanation", status=422)
    complaint.status = Status.NOT_ESTABLISHED
    complaint.not_established_reason = explanation.strip()
    complaint.closed_at = now()
    complaint.closed_by = actor
    complaint.save()
    _cancel_all(complaint, CANCELLED_NOT_ESTABLISHED)
    _event(
        complaint,
        step.event,
        actor,
        reason=explanation,
        after={"status": complaint.status},
    )
    return complaint


def _next_letter_number(at: datetime) -> str:
    """Draw the next number of the month under a row lock (call inside a transaction): two
    routings at the same moment wait for each other instead of drawing the same number."""
    month = f"{timezone.localtime(at):%Y%m}"
    prefix = f"LXH{month}-"
    LetterCounter.objects.get_or_create(
        month=month,
        # Letters numbered before the counter existed keep their numbers.
        defaults={"last": ContactLetter.objects.filter(number__startswith=prefix).count()},
    )
    counter = LetterCounter.objects.select_for_update().get(month=month)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}{counter.last:04d}"


@transaction.atomic
def complaint_route(
    *,
    complaint: Complaint,
    actor: Person,
    department: Unit,
    head: Person,
    request: str,
    severity: str | None = None,
) -> ContactLetter:
    """CMP-3: send the work contact letter (工作联系函) to the head of the department
    complained about. Routing again (wrong department) sends a new letter."""
    complaint = _lock(complaint)
    step = _step(complaint, "route")
    sent_at = now()
    superseded = complaint.letters.order_by("-sent_at", "-pk").first()
    if (
        superseded is not None
        and superseded.to_unit_id == department.pk
        and superseded.to_person_id == head.pk
        and superseded.request.strip() == request.strip()
        and (not severity or severity == complaint.severity)
    ):
        # Issue 8 item 2: the same letter again would change nothing but its number.
        raise ComplaintError(
            SAME_ROUTING % {"number": superseded.number, "head": head, "department": department}
        )
    letter = ContactLetter.objects.create(
        complaint=complaint,
        number=_next_letter_number(sent_at),
        to_unit=department,
        to_person=head,
        request=request,
        sent_by=actor,
        sent_at=sent_at,
    )
    before = {
        "status": complaint.status,
        "department": str(complaint.department or ""),
        "severity": complaint.severity,
    }
    previous_severity = complaint.severity
    complaint.department = department
    complaint.status = Status.ROUTED
    if severity:
        complaint.severity = severity
    complaint.save()
    for deadline in _running(complaint):
        deadlines.deadline_reassign(deadline=deadline, owner=head, unit=department)
    if (
        complaint.severity == Severity.URGENT
        and previous_severity != Severity.URGENT
        and not deadlines_for(complaint).filter(kind=ON_SITE).exists()
    ):
        # CMP-4/X-1: raised to urgent: staff must be on site within the limit, from now.
        _open(complaint, ON_SITE, "complaints.urgent_on_site", start=sent_at, owner=head)
    after = {
        "status": complaint.status,
        "department": department.name,
        "letter": letter.number,
        "head": str(head),
        "severity": complaint.severity,
    }
    data = {"letter": letter.number, "department_id": department.pk, "head_id": head.pk}
    if superseded is not None:
        after["supersedes"] = superseded.number
        data["supersedes"] = superseded.number
    _event(complaint, step.event, actor, before=before, after=after, data=data)
    if complaint.severity == Severity.MAJOR and previous_severity != Severity.MAJOR:
        _report_to_leadership(complaint, actor)
    notify(
        recipients=[head],
        kind="complaint.routed",
        subject=complaint,
        title=str(_("Contact letter %(number)s: a complaint about your department"))
        % {"number": letter.number},
        body=_limits_at_night(complaint, complaint.title, at=sent_at),
        url=complaint_url(complaint),
    )
    return letter


def _limits_at_night(complaint: Complaint, body: str, *, at: datetime) -> str:
    """`body` followed by a line for each running limit of the case that falls due at night
    (issue 8 item 1, X-3): the head told of a letter at 23:10 knows the contact limit runs
    out at night."""
    lines = [body]
    running = _running(complaint).filter(state=Deadline.State.OPEN)
    for deadline in running.select_related("company", "calendar"):
        night = night_text(deadline, now=at)
        if night:
            lines.append(str(LIMIT_AT_NIGHT) % {"limit": kind_label(deadline.kind), "night": night})
    return "\n".join(lines)


@transaction.atomic
def letter_acknowledge(*, letter: ContactLetter, actor: Person) -> ContactLetter:
    """CMP-3: the department head signs for the contact letter (the kept receipt)."""
    complaint = _lock(letter.complaint)
    letter = ContactLetter.objects.get(pk=letter.pk)
    latest = complaint.letters.order_by("-sent_at", "-pk").first()
    if latest is not None and latest.pk != letter.pk:
        raise ComplaintError(SUPERSEDED_LETTER % {"number": letter.number, "latest": latest.number})
    if letter.acknowledged_at is not None:
        raise ComplaintError(ALREADY_SIGNED % {"number": letter.number})
    step = _step(complaint, "acknowledge", actor)
    letter.acknowledged_by = actor
    letter.acknowledged_at = now()
    letter.save()
    complaint.status = Status.ACKNOWLEDGED
    complaint.save()
    _event(
        complaint,
        step.event,
        actor,
        after={"letter": letter.number, "status": complaint.status},
    )
    return letter


@transaction.atomic
def complaint_assign(
    *,
    complaint: Complaint,
    actor: Person,
    handler: Person,
    solution: str,
    investigation: str = "",
    staff_involved: Person | None = None,
    verified: bool = True,
) -> Complaint:
    """CMP-3: the department head investigates, names the person responsible for handling
    and drafts the solution. A founded complaint is recorded as verified (CMP-9: an event the
    assessment consumes, with the staff member complained about)."""
    complaint = _lock(complaint)
    _step(complaint, "assign")
    if (
        complaint.status == Status.IN_PROGRESS
        and complaint.handler_id == handler.pk
        and complaint.solution == solution
        and (investigation or complaint.investigation) == complaint.investigation
        and (staff_involved is None or staff_involved.pk == complaint.staff_involved_id)
        and not (verified and complaint.verified_at is None)
    ):
        # Issue 8 item 2: the same assignment again would change nothing.
        raise ComplaintError(SAME_ASSIGNMENT % {"handler": handler})
    before = {"handler": str(complaint.handler or ""), "solution": complaint.solution}
    complaint.handler = handler
    complaint.solution = solution
    complaint.investigation = investigation or complaint.investigation
    if staff_involved is not None:
        complaint.staff_involved = staff_involved
    complaint.status = Status.IN_PROGRESS
    newly_verified = verified and complaint.verified_at is None
    if newly_verified:
        complaint.verified_at = now()
    complaint.save()
    # The first contact stays the head's (004 第4篇 五.3: the head contacts the customer and
    # names the handler to carry the solution through); the handler carries the rest.
    for deadline in _running(complaint, RESOLUTION, ON_SITE):
        deadlines.deadline_reassign(deadline=deadline, owner=handler, unit=complaint.department)
    _event(
        complaint,
        ComplaintEvent.ASSIGNED,
        actor,
        before=before,
        after={"handler": str(handler), "solution": solution},
        data={"handler_id": handler.pk},
    )
    if newly_verified:
        _event(
            complaint,
            ComplaintEvent.VERIFIED,
            actor,
            data={
                "category": complaint.category,
                "attitude": complaint.category == "attitude",
                "staff_id": complaint.staff_involved_id,
                "department_id": complaint.department_id,
            },
        )
    notify(
        recipients=[handler],
        kind="complaint.assigned",
        subject=complaint,
        title=str(_("You are handling complaint %(code)s")) % {"code": complaint.tracking_code},
        body=solution,
        url=complaint_url(complaint),
    )
    return complaint


@transaction.atomic
def complaint_allow_special_first_contact(
    *, complaint: Complaint, actor: Person, reason: str
) -> Complaint:
    """CMP-4: in a special case the first contact may take up to 4 hours, with a reason."""
    complaint = _lock(complaint)
    step = _step(complaint, "special_first_contact")
    if not reason.strip():
        raise ComplaintError(REASON_REQUIRED, field="reason", status=422)
    deadline = _open_deadline(complaint, FIRST_CONTACT)
    if deadline is None:
        raise ComplaintError(ALREADY_CONTACTED)
    limit = _rule(complaint, "complaints.first_contact_special_max")
    try:
        deadlines.deadline_extend(deadline=deadline, duration=limit, reason=reason, actor=actor)
    except DeadlineError as error:
        if error.code == "deadline_unchanged":
            raise  # the limit in force is already this long: its own reason says so
        # The deadline is no longer open (the sweep marked it breached): too late to extend.
        raise ComplaintError(SPECIAL_LIMIT_TOO_LATE) from error
    complaint.special_case_reason = reason.strip()
    complaint.save()
    _event(
        complaint,
        step.event,
        actor,
        reason=reason,
        after={"limit_minutes": int(limit.total_seconds() // 60)},
    )
    return complaint


@transaction.atomic
def complaint_record_contact(
    *, complaint: Complaint, actor: Person, at: datetime | None = None, on_site: bool = False
) -> Complaint:
    """CMP-4: the customer was contacted (first-contact limit met); for urgent cases, staff
    arrived on site (on-site limit met)."""
    complaint = _lock(complaint)
    step = _step(complaint, "record_contact")
    if complaint.first_contact_at is not None and (not on_site or complaint.on_site_at):
        # Issue 8 item 2: recording the first contact (or arrival) again changes nothing.
        raise ComplaintError(ALREADY_ON_SITE if on_site else ALREADY_CONTACTED)
    at = at or now()
    if complaint.first_contact_at is None:
        complaint.first_contact_at = at
        _meet(complaint, FIRST_CONTACT, at)
    if on_site and complaint.on_site_at is None:
        complaint.on_site_at = at
        _meet(complaint, ON_SITE, at)
    complaint.save()
    _event(
        complaint,
        step.event,
        actor,
        after={"first_contact_at": complaint.first_contact_at, "on_site": on_site},
    )
    return complaint


@transaction.atomic
def complaint_resolve(
    *, complaint: Complaint, actor: Person, resolution: str, customer_reply: str = ""
) -> Complaint:
    """CMP-5: the solution is completed (投诉处置表); the complainant has their answer and
    the callback is due the same day, owned by whoever the pack says calls back — never the
    person who resolved the case (issue 8 item 1). `resolution` is the internal handling
    record; `customer_reply` the answer the customer reads on the tracking page (issue 8
    item 6; empty keeps the earlier reply, and the page then says a neutral sentence)."""
    complaint = _lock(complaint)
    step = _step(complaint, "resolve")
    if not resolution.strip():
        raise ComplaintError(_("Describe what was done."))
    at = now()
    complaint.resolution = resolution.strip()
    complaint.customer_reply = customer_reply.strip() or complaint.customer_reply
    complaint.resolved_at = at
    # Resolving the case means the customer was reached: the record is never left blank.
    complaint.first_contact_at = complaint.first_contact_at or at
    complaint.answered_at = complaint.answered_at or at
    complaint.status = Status.RESOLVED
    complaint.save()
    for kind in (RESOLUTION, ON_SITE, ANSWER, FIRST_CONTACT):
        _meet(complaint, kind, at)
    owner, owner_role = _callback_owner(complaint, actor)
    _open(
        complaint,
        CALLBACK,
        "complaints.callback_deadline",
        start=at,
        owner=owner,
        owner_role=owner_role,
    )
    after = {"resolution": complaint.resolution}
    if customer_reply.strip():
        after["customer_reply"] = complaint.customer_reply
    _event(complaint, step.event, actor, after=after)
    return complaint


@transaction.atomic
def complaint_callback(
    *,
    complaint: Complaint,
    actor: Person,
    reached: bool,
    confirmed: bool = False,
    satisfaction: str = "",
    feedback: str = "",
    method: str = "phone",
) -> Callback:
    """CMP-5: every complaint gets a callback. A satisfied customer confirms the result and
    the case goes back to the registrar to close the same day; a dissatisfied one reopens it;
    an unreached customer leaves the callback due."""
    complaint = _lock(complaint)
    _step(complaint, "callback")
    at = now()
    callback = Callback.objects.create(
        complaint=complaint,
        at=at,
        by=actor,
        method=method,
        reached=reached,
        confirmed=confirmed,
        satisfaction=satisfaction,
        feedback=feedback,
    )
    data = {"reached": reached, "confirmed": confirmed, "satisfaction": satisfaction}
    if not reached:
        _event(complaint, ComplaintEvent.CALLBACK_UNREACHED, actor, data=data)
        return callback
    _meet(complaint, CALLBACK, at)
    if callback.satisfied:
        complaint.status = Status.CALLED_BACK
        complaint.save()
        _event(complaint, ComplaintEvent.CALLBACK_CONFIRMED, actor, data=data, reason=feedback)
        registrar = complaint.registered_by or complaint.owner
        if registrar is not None:
            _open(complaint, CLOSURE, "complaints.result_to_registrar", start=at, owner=registrar)
            notify(
                recipients=[registrar],
                kind="complaint.called_back",
                subject=complaint,
                title=str(_("Complaint %(code)s is confirmed by the customer: close it today"))
                % {"code": complaint.tracking_code},
                url=complaint_url(complaint),
            )
    else:
        complaint.status = Status.IN_PROGRESS
        complaint.resolved_at = None
        complaint.save()
        _open(
            complaint,
            RESOLUTION,
            "complaints.general_resolution",
            start=at,
            owner=complaint.handler,
        )
        _event(complaint, ComplaintEvent.REOPENED, actor, data=data, reason=feedback)
        if complaint.handler is not None:
            notify(
                recipients=[complaint.handler],
                kind="complaint.reopened",
                subject=complaint,
                title=str(_("Complaint %(code)s is reopened: the customer is not satisfied"))
                % {"code": complaint.tracking_code},
                body=feedback,
                url=complaint_url(complaint),
            )
    return callback


@transaction.atomic
def complaint_close(
    *,
    complaint: Complaint,
    actor: Person,
    final_result: str,
    evaluation: str,
    customer_reply: str = "",
) -> Complaint:
    """CMP-6: the registrar records the final result and an overall evaluation of the
    handling and closes the case; the record is archived and cannot change afterwards. Both
    are internal; `customer_reply`, when given, replaces the answer the customer reads on the
    tracking page (issue 8 item 6)."""
    complaint = _lock(complaint)
    step = _step(complaint, "close")
    if not final_result.strip() or not evaluation.strip():
        raise ComplaintError(_("Record both the final result and the evaluation."))
    at = now()
    reply_changed = bool(customer_reply.strip()) and (
        customer_reply.strip() != complaint.customer_reply
    )
    complaint.customer_reply = customer_reply.strip() or complaint.customer_reply
    complaint.final_result = final_result.strip()
    complaint.evaluation = evaluation.strip()
    complaint.closed_at = at
    complaint.closed_by = actor
    complaint.status = Status.CLOSED
    complaint.save()
    _meet(complaint, CLOSURE, at)
    _cancel_all(complaint, CANCELLED_CLOSED)
    _event(
        complaint,
        step.event,
        actor,
        after={
            "final_result": complaint.final_result,
            "evaluation": complaint.evaluation,
            **({"customer_reply": complaint.customer_reply} if reply_changed else {}),
        },
    )
    return complaint


@transaction.atomic
def complaint_hand_over(
    *, complaint: Complaint, actor: Person | None, to_person: Person, note: str
) -> Complaint:
    """CMP-3 (首问责任制): ownership moves only by this explicit hand-over (`actor` None: by
    the system, as for a complaint from the web form)."""
    complaint = _lock(complaint)
    step = _step(complaint, "hand_over")
    if complaint.owner_id == to_person.pk:
        raise ComplaintError(SAME_OWNER)
    if not note.strip():
        raise ComplaintError(REASON_REQUIRED, field="note", status=422)
    before = str(complaint.owner or "")
    previous = complaint.owner_id
    complaint.owner = to_person
    complaint.save()
    # The limits the previous owner carried (or nobody carried) move with the case.
    for deadline in _running(complaint):
        if deadline.owner_id in (previous, None):
            deadlines.deadline_reassign(deadline=deadline, owner=to_person, actor=actor)
    _handed_over(complaint, actor, step, to_person=to_person, before=before, note=note)
    return complaint


@transaction.atomic
def complaint_customer_escalate(*, complaint: Complaint, reason: str) -> CustomerEscalation:
    """CMP-7: the complainant escalates straight to the group leader and the chairman when
    the supervision group does not answer or arrive in time."""
    complaint = _lock(complaint)
    step = _step(complaint, "customer_escalate")
    if not reason.strip():
        raise ComplaintError(REASON_REQUIRED, field="reason", status=422)
    pending = complaint.customer_escalations.filter(answered_at__isnull=True).first()
    if pending is not None:
        raise ComplaintError(
            ESCALATION_PENDING % {"at": f"{timezone.localtime(pending.at):%Y-%m-%d %H:%M}"}
        )
    if not complaint_has_breach(complaint):
        raise ComplaintError(NOTHING_OVERDUE)
    escalation = CustomerEscalation.objects.create(complaint=complaint, at=now(), reason=reason)
    _event(
        complaint,
        step.event,
        None,
        reason=reason,
        data={
            "department_id": complaint.department_id,
            "handler_id": complaint.handler_id,
        },
    )
    recipients = escalation_recipients(complaint, "group_leader") + escalation_recipients(
        complaint, "chairman"
    )
    notify(
        recipients=recipients,
        kind="complaint.customer_escalated",
        subject=complaint,
        title=str(_("The customer escalated complaint %(code)s"))
        % {"code": complaint.tracking_code},
        body=reason,
        url=complaint_url(complaint),
    )
    return escalation


def escalation_may_answer(person: Person, complaint: Complaint) -> bool:
    """CMP-7: whether `person` may answer the case's escalations (the rule is the
    selector's, `may_answer_escalations`)."""
    return may_answer_escalations(person, complaint)


@transaction.atomic
def complaint_escalation_answer(
    *, escalation: CustomerEscalation, actor: Person, answer: str
) -> CustomerEscalation:
    """CMP-7: the group leader or the chairman answers the customer's escalation; the owner
    and the handler of the case are told."""
    complaint = _lock(escalation.complaint)
    escalation = CustomerEscalation.objects.select_for_update().get(pk=escalation.pk)
    if not escalation_may_answer(actor, complaint):
        raise ComplaintError(ANSWER_NOT_ALLOWED)
    if escalation.answered_at is not None:
        raise ComplaintError(ALREADY_ANSWERED)
    if not answer.strip():
        raise ComplaintError(ANSWER_REQUIRED, field="answer", status=422)
    escalation.answered_by = actor
    escalation.answered_at = now()
    escalation.answer = answer.strip()
    escalation.save()
    _event(
        complaint,
        ComplaintEvent.ESCALATION_ANSWERED,
        actor,
        reason=escalation.answer,
        after={"answer": escalation.answer},
        data={"escalation_id": escalation.pk},
    )
    recipients = [p for p in (complaint.owner, complaint.handler) if p is not None]
    notify(
        recipients=list({p.pk: p for p in recipients}.values()),
        kind="complaint.escalation_answered",
        subject=complaint,
        title=str(_("The customer's escalation of complaint %(code)s is answered"))
        % {"code": complaint.tracking_code},
        body=escalation.answer,
        url=complaint_url(complaint),
    )
    return escalation


@transaction.atomic
def complaint_customer_rate(*, complaint: Complaint, rating: int, comment: str = "") -> Complaint:
    """The customer rates the handling from the tracking page."""
    complaint = _lock(complaint)
    step = _step(complaint, "customer_rate")
    if not 1 <= rating <= 5:
        raise ComplaintError(RATING_RANGE, field="rating", status=422)
    if (complaint.customer_rating, complaint.customer_comment) == (rating, comment):
        # Issue 8 item 2: the same rating sent twice (a double submit) is not a new rating.
        return complaint
    complaint.customer_rating = rating
    complaint.customer_comment = comment
    complaint.save()
    _event(complaint, step.event, None, data={"rating": rating}, reason=comment)
    return complaint


FOLLOW_UP_EMPTY = _("Send a message or a photo.")


@transaction.atomic
def complaint_customer_follow_up(
    *, complaint: Complaint, message: str = "", photo: Any = None, channel: str = "api"
) -> Event:
    """Issue 8 item 5 (CMP-2): the customer adds a message or a photo to an open case (through
    a hotline or WeChat integration); the photo is attached to the case, the message is the
    event's reason, and the owner and the handler are told."""
    complaint = _lock(complaint)
    step = _step(complaint, "customer_follow_up")
    message = message.strip()
    if not message and photo is None:
        raise ComplaintError(FOLLOW_UP_EMPTY, field="message", status=422)
    attachment = None
    if photo is not None:
        attachment = attachment_add(subject=complaint, uploaded_file=photo, uploaded_by=None)
    event = event_record(
        subject=complaint,
        action=step.event,
        actor=None,
        reason=message,
        data={"attachment_id": attachment.pk if attachment else None, "channel": channel},
    )
    recipients = [p for p in (complaint.owner, complaint.handler) if p is not None]
    notify(
        recipients=list({p.pk: p for p in recipients}.values()),
        kind="complaint.customer_followed_up",
        subject=complaint,
        title=str(_("The customer added to complaint %(code)s"))
        % {"code": complaint.tracking_code},
        body=message,
        url=complaint_url(complaint),
    )
    return event


OFFENCES = {
    "hiding": _("Hiding a complaint"),
    "refusing": _("Refusing to admit a verified complaint"),
    "retaliation": _("Retaliating against a complainant"),
}


@transaction.atomic
def complaint_record_offence(
    *, complaint: Complaint, actor: Person, person: Person, offence: str, note: str
) -> None:
    """CMP-9: hiding a complaint, refusing to admit a verified one or retaliating against the
    complainant is recorded against the person, for the assessment to act on."""
    complaint = _lock(complaint)
    step = _step(complaint, "record_offence")
    if offence not in OFFENCES:
        raise ComplaintError(_("Unknown offence."))
    if not note.strip():
        raise ComplaintError(REASON_REQUIRED, field="note", status=422)
    _event(
        complaint,
        step.event,
        actor,
        reason=note,
        data={"offence": offence, "person_id": person.pk},
    )


def complaint_has_breach(complaint: Complaint) -> bool:
    """Whether a running limit of the case is past due — the supervision group "did not
    answer or arrive in time" (CMP-7) — whether or not the sweep has marked it yet."""
    return (
        _running(complaint)
        .filter(Q(state=Deadline.State.BREACHED) | Q(state=Deadline.State.OPEN, due_at__lt=now()))
        .exists()
    )


def complaint_url(complaint: Complaint) -> str:
    return complaint.get_absolute_url()


def escalation_recipients(complaint: Complaint, level: str) -> list:
    from pinzhi.complaints.selectors import escalation_recipients as resolve

    return resolve(complaint, level)
