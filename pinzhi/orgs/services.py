"""Writes to the organisation: units, posts, people, roles, companies, and sign-in failures.

Every service is atomic and records what it changed on the timeline (X-1).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from pinzhi.lib.clock import now
from pinzhi.orgs.models import Company, Person, Post, RoleAssignment, SignInFailure, Unit
from pinzhi.orgs.roles import SUPERUSER_ONLY_ROLES, Role

PARENT_IN_OTHER_COMPANY = _("The parent unit belongs to another company.")
PARENT_IS_DESCENDANT = _("A unit cannot be placed under itself or one of its own sub-units.")
POST_IN_OTHER_UNIT = _("The post belongs to another unit than the person's.")
SCOPE_IN_OTHER_COMPANY = _("A unit in the scope belongs to another company than the person's.")
UNKNOWN_ROLE = _("Unknown role “%(role)s”.")
ROLE_SUPERUSER_ONLY = _(
    "Only a system administrator can give or take away the role “%(role)s”: it approves "
    "what the quality department proposes."
)
OPERATOR_KIND_FIXED = _("The operator company stays an operator: its kind cannot be changed.")
OWN_ROLES = _("You cannot change your own roles: ask a colleague or a system administrator.")

# Fields recorded on the timeline; never the password hash.
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
    "policy_pack",
    "operator",
)


# --- timeline (X-1) ---------------------------------------------------------------------


def _snapshot(instance, fields) -> dict:
    from pinzhi.timeline.services import snapshot

    return snapshot(instance, list(fields))


def _record(*, subject, action: str, actor=None, before=None, after=None, reason="", data=None):
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


# --- sign-in lock-out -------------------------------------------------------------------


def signin_locked_until(*, username: str, ip_address: str | None = None) -> datetime | None:
    """The end of the lock on `username` signing in from `ip_address`, or None: locked
    after PINZHI_SIGNIN_MAX_FAILURES failures of that (username, address) pair within
    PINZHI_SIGNIN_LOCK_MINUTES, until that long after the last one. Keyed on the pair, so
    that nobody can lock someone else's account out from their own address."""
    window = timedelta(minutes=settings.PINZHI_SIGNIN_LOCK_MINUTES)
    recent = SignInFailure.objects.filter(
        username=username, ip_address=ip_address or None, at__gte=now() - window
    )
    failures = list(recent.order_by("-at").values_list("at", flat=True))
    if len(failures) >= settings.PINZHI_SIGNIN_MAX_FAILURES:
        return failures[0] + window
    return None


def signin_record_failure(*, username: str, ip_address: str | None) -> None:
    SignInFailure.objects.create(username=username, ip_address=ip_address or None, at=now())


def signin_clear_failures(*, username: str, ip_address: str | None = None) -> None:
    """Forget the failures of `username` from `ip_address` (after a successful sign-in
    from there); without an address, every failure of the username."""
    failures = SignInFailure.objects.filter(username=username)
    if ip_address:
        failures = failures.filter(ip_address=ip_address)
    failures.delete()


# --- organisation tree ----------------------------------------------------------------


def _path_for(*, code: str, parent: Unit | None) -> str:
    return f"{parent.path if parent else '/'}{code}/"


def _check_parent(*, unit: Unit | None, company: Company, parent: Unit | None) -> None:
    if parent is None:
        return
    if parent.company_id != company.pk:
        raise ValidationError({"parent": PARENT_IN_OTHER_COMPANY})
    if unit is not None and unit.pk and parent.path.startswith(unit.path):
        raise ValidationError({"parent": PARENT_IS_DESCENDANT})


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
    actor=None,
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
    unit.full_clean()
    unit.save()
    _record(subject=unit, action="unit.created", actor=actor, after=_snapshot(unit, UNIT_FIELDS))
    return unit


@transaction.atomic
def unit_update(*, unit: Unit, actor=None, **fields) -> Unit:
    """Change a unit (ORG-1); moving it or renaming its code rewrites the paths of its
    subtree, and a unit cannot be moved below itself."""
    before = _snapshot(unit, UNIT_FIELDS)
    old_path = unit.path
    for name, value in fields.items():
        setattr(unit, name, value)
    _check_parent(unit=unit, company=unit.company, parent=unit.parent)
    unit.path = _path_for(code=unit.code, parent=unit.parent)
    unit.full_clean()
    unit.save()
    if unit.path != old_path:
        for child in Unit.objects.filter(company=unit.company, path__startswith=old_path).exclude(
            pk=unit.pk
        ):
            child.path = unit.path + child.path[len(old_path) :]
            child.save(update_fields=["path"])
    _record(
        subject=unit,
        action="unit.updated",
        actor=actor,
        before=before,
        after=_snapshot(unit, UNIT_FIELDS),
    )
    return unit


@transaction.atomic
def post_create(*, unit: Unit, code: str, name: str, duties: str = "", actor=None) -> Post:
    """Add a post (岗位) to a unit (ORG-1)."""
    post = Post(unit=unit, code=code, name=name, duties=duties)
    post.full_clean()
    post.save()
    _record(subject=post, action="post.created", actor=actor, after=_snapshot(post, POST_FIELDS))
    return post


@transaction.atomic
def post_update(*, post: Post, actor=None, **fields) -> Post:
    """Change a post's code, name or duties (ORG-1)."""
    before = _snapshot(post, POST_FIELDS)
    for name, value in fields.items():
        setattr(post, name, value)
    post.full_clean()
    post.save()
    _record(
        subject=post,
        action="post.updated",
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
    password: str | None = None,
    is_active: bool = True,
    actor=None,
) -> Person:
    """Add a person (ORG-1); without a password the person cannot sign in until one is
    set."""
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
        raise ValidationError({"post": POST_IN_OTHER_UNIT})
    if password:
        person.set_password(password)
    else:
        person.set_unusable_password()
    person.full_clean()
    person.save()
    _record(
        subject=person,
        action="person.created",
        actor=actor,
        after=_snapshot(person, PERSON_FIELDS),
        data={"password_set": bool(password)},
    )
    return person


@transaction.atomic
def person_update(*, person: Person, actor=None, **fields) -> Person:
    """Change a person's data (ORG-1); the post must belong to the person's unit."""
    if "password" in fields:
        raise TypeError("use person_set_password to change a password")
    before = _snapshot(person, PERSON_FIELDS)
    for name, value in fields.items():
        setattr(person, name, value)
    if person.post_id is not None and person.post.unit_id != person.unit_id:
        raise ValidationError({"post": POST_IN_OTHER_UNIT})
    person.full_clean()
    person.save()
    _record(
        subject=person,
        action="person.updated",
        actor=actor,
        before=before,
        after=_snapshot(person, PERSON_FIELDS),
    )
    return person


@transaction.atomic
def person_set_password(*, person: Person, password: str, actor=None) -> Person:
    """Set a person's (initial) password, checked by the password validators."""
    validate_password(password, user=person)
    person.set_password(password)
    person.save(update_fields=["password"])
    _record(subject=person, action="person.password_set", actor=actor)
    return person


def _forget_roles(person: Person) -> None:
    person.__dict__.pop("_role_codes", None)
    getattr(person, "_prefetched_objects_cache", {}).pop("role_assignments", None)


def _check_may_change_role(*, actor, person: Person, role: str) -> None:
    """ORG-2: the leadership and the quality committee approve what the quality department
    proposes, so only a superuser grants or removes those roles; and nobody but a superuser
    changes their own roles. No actor means the system itself (commands, tests)."""
    if actor is None or actor.is_superuser:
        return
    if role in SUPERUSER_ONLY_ROLES:
        raise ValidationError({"role": ROLE_SUPERUSER_ONLY % {"role": Role(role).label}})
    if actor.pk == person.pk:
        raise ValidationError({"role": OWN_ROLES})


@transaction.atomic
def role_assign(
    *, person: Person, role: str, scope: list[Unit] | tuple = (), actor=None
) -> RoleAssignment:
    """Give `person` a role covering the units in `scope` (ORG-2); re-assigning a role
    replaces its scope. Only a superuser grants the leadership and quality committee roles
    or changes their own roles. Safe against a concurrent assignment of the same role."""
    if role not in Role.values:
        raise ValidationError({"role": UNKNOWN_ROLE % {"role": role}})
    scope = list(scope)
    after = sorted(u.code for u in scope)
    existing = RoleAssignment.objects.filter(person=person, role=role).first()
    if existing is not None and {u.pk for u in existing.scope.all()} == {u.pk for u in scope}:
        return existing  # nothing to change
    _check_may_change_role(actor=actor, person=person, role=role)
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
            action="role.assigned",
            actor=actor,
            before=None if created else {"role": role, "scope": before},
            after={"role": role, "scope": after},
        )
    return assignment


@transaction.atomic
def role_revoke(*, person: Person, role: str, actor=None, reason: str = "") -> None:
    """Take a role away from `person` (ORG-2); the same limits as for giving it."""
    assignment = RoleAssignment.objects.filter(person=person, role=role).first()
    if assignment is None:
        return
    _check_may_change_role(actor=actor, person=person, role=role)
    scope = sorted(assignment.scope.values_list("code", flat=True))
    assignment.delete()
    _forget_roles(person)
    _record(
        subject=person,
        action="role.revoked",
        actor=actor,
        before={"role": role, "scope": scope},
        reason=reason,
    )


# --- external companies ----------------------------------------------------------------


@transaction.atomic
def company_create(*, actor=None, **fields) -> Company:
    """Register a company — typically an external supplier or inspected company with its
    registration data (ORG-4): credit code (GB 32100), registered capital ≥ 0, licence
    number and validity."""
    company = Company(**fields)
    company.full_clean()
    company.save()
    _record(
        subject=company,
        action="company.created",
        actor=actor,
        after=_snapshot(company, COMPANY_FIELDS),
    )
    return company


@transaction.atomic
def company_update(*, company: Company, actor=None, **fields) -> Company:
    """Change a company's data and registration data (ORG-4), validated as on creation."""
    before = _snapshot(company, COMPANY_FIELDS)
    was_operator = company.kind == Company.Kind.OPERATOR
    for name, value in fields.items():
        setattr(company, name, value)
    if was_operator and company.kind != Company.Kind.OPERATOR:
        raise ValidationError({"kind": OPERATOR_KIND_FIXED})
    company.full_clean()
    company.save()
    _record(
        subject=company,
        action="company.updated",
        actor=actor,
        before=before,
        after=_snapshot(company, COMPANY_FIELDS),
    )
    return company
