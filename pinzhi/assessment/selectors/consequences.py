"""Consequences (ASM-8, ASM-10): who sees them, who may propose and who may decide what.

The penalty scale of 000 公司服务质量检验管理规定 第十九条 (criticism, warning, fine, pay cut,
suspension, dismissal) with who decides each step, as the consequences page and
docs/assessment.md show it:

- criticism, warning, retraining — the person's department manager (or anyone above);
- major demerit, fine, pay cut, reassignment — the quality department (or leadership);
- suspension, dismissal, a dismissal proposal, department and team rewards and the
  commendation of excellent inspectors — leadership.

Leadership decides every step, the quality department every step up to its own, a
department manager only the first steps and only for the people (or units) of their scope.
"""

from dataclasses import dataclass
from enum import IntEnum

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pinzhi.assessment.models import Consequence, ConsequenceKind, ConsequenceStatus, Sanction
from pinzhi.assessment.selectors.access import LINE_ROLES
from pinzhi.orgs.models import Person, Unit
from pinzhi.orgs.roles import COMPANY_WIDE_ROLES, Role
from pinzhi.orgs.selectors import units_covered


class Decider(IntEnum):
    """How high a decision goes; a higher level also decides every lower one."""

    LINE = 1  # the department manager of the person's unit
    QUALITY = 2  # the quality department
    LEADERSHIP = 3  # leadership (领导小组 / 公司高层)


DECIDER_LABELS: dict[Decider, Promise] = {
    Decider.LINE: _("Department manager"),
    Decider.QUALITY: _("Quality department"),
    Decider.LEADERSHIP: _("Leadership"),
}

SANCTION_DECIDER: dict[str, Decider] = {
    Sanction.CRITICISM: Decider.LINE,
    Sanction.WARNING: Decider.LINE,
    Sanction.MAJOR_DEMERIT: Decider.QUALITY,
    Sanction.FINE: Decider.QUALITY,
    Sanction.PAY_CUT: Decider.QUALITY,
    Sanction.SUSPENSION: Decider.LEADERSHIP,
    Sanction.DISMISSAL: Decider.LEADERSHIP,
}

KIND_DECIDER: dict[str, Decider] = {
    ConsequenceKind.RETRAINING: Decider.LINE,
    ConsequenceKind.REASSIGNMENT: Decider.QUALITY,
    ConsequenceKind.DISMISSAL_PROPOSAL: Decider.LEADERSHIP,
    ConsequenceKind.DEPARTMENT_REWARD: Decider.LEADERSHIP,
    ConsequenceKind.TEAM_REWARD: Decider.LEADERSHIP,
    ConsequenceKind.COMMENDATION: Decider.LEADERSHIP,
    ConsequenceKind.SANCTION: Decider.LINE,
}

# Kinds only the quality department proposes (ASM-10: rewards and commendations).
QUALITY_ONLY_KINDS = frozenset(
    {
        ConsequenceKind.DEPARTMENT_REWARD,
        ConsequenceKind.TEAM_REWARD,
        ConsequenceKind.COMMENDATION,
        ConsequenceKind.DISMISSAL_PROPOSAL,
    }
)
# Kinds about a unit (a department or a team), not a person.
UNIT_KINDS = frozenset({ConsequenceKind.DEPARTMENT_REWARD, ConsequenceKind.TEAM_REWARD})
# Kinds about a person.
PERSON_KINDS = frozenset(
    {
        ConsequenceKind.RETRAINING,
        ConsequenceKind.REASSIGNMENT,
        ConsequenceKind.DISMISSAL_PROPOSAL,
        ConsequenceKind.SANCTION,
    }
)

READ_ROLES = frozenset(COMPANY_WIDE_ROLES | LINE_ROLES)
PROPOSE_ROLES = frozenset({Role.QUALITY_DEPARTMENT} | LINE_ROLES)
MANAGER_ROLES = frozenset({Role.DEPARTMENT_MANAGER})


def decider_of(*, kind: str, sanction: str = "") -> Decider:
    """Who decides a consequence of `kind` (and, for a sanction, its step of the scale)."""
    level = KIND_DECIDER.get(kind, Decider.LEADERSHIP)
    if sanction:
        level = max(level, SANCTION_DECIDER.get(sanction, Decider.LEADERSHIP))
    return level


@dataclass(frozen=True)
class ScaleRow:
    label: Promise
    decider: Promise


def penalty_scale() -> list[ScaleRow]:
    """The scale and the other consequences with who decides each, as the page shows it."""
    rows = [
        ScaleRow(label, DECIDER_LABELS[SANCTION_DECIDER[code]]) for code, label in Sanction.choices
    ]
    rows += [
        ScaleRow(label, DECIDER_LABELS[KIND_DECIDER[code]])
        for code, label in ConsequenceKind.choices
        if code != ConsequenceKind.SANCTION
    ]
    return rows


def _level_of(user: Person, *, company_id: int, unit_id: int | None) -> int:
    if not user.is_authenticated or (user.company_id != company_id and not user.is_superuser):
        return 0
    codes = user.role_codes
    if user.is_superuser or Role.LEADERSHIP in codes:
        return Decider.LEADERSHIP
    if Role.QUALITY_DEPARTMENT in codes:
        return Decider.QUALITY
    if unit_id is not None and unit_id in units_covered(user, MANAGER_ROLES):
        return Decider.LINE
    return 0


def _unit_id_of(consequence: Consequence) -> int | None:
    if consequence.person_id is not None and consequence.person is not None:
        return consequence.person.unit_id
    return consequence.unit_id


def may_decide(user: Person, consequence: Consequence) -> bool:
    """ASM-10: whether `user` may decide `consequence` under the penalty scale."""
    level = _level_of(user, company_id=consequence.company_id, unit_id=_unit_id_of(consequence))
    return level >= decider_of(kind=consequence.kind, sanction=consequence.sanction)


def may_propose(user: Person, *, kind: str, person: Person | None, unit: Unit | None) -> bool:
    """The quality department proposes anything for its company; a line manager (department
    manager, supervisor) a retraining, a reassignment or a sanction for the people of their
    scope. Rewards and commendations are the quality department's (ASM-10)."""
    if not user.is_authenticated or user.company_id is None:
        return False
    codes = user.role_codes
    if Role.QUALITY_DEPARTMENT in codes or user.is_superuser:
        return True
    if kind in QUALITY_ONLY_KINDS or not codes & LINE_ROLES:
        return False
    unit_id = person.unit_id if person is not None else (unit.pk if unit is not None else None)
    return unit_id is not None and unit_id in units_covered(user, LINE_ROLES)


def may_propose_any(user: Person) -> bool:
    return user.is_authenticated and bool(user.role_codes & PROPOSE_ROLES)


def consequences_visible_to(user: Person) -> QuerySet[Consequence]:
    """The consequences `user` may read: the company's for the company-wide roles; those of
    the people and units of their scope for a line manager; their own for everyone."""
    if not user.is_authenticated:
        return Consequence.objects.none()
    base = Consequence.objects.select_related(
        "person", "person__unit", "unit", "decided_by", "created_by", "training"
    )
    if user.is_superuser:
        return base
    condition = Q(person_id=user.pk)
    if user.company_id and user.role_codes & COMPANY_WIDE_ROLES:
        condition |= Q(company_id=user.company_id)
    covered = units_covered(user, LINE_ROLES)
    if covered:
        condition |= Q(person__unit_id__in=covered) | Q(unit_id__in=covered)
    return base.filter(condition)


def consequences_awaiting(user: Person) -> QuerySet[Consequence]:
    """The proposals waiting for a decision that `user` may read (the decision step's list)."""
    return consequences_visible_to(user).filter(status=ConsequenceStatus.PROPOSED)


def deciders_for(consequence: Consequence) -> list[Person]:
    """Who is told of a proposal: the people whose role decides it (for a department
    manager's step, the quality department too, who may also decide it)."""
    level = decider_of(kind=consequence.kind, sanction=consequence.sanction)
    roles = {Role.LEADERSHIP} if level == Decider.LEADERSHIP else {Role.QUALITY_DEPARTMENT}
    people = Person.objects.filter(
        company_id=consequence.company_id, is_active=True, role_assignments__role__in=roles
    ).distinct()
    return list(people)
