"""Who shares a person's complaint penalties (ASM-4, 004 第5篇 二.2): their direct supervisor
(直接责任主管) and the group leader in charge (主管集团领导), read from the organisation's role
assignments — nobody keeps a second org chart for the assessment.

The direct supervisor is a supervisor (专业主管) whose role scope covers the person's unit,
else a department manager whose scope covers it; the group leader in charge is a member of
the leadership whose scope covers it. Of several, the one whose scope unit is closest to the
person's unit (the deepest) is in charge; a role assigned without a scope (the whole
company) covers every unit, as the farthest. Nobody is their own supervisor or leader.
None found: no joint penalty is booked (docs/assessment.md)."""

from pinzhi.assessment.services.memo import memoised
from pinzhi.orgs.models import Person, RoleAssignment
from pinzhi.orgs.roles import Role


def _closest_in_role(person: Person, roles: tuple[str, ...]) -> Person | None:
    unit = person.unit
    if unit is None or not person.company_id:
        return None
    company_id = person.company_id
    assignments = memoised(
        ("roles", company_id, roles),
        lambda: list(
            RoleAssignment.objects.filter(
                role__in=roles, person__company_id=company_id, person__is_active=True
            )
            .prefetch_related("scope")
            .select_related("person")
            .order_by("person_id")
        ),
    )
    best: tuple[int, int, int] | None = None  # (depth, -role order, -person id): higher wins
    chosen: Person | None = None
    for assignment in assignments:
        if assignment.person_id == person.pk:
            continue
        scope = list(assignment.scope.all())
        if scope:
            depths = [
                s.path.count("/")
                for s in scope
                if s.company_id == unit.company_id and s.path and unit.path.startswith(s.path)
            ]
            if not depths:
                continue
            depth = max(depths)
        else:
            depth = 0  # the whole company: covers every unit, farthest of all
        rank = (depth, -roles.index(assignment.role), -assignment.person_id)
        if best is None or rank > best:
            best, chosen = rank, assignment.person
    return chosen


def direct_supervisor(person: Person) -> Person | None:
    """The person's direct supervisor: the supervisor whose scope covers their unit most
    closely, else the department manager likewise; None when there is none."""
    return _closest_in_role(person, (Role.SUPERVISOR,)) or _closest_in_role(
        person, (Role.DEPARTMENT_MANAGER,)
    )


def leader_in_charge(person: Person) -> Person | None:
    """The group leader in charge of the person's unit: the leadership member whose scope
    covers it most closely (a leader without a scope covers the whole company); None when
    there is none."""
    return _closest_in_role(person, (Role.LEADERSHIP,))


def _probe(unit_id: int, company_id: int) -> Person:
    """Somebody of the unit (nobody in particular): whose supervisor, whose head."""
    return Person(company_id=company_id, unit_id=unit_id, pk=0)


def unit_supervisor(unit_id: object, *, company_id: int | None) -> Person | None:
    """A unit's direct supervisor (a failed inspection, ASM-3): its supervisor, else its
    department manager, as for a person of the unit."""
    if not isinstance(unit_id, int) or company_id is None:
        return None
    return direct_supervisor(_probe(unit_id, company_id))


def unit_head(unit_id: object, *, company_id: int | None) -> Person | None:
    """The head of a unit (an overdue rectification with nobody responsible, NCR-3): the
    department manager whose scope covers it most closely, else its supervisor."""
    if not isinstance(unit_id, int) or company_id is None:
        return None
    probe = _probe(unit_id, company_id)
    return _closest_in_role(probe, (Role.DEPARTMENT_MANAGER,)) or _closest_in_role(
        probe, (Role.SUPERVISOR,)
    )
