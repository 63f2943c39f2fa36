"""Who is told when a deadline takes a step up its ladder (升级). Subject apps register, per
kind prefix, how a ladder level ("handler", "department_head", "group_leader", …) maps to
people, in their AppConfig.ready():

    register_escalation("complaint", complaint_escalation_people)

The most specific prefix wins ("complaint.first_contact" before "complaint"). The level
"owner" always means the deadline's owner; without a resolver, every level goes to the owner.
"""

from collections.abc import Callable

from pinzhi.deadlines.models import Deadline
from pinzhi.orgs.models import Person

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
    people = []
    resolve = resolver_for(deadline.kind)
    if resolve is not None and level != OWNER:
        people = list(resolve(deadline, level) or [])
    if (level == OWNER or resolve is None) and deadline.owner_id:
        people.append(deadline.owner)
    seen, unique = set(), []
    for person in people:
        if person is not None and person.pk not in seen and person.is_active:
            seen.add(person.pk)
            unique.append(person)
    return unique
