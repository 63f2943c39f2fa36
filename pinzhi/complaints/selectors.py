"""Reads of complaints, always scoped to the person asking (ORG-2, ORG-3)."""

from typing import Any

from django.db.models import Q, QuerySet

from pinzhi.complaints.models import OPEN_STATUSES, Complaint, ContactLetter
from pinzhi.complaints.workflow import (
    COMPLAINT_WORKFLOW,
    current_letter,
    front_line_at_location,
)
from pinzhi.deadlines.escalation import OWNER, limit_owners
from pinzhi.deadlines.models import Deadline
from pinzhi.lib.privacy import customer_text
from pinzhi.lib.queries import AmongIds
from pinzhi.orgs.models import Person, Unit
from pinzhi.orgs.roles import COMPANY_WIDE_ROLES, CONTRACTOR_ROLES, Role
from pinzhi.orgs.selectors import contractor_scopes_of, units_visible_to

# Roles that work complaints for the units in their scope.
SCOPED_ROLES = frozenset(
    {
        Role.DEPARTMENT_MANAGER,
        Role.SUPERVISOR,
        Role.UNIT_QUALITY_ADMIN,
        Role.INSPECTOR,
        Role.SERVICE_DESK,
        Role.COMPLAINT_HANDLER,
    }
)
# Roles that may read a customer's personal data on every case they can open.
PERSONAL_DATA_ROLES = frozenset({Role.QUALITY_DEPARTMENT, Role.SERVICE_DESK})
STAFF_COMPLAINT_ROLES = frozenset(Role) - {Role.CUSTOMER, Role.SUPPLIER, Role.SUPERVISING_BODY}
# Who opens the complaint list and case pages: the staff, and a contractor reading (never
# acting on, customer masked) the complaints about its contracted service (issue 8 item 6).
CASE_READ_ROLES = STAFF_COMPLAINT_ROLES | CONTRACTOR_ROLES


def complaints_visible_to(user: Person) -> QuerySet[Complaint]:
    """Company-wide roles see the company's complaints; scoped roles those located in or
    routed to a unit they see; everyone the cases they registered, own or handle; a customer
    only their own complaints.

    Issue 9 item 3: one WHERE of plain column conditions, each served by an index (no join,
    no `pk IN (…)` over the whole table): the letters and the units are id lists read once
    by the database (`AmongIds`)."""
    if not user.is_authenticated:
        return Complaint.objects.none()
    if user.is_superuser:
        return Complaint.objects.all()
    return Complaint.objects.filter(_visibility(user))


def _visibility(user: Person) -> Q:
    codes = user.role_codes
    condition = Q(customer=user)
    if codes & STAFF_COMPLAINT_ROLES:
        condition |= (
            Q(registered_by=user)
            | Q(owner=user)
            | Q(handler=user)
            | Q(AmongIds("pk", _letters_to(user).values("complaint_id")))
        )
    if codes & COMPANY_WIDE_ROLES and user.company_id:
        condition |= Q(company_id=user.company_id)
    if codes & SCOPED_ROLES:
        condition |= _in_units(units_visible_to(user))
    if codes & CONTRACTOR_ROLES:
        condition |= _contracted(user)
    return condition


def _letters_to(user: Person) -> QuerySet[ContactLetter]:
    return ContactLetter.objects.filter(to_person=user).order_by()


def _in_units(units: QuerySet[Unit]) -> Q:
    """Located in or routed to one of `units` (a query on units, read once as ids)."""
    ids = units.order_by().values("pk")
    return Q(AmongIds("location_id", ids)) | Q(AmongIds("department_id", ids))


def _below(unit: Unit) -> QuerySet[Unit]:
    """The unit and every unit below it (by materialised path, in its company)."""
    return Unit.objects.filter(company_id=unit.company_id, path__startswith=unit.path)


def _contracted(user: Person) -> Q:
    """ORG-2, issue 8 item 6: the complaints about a contractor's service — located at or
    routed to a unit it serves (or one below it), of a category it is contracted for."""
    condition = Q(pk__in=[])
    for scope in contractor_scopes_of(user):
        where = Q(pk__in=[])
        for unit in scope.units.all():
            where |= Q(company_id=unit.company_id) & _in_units(_below(unit))
        if scope.categories:
            where &= Q(category__in=scope.categories)
        condition |= where
    return condition


def complaints_supervised_by(user: Person) -> QuerySet[Complaint]:
    """ORG-4, issue 8 item 6: the complaints located in or routed to the units a supervising
    body supervises (its scope and the units below), for its figures only — the body opens
    no case and sees no customer."""
    if not user.is_authenticated:
        return Complaint.objects.none()
    if not (user.is_superuser or Role.SUPERVISING_BODY in user.role_codes):
        return Complaint.objects.none()
    return Complaint.objects.filter(_in_units(units_visible_to(user)))


def complaints_in_scope(user: Person) -> QuerySet[Complaint]:
    """The complaints located in or routed to the units of the user's scope (an inspector's
    units), among those the user may see (issue 8 item 6)."""
    return complaints_visible_to(user).filter(_in_units(units_visible_to(user)))


def may_see_customer(user: Person, complaint: Complaint) -> bool:
    """ORG-3: a customer's name, phone and address are shown only to the people handling
    the case (and the customer). Everyone else gets them masked."""
    if user.is_superuser or complaint.customer_id == user.pk:
        return True
    if user.role_codes & PERSONAL_DATA_ROLES:
        return True
    handling = {complaint.registered_by_id, complaint.owner_id, complaint.handler_id}
    if user.pk in handling:
        return True
    # Issue 8 item 6: the front line of the estate took the customer's call.
    if front_line_at_location(user, complaint):
        return True
    # Only the head the current letter goes to handles the case; a superseded letter's
    # head no longer does (CMP-3).
    current = complaint_current_letter(complaint)
    return current is not None and current.to_person_id == user.pk


def complaint_text(complaint: Complaint, value: Any, *, may_see: bool) -> str:
    """ORG-3: a complaint's free text (title, content, request, result, notes) as shown to
    a viewer: in clear to one who may see the customer, else with the phone numbers, ID-card
    numbers, e-mail addresses and this customer's name and address masked inside it."""
    return customer_text(
        value,
        may_see=may_see,
        names=[complaint.customer_name],
        addresses=[complaint.customer_address],
    )


# A complaint's free text, which may carry the customer's personal data (ORG-3).
FREE_TEXT_FIELDS = (
    "title",
    "content",
    "request",
    "not_established_reason",
    "special_case_reason",
    "investigation",
    "solution",
    "resolution",
    "customer_reply",
    "final_result",
    "evaluation",
    "customer_comment",
)


def complaint_texts(complaint: Complaint, *, may_see: bool) -> dict[str, str]:
    """ORG-3: every free-text field of the complaint as this viewer may see it."""
    return {
        field: complaint_text(complaint, getattr(complaint, field), may_see=may_see)
        for field in FREE_TEXT_FIELDS
    }


def personal_data_known(subject: Any) -> tuple[list[str], list[str]]:
    """The timeline's hook (ORG-3): the customer's name and address, masked wherever they
    occur in a case's history for those who may not see them."""
    if isinstance(subject, Complaint):
        return [subject.customer_name], [subject.customer_address]
    return [], []


def personal_data_rule(user: Any, subject: Any) -> bool:
    """The timeline's hook (ORG-3): a case's history shows the customer's data to those who
    may see it on the case page."""
    if isinstance(subject, Complaint):
        return may_see_customer(user, subject)
    return bool(user.is_superuser or user.role_codes & PERSONAL_DATA_ROLES)


def open_complaints(queryset: QuerySet[Complaint]) -> QuerySet[Complaint]:
    return queryset.filter(status__in=OPEN_STATUSES)


def queue_for_person(user: Person) -> QuerySet[Complaint]:
    """My queue: open cases I own, handle, or must sign for / act on as department head.

    Issue 9 item 3: for the staff, owning, handling or receiving a case's letter makes it
    visible already, so the queue asks for those alone — without the visibility filter,
    whose list of every letter a head ever received cost seconds at a million cases."""
    mine = (
        Q(owner=user)
        | Q(handler=user)
        | Q(AmongIds("pk", _letters_to(user).filter(acknowledged_at=None).values("complaint_id")))
    )
    if user.is_authenticated and (user.is_superuser or user.role_codes & STAFF_COMPLAINT_ROLES):
        return open_complaints(Complaint.objects.filter(mine))
    return open_complaints(complaints_visible_to(user)).filter(mine)


def queue_for_unit(user: Person, unit: Unit) -> QuerySet[Complaint]:
    """A department's queue: the open cases located in or routed to `unit` or a unit below
    it, among those the person may see.

    Issue 9 item 3: when the unit lies within the units the person's role scope reaches,
    every such case is visible to them already, so the queue asks for the units alone (the
    whole visibility filter, with its list of every letter a head ever received, cost a
    department head with 117,000 letters half a second per page); a company-wide role
    needs only its company. Anyone else gets the full visibility filter (and the units of
    another company with the same path are not this unit's: the subtree is the unit's
    company's)."""
    # The subtree's ids as constants: the planner then knows from its statistics whether
    # the units hold many open cases (read in received order) or few (read by unit).
    ids = list(_below(unit).order_by().values_list("pk", flat=True))
    in_unit = open_complaints(
        Complaint.objects.filter(Q(location_id__in=ids) | Q(department_id__in=ids))
    )
    if not user.is_authenticated:
        return Complaint.objects.none()
    if user.is_superuser:
        return in_unit
    codes = user.role_codes
    if codes & SCOPED_ROLES and units_visible_to(user).filter(pk=unit.pk).exists():
        return in_unit
    if codes & COMPANY_WIDE_ROLES and user.company_id == unit.company_id:
        return in_unit.filter(company_id=user.company_id)
    return in_unit.filter(_visibility(user))


def escalation_recipients(complaint: Complaint, level: str) -> list[Person]:
    """Who a breached complaint deadline reaches at each step of the ladder (CMP-7):
    the handler, the head of the department complained about, the group leader (the quality
    committee) and the chairman (leadership)."""
    if level == "handler":
        person = complaint.handler or complaint.owner
        return [person] if person is not None else []
    people = Person.objects.filter(is_active=True, company=complaint.company)
    if level == "department_head":
        department = complaint.department or complaint.location
        if department is None:
            return []
        heads = list(
            people.filter(
                role_assignments__role=Role.DEPARTMENT_MANAGER,
                role_assignments__scope__in=[u for u in _ancestors(department)],
            ).distinct()
        )
        letter_heads = [letter.to_person for letter in complaint.letters.all()]
        return list({p.pk: p for p in heads + letter_heads}.values())
    role = {"group_leader": Role.QUALITY_COMMITTEE, "chairman": Role.LEADERSHIP}.get(level)
    if role is None:
        return []
    return list(people.filter(role_assignments__role=role).distinct())


def deadline_escalation_recipients(deadline: Deadline, level: str) -> list[Person]:
    """The deadlines app's hook: the complaint a deadline belongs to decides who is told.
    The breach step goes to whoever owns the limit now (issue 8 item 1); "handler" is the
    breach step of ladders opened before that rule and reads the same. When the limit has no
    owner, the case's handler (else its owner) is told. A subject already loaded (the
    sweep prefetches a batch's subjects) is used as it is: no read per step (issue 9
    item 5)."""
    subject = Deadline._meta.get_field("subject").get_cached_value(deadline, None)
    if isinstance(subject, Complaint) and str(subject.pk) == deadline.object_id:
        complaint: Complaint | None = subject
    else:
        complaint = Complaint.objects.filter(pk=deadline.object_id).first()
    if complaint is None:
        return []
    if level in (OWNER, "handler"):
        owners = limit_owners(deadline)
        if owners:
            return owners
        return escalation_recipients(complaint, "handler")
    return escalation_recipients(complaint, level)


def callback_desk(company_id: int, unit: Unit) -> QuerySet[Person]:
    """The service desk whose scope covers `unit` (the unit itself or one above it): who
    calls customers back when the pack gives callbacks to the service desk (CMP-5)."""
    return Person.objects.filter(
        is_active=True,
        company_id=company_id,
        role_assignments__role=Role.SERVICE_DESK,
        role_assignments__scope__in=_ancestors(unit),
    ).distinct()


def _ancestors(unit: Unit) -> QuerySet[Unit]:
    codes = [c for c in unit.path.strip("/").split("/") if c]
    paths = ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]
    return Unit.objects.filter(company_id=unit.company_id, path__in=paths)


# Who may take each step of the workflow is declared in complaints/workflow.py. Registering:
# the first-contact roles (CMP-1, CMP-3).
REGISTER_ROLES = frozenset(
    {
        Role.SERVICE_DESK,
        Role.COMPLAINT_HANDLER,
        Role.QUALITY_DEPARTMENT,
        Role.DEPARTMENT_MANAGER,
        Role.SUPERVISOR,
        Role.UNIT_QUALITY_ADMIN,
    }
)


def complaint_actions_for(user: Person, complaint: Complaint) -> list[str]:
    """The names of the workflow steps `user` may take on `complaint` now: valid for its
    status and for the person's part in the case (complaints/workflow.py). Letters must be
    prefetched or are read once."""
    return [step.name for step in COMPLAINT_WORKFLOW.steps_for(user, complaint)]


def may_answer_escalations(user: Person, complaint: Complaint) -> bool:
    """CMP-7: the quality committee (group leader) or the leadership (chairman) of the
    case's company answers a customer's escalation; the case page offers the answer form
    to them and the service lets only them answer."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.company_id == complaint.company_id and user.has_role(
        Role.QUALITY_COMMITTEE, Role.LEADERSHIP
    )


def complaint_current_letter(complaint: Complaint) -> ContactLetter | None:
    """The latest contact letter of a case (routing again sends a new one), or None."""
    return current_letter(complaint)


def department_heads(company_id: int, department: Unit) -> QuerySet[Person]:
    """Department managers of the company whose role scope covers `department` (the unit
    itself or one above it): the people a contact letter may go to (CMP-3)."""
    from pinzhi.orgs.models import RoleAssignment

    paths = [p for p in _ancestors(department).values_list("path", flat=True)]
    assignments = RoleAssignment.objects.filter(
        role=Role.DEPARTMENT_MANAGER, scope__path__in=paths, person__is_active=True
    )
    return Person.objects.filter(
        company_id=company_id, pk__in=assignments.values("person_id")
    ).order_by("full_name", "username")
