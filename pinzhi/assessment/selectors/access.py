"""Who sees whose assessment (ORG-2, ASM-11): everyone sees their own ledger, archive and
appeals; a department manager or a supervisor the people of the units in their scope (and
below); the quality department, the quality committee and leadership the whole company.
Every page and API of the assessment reads people through `people_assessable_by`."""

from django.db.models import Q, QuerySet

from pinzhi.orgs.models import Person
from pinzhi.orgs.roles import COMPANY_WIDE_ROLES, Role
from pinzhi.orgs.selectors import units_covered

# The quality department runs the cycle (computes, approves, closes, exports) and books
# offences company-wide; leadership and the committee read it.
MANAGE_ROLES = frozenset({Role.QUALITY_DEPARTMENT})
# The line managers who review their department's month and keep daily records.
LINE_ROLES = frozenset({Role.DEPARTMENT_MANAGER, Role.SUPERVISOR})
# Who reads other people's assessment at all.
READ_ROLES = frozenset(COMPANY_WIDE_ROLES | LINE_ROLES)


def people_assessable_by(user: Person) -> QuerySet[Person]:
    """The people whose ledger `user` may read: themselves, their scope's people for a line
    manager, the whole company for the company-wide roles."""
    if not user.is_authenticated:
        return Person.objects.none()
    if user.is_superuser:
        return Person.objects.all()
    condition = Q(pk=user.pk)
    if user.company_id and user.role_codes & COMPANY_WIDE_ROLES:
        condition |= Q(company_id=user.company_id)
    covered = units_covered(user, LINE_ROLES)
    if covered:
        condition |= Q(unit_id__in=covered)
    return Person.objects.filter(condition)


def may_read_person(user: Person, person: Person) -> bool:
    return people_assessable_by(user).filter(pk=person.pk).exists()


def is_line_manager_of(user: Person, person: Person) -> bool:
    """Whether `user` manages `person`'s unit (or one above it) as a department manager or
    supervisor — who reviews their month and keeps their daily records."""
    return person.unit_id is not None and person.unit_id in units_covered(user, LINE_ROLES)
