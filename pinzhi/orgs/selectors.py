"""Reads of the organisation, always scoped to the person asking (ORG-2)."""

from django.db.models import Q, QuerySet

from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.orgs.roles import COMPANY_WIDE_ROLES, EXTERNAL_ROLES


def units_visible_to(user) -> QuerySet[Unit]:
    """Units the user may see: the whole company for company-wide roles, otherwise the
    units in the scope of their roles together with every unit below them."""
    if not user.is_authenticated:
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    codes = user.role_codes
    condition = Q(pk__in=[])
    if codes & COMPANY_WIDE_ROLES and user.company_id:
        condition |= Q(company_id=user.company_id)
    scope_paths = (
        Unit.objects.filter(role_assignments__person=user)
        .exclude(role_assignments__role__in=EXTERNAL_ROLES)
        .values_list("path", flat=True)
        .distinct()
    )
    for path in scope_paths:
        condition |= Q(path__startswith=path)
    return Unit.objects.filter(condition)


def people_visible_to(user) -> QuerySet[Person]:
    """People the user may see: those whose unit is visible to them, and themselves."""
    if not user.is_authenticated:
        return Person.objects.none()
    if user.is_superuser:
        return Person.objects.all()
    return Person.objects.filter(Q(unit__in=units_visible_to(user)) | Q(pk=user.pk))


def companies_visible_to(user) -> QuerySet[Company]:
    """The user's own company and every company owning a unit they see."""
    if not user.is_authenticated:
        return Company.objects.none()
    if user.is_superuser:
        return Company.objects.all()
    return Company.objects.filter(
        Q(pk=user.company_id) | Q(units__in=units_visible_to(user))
    ).distinct()
