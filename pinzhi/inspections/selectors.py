"""Scoped reads of inspections (ORG-2, INS-2)."""

from django.db.models import Q, QuerySet

from pinzhi.inspections.models import Inspection
from pinzhi.orgs.models import Person
from pinzhi.orgs.roles import COMPANY_WIDE_ROLES, CONTRACTOR_ROLES, Role
from pinzhi.orgs.selectors import units_visible_to

# Roles that see the inspections of the units in their scope.
SCOPED_ROLES = frozenset(
    {
        Role.DEPARTMENT_MANAGER,
        Role.SUPERVISOR,
        Role.UNIT_QUALITY_ADMIN,
        Role.INSPECTOR,
        Role.SERVICE_DESK,
        Role.COMPLAINT_HANDLER,
        Role.SERVICE_STAFF,
    }
)
# Roles that inspect: they see the unannounced inspections of their scope before they start.
INSPECTING_ROLES = frozenset({Role.INSPECTOR})


def _hidden_from_inspected() -> Q:
    """INS-2: an unannounced inspection (暗查) stays invisible to the inspected unit until it
    starts."""
    return Q(is_announced=False, status=Inspection.Status.PLANNED)


def inspections_visible_to(user: Person) -> QuerySet[Inspection]:
    """Company-wide roles see the company's inspections; an inspector those assigned to them
    and those of the units in their scope; the other scoped roles those of their units, an
    unannounced one only once it has started; a supplier the checks of its contracted service,
    likewise; a supervising body the reported inspections of the units it supervises."""
    if not user.is_authenticated:
        return Inspection.objects.none()
    if user.is_superuser:
        return Inspection.objects.all()
    codes = user.role_codes
    condition = Q(inspector=user)
    if codes & COMPANY_WIDE_ROLES and user.company_id:
        condition |= Q(company_id=user.company_id)
    if codes & SCOPED_ROLES:
        in_scope = Q(unit__in=units_visible_to(user).values("pk"))
        if codes & INSPECTING_ROLES:
            condition |= in_scope
        else:
            condition |= in_scope & ~_hidden_from_inspected()
    if codes & CONTRACTOR_ROLES and user.company_id:
        condition |= Q(supplier_id=user.company_id) & ~_hidden_from_inspected()
    if Role.SUPERVISING_BODY in codes:
        condition |= Q(
            unit__in=units_visible_to(user).values("pk"), status=Inspection.Status.REPORTED
        )
    return Inspection.objects.filter(condition)
