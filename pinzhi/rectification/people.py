"""Who is told about a nonconformity at each level (NCR-1, NCR-3), and the escalation
resolver the deadline engine asks for the rectification deadlines' ladder levels."""

from typing import Any

from pinzhi.deadlines.escalation import OWNER
from pinzhi.deadlines.models import Deadline
from pinzhi.orgs.models import Person, RoleAssignment, Unit
from pinzhi.orgs.roles import CONTRACTOR_ROLES, Role


def _covering_paths(unit: Unit) -> list[str]:
    codes = [c for c in unit.path.strip("/").split("/") if c]
    return ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]


def holders(company_id: int, role: str, unit: Unit | None = None) -> list[Person]:
    """Active holders of `role` in the company; for a unit, those whose scope covers it (the
    unit or one above it)."""
    assignments = RoleAssignment.objects.filter(
        role=role, person__is_active=True, person__company_id=company_id
    )
    if unit is not None:
        units = Unit.objects.filter(company_id=company_id, path__in=_covering_paths(unit))
        assignments = assignments.filter(scope__in=units)
    return list(
        Person.objects.filter(pk__in=assignments.values("person_id")).order_by("full_name", "pk")
    )


def quality_people(company_id: int) -> list[Person]:
    return holders(company_id, Role.QUALITY_DEPARTMENT)


def unit_heads(company_id: int, unit: Unit) -> list[Person]:
    return holders(company_id, Role.DEPARTMENT_MANAGER, unit)


def supplier_people(supplier_id: int | None) -> list[Person]:
    if not supplier_id:
        return []
    return list(
        Person.objects.filter(
            company_id=supplier_id,
            is_active=True,
            role_assignments__role__in=list(CONTRACTOR_ROLES),
        ).distinct()
    )


def level_people(nc: Any, level: str) -> list[Person]:
    """The people of `level` for nonconformity `nc`: the owner (the responsible person, else
    the unit's quality admins, and the supplier's people), the verifier (the inspector, else
    the unit's inspectors, else the quality department), the unit's head, the quality
    department, leadership, and those told of a report to the owners' committee."""
    company_id, unit = nc.company_id, nc.unit
    if level == OWNER:
        people = (
            [nc.responsible]
            if nc.responsible_id
            else holders(company_id, Role.UNIT_QUALITY_ADMIN, unit)
        )
        return people + supplier_people(nc.supplier_id)
    if level == "verifier":
        inspector = nc.inspection.inspector if nc.inspection_id else None
        if inspector is not None:
            return [inspector]
        return holders(company_id, Role.INSPECTOR, unit) or quality_people(company_id)
    if level == "unit_head":
        return unit_heads(company_id, unit) or quality_people(company_id)
    if level == "quality_department":
        return quality_people(company_id)
    if level == "leadership":
        return holders(company_id, Role.LEADERSHIP) + holders(company_id, Role.QUALITY_COMMITTEE)
    if level == "committee":
        return unit_heads(company_id, unit) + quality_people(company_id)
    return []


def deadline_escalation_recipients(deadline: Deadline, level: str) -> list[Person]:
    """The escalation resolver of the "rectification" deadlines: a nonconformity's levels
    as above; a supervision stage's or a corrective action's go to the unit's head, the
    quality department and leadership."""
    from pinzhi.rectification.models import Nonconformity

    subject = deadline.subject
    if isinstance(subject, Nonconformity):
        return level_people(subject, level)
    company_id = deadline.company_id
    if company_id is None:
        return []
    if level == "unit_head" and deadline.unit_id:
        return unit_heads(company_id, deadline.unit)
    if level == "leadership":
        return holders(company_id, Role.LEADERSHIP)
    return quality_people(company_id)
