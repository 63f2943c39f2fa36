"""Writes to the organisation: units, posts, people, roles, companies, and sign-in failures.

Every service is atomic and records what it changed on the timeline (X-1).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.crypto import constant_time_compare, get_random_string, salted_hmac
from django.utils.translation import gettext_lazy as _

from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.orgs.events import OrgEvent
from pinzhi.orgs.models import (
    Company,
    ContractorScope,
    PasswordReset,
    Person,
    Post,
    RoleAssignment,
    Unit,
)
from pinzhi.orgs.roles import ROLE_RANK, SUPERUSER_ONLY_ROLES, Role, highest_role, rank_of

PARENT_IN_OTHER_COMPANY = _("The parent unit belongs to another company.")
PARENT_IS_DESCENDANT = _("A unit cannot be placed under itself or one of its own sub-units.")
POST_IN_OTHER_UNIT = _("The post belongs to another unit than the person's.")
SCOPE_IN_OTHER_COMPANY = _("A unit in the scope belongs to another company than the person's.")
UNKNOWN_ROLE = _("Unknown role “%(role)s”.")
ROLE_SUPERUSER_ONLY = _(
    "Only a system administrator can give or take away the role “%(role)s”: it approves "
    "what the quality department proposes."
)
NOT_A_CONTRACTOR = _(
    "Only an outsourced supplier has a contracted service; “%(name)s” is not a supplier."
)
SCOPE_UNIT_NOT_OPERATORS = _(
    "The unit “%(unit)s” does not belong to the company the supplier works for."
)
SERVICE_REQUIRED = _("Name the contracted service (for example 保洁服务).")
OPERATOR_KIND_FIXED = _("The operator company stays an operator: its kind cannot be changed.")
OWN_ROLES = _("You cannot change your own roles: ask a colleague or a system administrator.")
PERSON_RANKS_ABOVE = _(
    "%(name)s holds the role “%(role)s”, which ranks above your own: only someone of at least "
    "that rank can change this person."
)
SUPERUSER_RANKS_ABOVE = _(
    "%(name)s is a system administrator: only another system administrator can change them."
)
ROLE_RANKS_ABOVE = _("You cannot give or take away the role “%(role)s”: it ranks above your own.")
NOT_YOUR_PASSWORD = _(
    "Nobody sets another person's password: issue them a one-time sign-in code instead."
)
OLD_PASSWORD_WRONG = _("Your current password is not correct.")
CODE_FOR_YOURSELF = _(
    "You cannot issue a sign-in code to yourself: change your own password on the "
    "“Change password” page."
)
CODE_FOR_INACTIVE = _("%(name)s is inactive: activate them before issuing a sign-in code.")
CODE_INVALID = _(
    "The username or the sign-in code is not correct, or the code has expired or was used "
    "already. Check them, or ask your administrator for a new code."
)

# Fields recorded on the timeline; never the password hash.


class OrgError(DomainError):
    """A change to the organisation its rules refuse, with the reason (and its field)."""

    code = "org_refused"
    status = 422


class OrgChangeNotAllowed(OrgError):
    """A change the person asking may not make (issue 6 item 4: rank, own roles, roles only a
    superuser grants)."""

    code = "org_not_allowed"
    status = 403


UNIT_FIELDS = ("code", "name", "kind", "parent", "is_quality_department", "is_active", "path")
POST_FIELDS = ("unit", "code", "name", "duties")
PERSON_FIELDS = (
    "username",
    "full_name",
    "employee_no",
    "phone",
    "email",
    "company",
    "unit",
    "post",
    "is_active",
)
COMPANY_FIELDS = (
    "name",
    "short_name",
    "kind",
    "credit_code",
    "registered_capital",
    "licence_number",
    "licence_valid_until",
    "address",
    "contact_name",
    "contact_phone",
    "service_hotline",
    "policy_pack",
    "operator",
)


# --- timeline (X-1) ---------------------------------------------------------------------


def _snapshot(instance: Any, fields: Iterable[str]) -> dict:
    from pinzhi.timeline.services import snapshot

    return snapshot(instance, list(fields))


def _record(
    *,
    subject: Any,
    action: str,
    actor: Person | None = None,
    before: Any = None,
    after: Any = None,
    reason: str = "",
    data: dict | None = None,
) -> Any:
    """Record an organisation change on the timeline (X-1), inside the caller's
    transaction. An update that changed nothing records nothing."""
    from pinzhi.timeline.services import changed, event_record

    if isinstance(before, dict) and isinstance(after, dict):
        before, after = changed(before, after)
        if not before and not after:
            return None
    return event_record(
        subject=subject,
        action=action,
        actor=actor,
        before=before,
        after=after,
        reason=reason,
        data=data,
    )


# --- organisation tree ----------------------------------------------------------------


def _clean(instance: models.Model) -> None:
    """The model's own validation, its refusal as an OrgError keyed by field."""
    try:
        instance.full_clean()
    except ValidationError as error:
        raise OrgError.from_validation_error(error) from None


def _path_for(*, code: str, parent: Unit | None) -> str:
    return f"{parent.path if parent else '/'}{code}/"


def _check_parent(*, unit: Unit | None, company: Company, parent: Unit | None) -> None:
    if parent is None:
        return
    if parent.company_id != company.pk:
        raise OrgError(PARENT_IN_OTHER_COMPANY, field="parent")
    if unit is not None and unit.pk and parent.path.startswith(unit.path):
        raise OrgError(PARENT_IS_DESCENDANT, field="parent")


@transaction.atomic
def unit_create(
    *,
    company: Company,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None = None,
    is_quality_department: bool = False,
    is_active: bool = True,
    actor: Person | None = None,
) -> Unit:
    """Add a unit to the organisation tree (ORG-1). The parent row is locked while its path
    is read, so that a concurrent move of the parent cannot leave the new unit behind."""
    if parent is not None:
        parent = Unit.objects.select_for_update().get(pk=parent.pk)
    _check_parent(unit=None, company=company, parent=parent)
    unit = Unit(
        company=company,
        parent=parent,
        code=code,
        name=name,
        kind=kind,
        is_quality_department=is_quality_department,
        is_active=is_active,
        path=_path_for(code=code, parent=parent),
    )
    _clean(unit)
    unit.save()
    _record(
        subject=unit, action=OrgEvent.UNIT_CREATED, actor=actor, after=_snapshot(unit, UNIT_FIELDS)
    )
    return unit


@transaction.atomic
def unit_update(*, unit: Unit, actor: Person | None = None, **fields: Any) -> Unit:
    """Change a unit (ORG-1); moving it or renaming its code rewrites the paths of its
    subtree, and a unit cannot be moved below itself."""
    before = _snapshot(unit, UNIT_FIELDS)
    old_path = unit.path
    for name, value in fields.items():
        setattr(unit, name, value)
    _check_parent(unit=unit, company=unit.company, parent=unit.parent)
    unit.path = _path_for(code=unit.code, parent=unit.parent)
    _clean(unit)
    unit.save()
    if unit.path != old_path:
        for child in Unit.objects.filter(company=unit.company, path__startswith=old_path).exclude(
            pk=unit.pk
        ):
            child.path = unit.path + child.path[len(old_path) :]
            child.save(update_fields=["path"])
    _record(
        subject=unit,
        action=OrgEvent.UNIT_UPDATED,
        actor=actor,
        before=before,
        after=_snapshot(unit, UNIT_FIELDS),
    )
    return unit


@transaction.atomic
def post_create(
    *, unit: Unit, code: str, name: str, duties: str = "", actor: Person | None = None
) -> Post:
    """Add a post (岗位) to a unit (ORG-1)."""
    post = Post(unit=unit, code=code, name=name, duties=duties)
    _clean(post)
    post.save()
    _record(
        subject=post, action=OrgEvent.POST_CREATED, actor=actor, after=_snapshot(post, POST_FIELDS)
    )
    return post


@transaction.atomic
def post_update(*, post: Post, actor: Person | None = None, **fields: Any) -> Post:
    """Change a post's code, name or duties (ORG-1)."""
    before = _snapshot(post, POST_FIELDS)
    for name, value in fields.items():
        setattr(post, name, value)
    _clean(post)
    post.save()
    _record(
        subject=post,
        action=OrgEvent.POST_UPDATED,
        actor=actor,
        before=before,
        after=_snapshot(post, POST_FIELDS),
    )
    return post


# --- people ---------------------------------------------------------------------------


@transaction.atomic
def person_create(
    *,
    username: str,
    full_name: str,
    company: Company | None,
    unit: Unit | None = None,
    post: Post | None = None,
    employee_no: str = "",
    phone: str = "",
    email: str = "",
    is_active: bool = True,
    actor: Person | None = None,
) -> Person:
    """Add a person (ORG-1) without a usable password: they sign in once they have set
    their own with a one-time code from `password_reset_issue` (issue 6 item 4)."""
    person = Person(
        username=username,
        full_name=full_name,
        company=company,
        unit=unit if unit is not None or post is None else post.unit,
        post=post,
        employee_no=employee_no,
        phone=phone,
        email=email,
        is_active=is_active,
    )
    if post is not None and person.unit_id != post.unit_id:
        raise OrgError(POST_IN_OTHER_UNIT, field="post")
    person.set_unusable_password()
    _clean(person)
    person.save()
    _record(
        subject=person,
        action=OrgEvent.PERSON_CREATED,
        actor=actor,
        after=_snapshot(person, PERSON_FIELDS),
        data={"password_set": False},
    )
    return person


@transaction.atomic
def person_update(*, person: Person, actor: Person | None = None, **fields: Any) -> Person:
    """Change a person's data (ORG-1), deactivating them included; the post must belong to
    the person's unit, and nobody changes a person ranking above them (issue 6 item 4)."""
    if "password" in fields:
        raise TypeError("nobody sets another person's password: use password_reset_issue")
    check_may_change_person(actor=actor, person=person)
    before = _snapshot(person, PERSON_FIELDS)
    for name, value in fields.items():
        setattr(person, name, value)
    post = person.post if person.post_id is not None else None
    if post is not None and post.unit_id != person.unit_id:
        raise OrgError(POST_IN_OTHER_UNIT, field="post")
    _clean(person)
    person.save()
    if before["is_active"] and not person.is_active:
        # A sign-in code must not outlive a deactivation (issue 6 item 4).
        PasswordReset.objects.filter(
            person=person, used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now())
    _record(
        subject=person,
        action=OrgEvent.PERSON_UPDATED,
        actor=actor,
        before=before,
        after=_snapshot(person, PERSON_FIELDS),
    )
    return person


# --- who may change whom, and passwords (issue 6 item 4) ------------------------------


def check_may_change_person(*, actor: Person | None, person: Person) -> None:
    """Issue 6 item 4: nobody changes a person whose rank (`roles.rank_of`: the highest role,
    a superuser above all) is above their own — edit, deactivate, sign-in code, roles. The
    one check of every service that changes a person. No actor means the system itself."""
    if actor is None or rank_of(actor) >= rank_of(person):
        return
    if person.is_superuser:
        raise OrgChangeNotAllowed(SUPERUSER_RANKS_ABOVE, name=person)
    role = highest_role(person)
    label = role.label if role is not None else ""
    raise OrgChangeNotAllowed(PERSON_RANKS_ABOVE, name=person, role=label)


def may_change_person(*, actor: Person | None, person: Person) -> bool:
    try:
        check_may_change_person(actor=actor, person=person)
    except OrgChangeNotAllowed:
        return False
    return True


@transaction.atomic
def people_set_password(*, people: Iterable[Person], password: str, reason: str = "") -> int:
    """Give `people` the same password, hashed once: for the system only (the demo loader,
    commands), never from a page — a person sets their own password (issue 6 item 4)."""
    people = list(people)
    if not people:
        return 0
    validate_password(password, user=people[0])
    encoded = make_password(password)
    Person.objects.filter(pk__in=[p.pk for p in people]).update(password=encoded)
    for person in people:
        person.password = encoded
        _record(subject=person, action=OrgEvent.PASSWORD_SET, data={"by": "system"}, reason=reason)
    return len(people)


@transaction.atomic
def person_change_password(
    *, person: Person, old_password: str, new_password: str, actor: Person | None = None
) -> Person:
    """A person changes their own password, knowing the current one (issue 6 item 4); the
    new one passes the password validators. Nobody changes another person's password."""
    if actor is not None and actor.pk != person.pk:
        raise OrgChangeNotAllowed(NOT_YOUR_PASSWORD)
    if not person.check_password(old_password):
        raise OrgError(OLD_PASSWORD_WRONG, field="old_password")
    validate_password(new_password, user=person)
    person.set_password(new_password)
    person.save(update_fields=["password"])
    _record(subject=person, action=OrgEvent.PASSWORD_CHANGED, actor=person)
    return person


# A sign-in code: 12 characters without look-alikes (0/O, 1/I/L), shown in groups of four;
# about 59 bits, far beyond guessing within the sign-in limits.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
# How long an expired sign-in code is kept before the daily purge deletes it.
CODE_KEPT_AFTER_EXPIRY = timedelta(days=30)


CODE_MAIL_SUBJECT = _("Your one-time sign-in code for Pinzhi")
CODE_MAIL_BODY = _(
    "%(name)s,\n\nyour one-time sign-in code is %(code)s (username %(username)s), valid until "
    "%(until)s for one use. Open %(url)s, enter your username, this code and a new password "
    "of your own.\n\nIf you did not ask for it, tell the quality department."
)


@dataclass(frozen=True)
class IssuedCode:
    """A sign-in code as issued: `code` exists only here. It went by e-mail to `sent_to`
    when the person has an address (the administrator never sees it then); otherwise it is
    shown once to the administrator, to hand over."""

    reset: PasswordReset
    code: str
    sent_to: str = ""

    @property
    def display(self) -> str:
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))


def _code_hash(person_pk: int, code: str) -> str:
    return salted_hmac(
        "pinzhi.orgs.PasswordReset", f"{person_pk}:{code}", algorithm="sha256"
    ).hexdigest()


def normalise_code(code: str) -> str:
    """A typed code compared as issued: capitals, without spaces or dashes."""
    return re.sub(r"[^0-9A-Z]", "", (code or "").upper())


@transaction.atomic
def password_reset_issue(*, person: Person, actor: Person) -> IssuedCode:
    """Issue 6 item 4: an administrator never sets a person's password; they issue a
    one-time sign-in code with which the person sets their own on the public "set your
    password" page. The code is returned once to be handed over, stored only as a keyed
    hash, valid for PINZHI_SIGNIN_CODE_HOURS, and replaces any earlier open code; the
    current password keeps working until the code is used. Refused for a person ranking
    above the actor, for oneself and for an inactive person."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    check_may_change_person(actor=actor, person=person)
    if actor is not None and actor.pk == person.pk:
        raise OrgChangeNotAllowed(CODE_FOR_YOURSELF)
    if not person.is_active:
        raise OrgError(CODE_FOR_INACTIVE, name=person)
    at = now()
    PasswordReset.objects.filter(
        person=person, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=at)
    code = get_random_string(CODE_LENGTH, allowed_chars=CODE_ALPHABET)
    reset = PasswordReset.objects.create(
        person=person,
        code_hash=_code_hash(person.pk, code),
        issued_by=actor,
        issued_at=at,
        expires_at=at + timedelta(hours=settings.PINZHI_SIGNIN_CODE_HOURS),
    )
    _record(
        subject=person,
        action=OrgEvent.PASSWORD_RESET_ISSUED,
        actor=actor,
        data={"expires_at": reset.expires_at},
    )
    if person.email:
        transaction.on_commit(lambda: _send_code(person, code, reset.expires_at))
        return IssuedCode(reset=reset, code=code, sent_to=person.email)
    return IssuedCode(reset=reset, code=code)


def _send_code(person: Person, code: str, expires_at: datetime) -> None:
    """E-mail a sign-in code to its person (issue 6 item 4), in the default language."""
    from django.core.mail import send_mail
    from django.urls import reverse
    from django.utils import timezone, translation

    with translation.override(settings.LANGUAGE_CODE):
        url = settings.PINZHI_SITE_URL.rstrip("/") + reverse("core:password_set")
        body = CODE_MAIL_BODY % {
            "name": person.get_full_name() or person.username,
            "username": person.username,
            "code": "-".join(code[i : i + 4] for i in range(0, len(code), 4)),
            "until": f"{timezone.localtime(expires_at):%Y-%m-%d %H:%M}",
            "url": url,
        }
        send_mail(str(CODE_MAIL_SUBJECT), body, None, [person.email])


def password_resets_purge(*, at: datetime) -> int:
    """Delete the sign-in codes that expired more than CODE_KEPT_AFTER_EXPIRY before `at`
    (used, replaced or never used alike: they are hashes, and the timeline keeps who issued
    and used each); returns how many."""
    deleted, _ = PasswordReset.objects.filter(expires_at__lte=at - CODE_KEPT_AFTER_EXPIRY).delete()
    return deleted


def password_reset_find(*, username: str, code: str) -> PasswordReset | None:
    """The open code of the active person `username` that matches `code`, or None."""
    code = normalise_code(code)
    if len(code) != CODE_LENGTH:
        return None
    open_codes = PasswordReset.objects.filter(
        person__username=username,
        person__is_active=True,
        used_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now(),
    ).select_related("person")
    for reset in open_codes:
        if constant_time_compare(reset.code_hash, _code_hash(reset.person_id, code)):
            return reset
    return None


@transaction.atomic
def password_reset_redeem(
    *, username: str, code: str, password: str, ip_address: str | None
) -> Person:
    """Issue 6 item 4: a person sets their own password with a sign-in code. The code works
    once (claimed with a conditional UPDATE) and only before it expires. A wrong code raises
    CODE_INVALID (code "invalid_code"), whose message never tells whether the username
    exists; the page counts it as a failed sign-in of that username from that address, so
    the sign-in limits (per account and address, and per address) bound the guessing, and
    clears that account's failures from there once the code works (`pinzhi.core.signin`)."""
    reset = password_reset_find(username=username, code=code)
    if reset is None:
        raise OrgError(CODE_INVALID, code="invalid_code")
    person = reset.person
    validate_password(password, user=person)
    claimed = PasswordReset.objects.filter(
        pk=reset.pk, used_at__isnull=True, revoked_at__isnull=True
    ).update(used_at=now(), used_from=ip_address or None)
    if not claimed:
        raise OrgError(CODE_INVALID, code="invalid_code")
    person.set_password(password)
    person.save(update_fields=["password"])
    _record(
        subject=person,
        action=OrgEvent.PASSWORD_RESET_USED,
        actor=person,
        data={"issued_at": reset.issued_at, "address": ip_address or ""},
    )
    return person


def _forget_roles(person: Person) -> None:
    person.__dict__.pop("_role_codes", None)
    getattr(person, "_prefetched_objects_cache", {}).pop("role_assignments", None)


def check_may_change_role(*, actor: Person | None, person: Person, role: str) -> None:
    """ORG-2: the leadership and the quality committee approve what the quality department
    proposes, so only a superuser grants or removes those roles; nobody but a superuser
    changes their own roles; and (issue 6 item 4) nobody changes the roles of a person
    ranking above them, nor gives or takes away a role ranking above their own. No actor
    means the system itself (commands, tests)."""
    if actor is None or actor.is_superuser:
        return
    if role in SUPERUSER_ONLY_ROLES:
        raise OrgChangeNotAllowed(ROLE_SUPERUSER_ONLY, field="role", role=Role(role).label)
    if actor.pk == person.pk:
        raise OrgChangeNotAllowed(OWN_ROLES, field="role")
    check_may_change_person(actor=actor, person=person)
    if ROLE_RANK.get(role, 0) > rank_of(actor):
        raise OrgChangeNotAllowed(ROLE_RANKS_ABOVE, field="role", role=Role(role).label)


@transaction.atomic
def role_assign(
    *, person: Person, role: str, scope: list[Unit] | tuple = (), actor: Person | None = None
) -> RoleAssignment:
    """Give `person` a role covering the units in `scope` (ORG-2); re-assigning a role
    replaces its scope. Only a superuser grants the leadership and quality committee roles
    or changes their own roles. Safe against a concurrent assignment of the same role."""
    if role not in Role.values:
        raise OrgError(UNKNOWN_ROLE, field="role", role=role)
    scope = list(scope)
    after = sorted(u.code for u in scope)
    existing = RoleAssignment.objects.filter(person=person, role=role).first()
    if existing is not None and {u.pk for u in existing.scope.all()} == {u.pk for u in scope}:
        return existing  # nothing to change
    check_may_change_role(actor=actor, person=person, role=role)
    try:
        with transaction.atomic():
            assignment, created = RoleAssignment.objects.get_or_create(person=person, role=role)
    except IntegrityError:
        # Another transaction created it between our read and our insert: use theirs.
        assignment, created = RoleAssignment.objects.get(person=person, role=role), False
    # Serialise concurrent scope changes of the same assignment.
    assignment = RoleAssignment.objects.select_for_update().get(pk=assignment.pk)
    before = None if created else sorted(u.code for u in assignment.scope.all())
    assignment.scope.set(scope)
    _forget_roles(person)
    if created or before != after:
        _record(
            subject=person,
            action=OrgEvent.ROLE_ASSIGNED,
            actor=actor,
            before=None if created else {"role": role, "scope": before},
            after={"role": role, "scope": after},
        )
    return assignment


@transaction.atomic
def role_revoke(
    *, person: Person, role: str, actor: Person | None = None, reason: str = ""
) -> None:
    """Take a role away from `person` (ORG-2); the same limits as for giving it."""
    assignment = RoleAssignment.objects.filter(person=person, role=role).first()
    if assignment is None:
        return
    check_may_change_role(actor=actor, person=person, role=role)
    scope = sorted(assignment.scope.values_list("code", flat=True))
    assignment.delete()
    _forget_roles(person)
    _record(
        subject=person,
        action=OrgEvent.ROLE_REVOKED,
        actor=actor,
        before={"role": role, "scope": scope},
        reason=reason,
    )


# --- external companies ----------------------------------------------------------------


@transaction.atomic
def company_create(*, actor: Person | None = None, **fields: Any) -> Company:
    """Register a company — typically an external supplier or inspected company with its
    registration data (ORG-4): credit code (GB 32100), registered capital ≥ 0, licence
    number and validity."""
    company = Company(**fields)
    _clean(company)
    company.save()
    _record(
        subject=company,
        action=OrgEvent.COMPANY_CREATED,
        actor=actor,
        after=_snapshot(company, COMPANY_FIELDS),
    )
    return company


@transaction.atomic
def company_update(*, company: Company, actor: Person | None = None, **fields: Any) -> Company:
    """Change a company's data and registration data (ORG-4), validated as on creation."""
    before = _snapshot(company, COMPANY_FIELDS)
    was_operator = company.kind == Company.Kind.OPERATOR
    for name, value in fields.items():
        setattr(company, name, value)
    if was_operator and company.kind != Company.Kind.OPERATOR:
        raise OrgError(OPERATOR_KIND_FIXED, field="kind")
    _clean(company)
    company.save()
    _record(
        subject=company,
        action=OrgEvent.COMPANY_UPDATED,
        actor=actor,
        before=before,
        after=_snapshot(company, COMPANY_FIELDS),
    )
    return company


@transaction.atomic
def contractor_scope_set(
    *,
    contractor: Company,
    service: str,
    units: Iterable[Unit],
    categories: Iterable[str] = (),
    actor: Person | None = None,
) -> ContractorScope:
    """ORG-2, issue 8 item 6: what an outsourced supplier is contracted for — the units of
    the company it works for (its operator) where it serves, and the complaint categories
    of that service (none: every category). Its people then read, masked, the complaints
    about it. Setting a service again replaces its units and categories."""
    service = (service or "").strip()
    if not service:
        raise OrgError(SERVICE_REQUIRED, field="service")
    if contractor.kind != Company.Kind.SUPPLIER:
        raise OrgError(NOT_A_CONTRACTOR % {"name": contractor.name}, field="contractor")
    units = list(units)
    for unit in units:
        if contractor.operator_id is None or unit.company_id != contractor.operator_id:
            raise OrgError(SCOPE_UNIT_NOT_OPERATORS % {"unit": unit.name}, field="units")
    wanted = sorted({c.strip() for c in categories if c and c.strip()})
    scope = (
        ContractorScope.objects.select_for_update()
        .filter(contractor=contractor, service=service)
        .first()
    )
    before = None
    if scope is None:
        scope = ContractorScope.objects.create(
            contractor=contractor, service=service, categories=wanted
        )
    else:
        before = _scope_snapshot(scope)
        scope.categories = wanted
        scope.save(update_fields=["categories"])
    scope.units.set(units)
    _record(
        subject=contractor,
        action=OrgEvent.COMPANY_UPDATED,
        actor=actor,
        before=before,
        after=_scope_snapshot(scope),
    )
    return scope


def _scope_snapshot(scope: ContractorScope) -> dict:
    return {
        "service": scope.service,
        "units": sorted(unit.name for unit in scope.units.all()),
        "categories": list(scope.categories),
    }
