"""Writes to the organisation: units, posts, people, roles, companies, and sign-in failures.

Every service is atomic and records what it changed on the timeline (X-1).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from pinzhi.lib.clock import now
from pinzhi.orgs.models import Company, Person, Post, RoleAssignment, SignInFailure, Unit

PARENT_IN_OTHER_COMPANY = _("The parent unit belongs to another company.")
PARENT_IS_DESCENDANT = _("A unit cannot be placed under itself or one of its own sub-units.")


# --- sign-in lock-out -------------------------------------------------------------------


def signin_locked_until(*, username: str) -> datetime | None:
    """The end of the lock on `username`, or None: locked after PINZHI_SIGNIN_MAX_FAILURES
    failures within PINZHI_SIGNIN_LOCK_MINUTES, until that long after the last one."""
    window = timedelta(minutes=settings.PINZHI_SIGNIN_LOCK_MINUTES)
    recent = SignInFailure.objects.filter(username=username, at__gte=now() - window)
    failures = list(recent.order_by("-at").values_list("at", flat=True))
    if len(failures) >= settings.PINZHI_SIGNIN_MAX_FAILURES:
        return failures[0] + window
    return None


def signin_record_failure(*, username: str, ip_address: str | None) -> None:
    SignInFailure.objects.create(username=username, ip_address=ip_address, at=now())


def signin_clear_failures(*, username: str) -> None:
    SignInFailure.objects.filter(username=username).delete()


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
) -> Unit:
    """Add a unit to the organisation tree (ORG-1)."""
    _check_parent(unit=None, company=company, parent=parent)
    unit = Unit(
        company=company,
        parent=parent,
        code=code,
        name=name,
        kind=kind,
        is_quality_department=is_quality_department,
        path=_path_for(code=code, parent=parent),
    )
    unit.full_clean()
    unit.save()
    return unit


@transaction.atomic
def unit_update(*, unit: Unit, **fields) -> Unit:
    """Change a unit; moving it or renaming its code rewrites the paths of its subtree."""
    old_path = unit.path
    for name, value in fields.items():
        setattr(unit, name, value)
    _check_parent(unit=unit, company=unit.company, parent=unit.parent)
    unit.path = _path_for(code=unit.code, parent=unit.parent)
    unit.full_clean()
    unit.save()
    if unit.path != old_path:
        for child in Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk):
            child.path = unit.path + child.path[len(old_path) :]
            child.save(update_fields=["path"])
    return unit


@transaction.atomic
def post_create(*, unit: Unit, code: str, name: str, duties: str = "") -> Post:
    post = Post(unit=unit, code=code, name=name, duties=duties)
    post.full_clean()
    post.save()
    return post


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
) -> Person:
    """Add a person; without a password the person cannot sign in until one is set."""
    person = Person(
        username=username,
        full_name=full_name,
        company=company,
        unit=unit if unit is not None or post is None else post.unit,
        post=post,
        employee_no=employee_no,
        phone=phone,
        email=email,
    )
    if password:
        person.set_password(password)
    else:
        person.set_unusable_password()
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def role_assign(*, person: Person, role: str, scope: list[Unit] | tuple = ()) -> RoleAssignment:
    """Give `person` a role covering the units in `scope` (ORG-2); re-assigning a role
    replaces its scope."""
    assignment, _created = RoleAssignment.objects.get_or_create(person=person, role=role)
    assignment.scope.set(scope)
    person.__dict__.pop("_role_codes", None)
    return assignment


@transaction.atomic
def role_revoke(*, person: Person, role: str) -> None:
    RoleAssignment.objects.filter(person=person, role=role).delete()
