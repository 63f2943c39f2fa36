"""Who is told when a deadline takes a step up its ladder (升级). Subject apps register, per
kind prefix, how a ladder level ("handler", "department_head", "group_leader", …) maps to
people, in their AppConfig.ready():

    register_escalation("complaint", complaint_escalation_people)

The most specific prefix wins ("complaint.first_contact" before "complaint"). The level
"owner" means whoever owns the limit at that moment (issue 8 item 1, X-3): the deadline's
owner; when no one person owns it (or that person has left), the holders of its owning role
in its scope (`owner_role`), else whom the subject's resolver names for the level "owner".
Without a resolver, every level goes to the owner.
"""

from collections.abc import Callable

from pinzhi.deadlines.models import Deadline
from pinzhi.orgs.models import Person, RoleAssignment, Unit
from pinzhi.orgs.roles import COMPANY_WIDE_ROLES

Resolver = Callable[..., list]

OWNER = "owner"

_resolvers: dict[str, Resolver] = {}


def register_escalation(kind_prefix: str, resolve: Resolver) -> None:
    """`resolve(deadline, level) -> list[Person]` for deadlines whose kind is `kind_prefix`
    or starts with `kind_prefix` + "."."""
    _resolvers[kind_prefix.rstrip(".")] = resolve


def unregister_escalation(kind_prefix: str) -> None:
    _resolvers.pop(kind_prefix.rstrip("."), None)


def resolver_for(kind: str) -> Resolver | None:
    best = None
    for prefix, resolve in _resolvers.items():
        if kind == prefix or kind.startswith(prefix + "."):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, resolve)
    return best[1] if best else None


def escalation_recipients(deadline: Deadline, level: str) -> list[Person]:
    """The active people to tell about `deadline` reaching `level`, without duplicates."""
    resolve = resolver_for(deadline.kind)
    if resolve is not None and level != OWNER:
        people = list(resolve(deadline, level) or [])
    else:
        people = limit_owners(deadline)
        if not people and resolve is not None:
            people = list(resolve(deadline, OWNER) or [])
    seen, unique = set(), []
    for person in people:
        if person is not None and person.pk not in seen and person.is_active:
            seen.add(person.pk)
            unique.append(person)
    return unique


def limit_owners(deadline: Deadline) -> list[Person]:
    """Who owns `deadline` now (issue 8 item 1): its owner while active, else the holders of
    its owning role in its scope, else nobody."""
    if deadline.owner_id and deadline.owner.is_active:
        return [deadline.owner]
    return role_holders(deadline) if deadline.owner_role else []


def role_holders(deadline: Deadline) -> list[Person]:
    """The active holders of `deadline.owner_role` in its company: every holder of a
    company-wide role; of a scoped role, those whose scope covers the deadline's unit (the
    unit itself or one above it)."""
    if deadline.company_id is None:
        return []
    assignments = RoleAssignment.objects.filter(
        role=deadline.owner_role, person__is_active=True, person__company_id=deadline.company_id
    )
    if deadline.owner_role not in COMPANY_WIDE_ROLES:
        if deadline.unit_id is None:
            return []
        codes = [c for c in deadline.unit.path.strip("/").split("/") if c]
        paths = ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]
        units = Unit.objects.filter(company_id=deadline.unit.company_id, path__in=paths)
        assignments = assignments.filter(scope__in=units)
    return list(
        Person.objects.filter(pk__in=assignments.values("person_id")).order_by("full_name", "pk")
    )
