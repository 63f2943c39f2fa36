"""What a rule change would do (issue 11 item 6): the amendment impact provider of the
assessment. For a proposed new value of one of the assessment's points or money rules, the
entries that rule booked in the company's last closed month are recomputed with the new
value — with the seed's arithmetic of `rules.py` and each entry's count (the n-th complaint,
the star's streak) — and the amendment's review and approval pages show who would have
had how much more or less, with the totals before and after. Nothing is written.

Nothing is shown for a rule of another app, a rule that is not an amount of points or
money (the from-which-complaint counts, the offence ranges a manager chooses within), an
operator's amendment of the pack default (no one company's month), or when the company has
no closed month or no entry under the rule in it."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.template.loader import render_to_string

from pinzhi.assessment import rules
from pinzhi.assessment.models import AssessmentMonth, EntryKind, MonthStatus, PointsEntry
from pinzhi.orgs.models import Person
from pinzhi.policy.selectors import rule_value_or_none
from pinzhi.policy.values import ValueType, display, typed

# How an entry's points or amount follow from a rule's value v (and the entry's count n):
# the seed's arithmetic, else the entry is proportional to the value it was booked with.
POINT_FORMULAS: dict[str, Callable[[int | None, Any], int]] = {
    "assessment.verified_complaint_per_count": lambda n, v: rules.nth_complaint_points(
        n or 1, per_count=int(v)
    ),
}
MONEY_FORMULAS: dict[str, Callable[[int | None, Any], Decimal]] = {
    "assessment.service_star_reward": lambda n, v: rules.star_reward(n or 1, reward=Decimal(v)),
    "assessment.worst_service_fine": lambda n, v: -Decimal(v),
}


@dataclass
class PersonImpact:
    person: Person
    entries: int = 0
    points_before: int = 0
    points_after: int = 0
    amount_before: Decimal = Decimal(0)
    amount_after: Decimal = Decimal(0)
    month_before: int = 0  # all the person's points of the month

    @property
    def points_change(self) -> int:
        return self.points_after - self.points_before

    @property
    def amount_change(self) -> Decimal:
        return self.amount_after - self.amount_before

    @property
    def month_after(self) -> int:
        return self.month_before + self.points_change


@dataclass
class Impact:
    month: date
    rule_name: str
    old_text: str
    new_text: str
    money: bool
    people: list[PersonImpact] = field(default_factory=list)

    def _sum(self, name: str) -> Any:
        return sum((getattr(row, name) for row in self.people), start=0)

    @property
    def totals(self) -> dict[str, Any]:
        names = ["entries", "points_before", "points_after", "amount_before", "amount_after"]
        totals = {name: self._sum(name) for name in names}
        totals["points_change"] = totals["points_after"] - totals["points_before"]
        totals["amount_change"] = totals["amount_after"] - totals["amount_before"]
        totals["changed"] = sum(1 for row in self.people if row.points_change or row.amount_change)
        return totals


def _scaled(old: Any, old_value: Any, new_value: Any) -> Any:
    """An entry proportional to its rule's value: old × new ÷ old (a fixed deduction is
    1 × the value, a joint penalty k × the value)."""
    if not old_value:
        return old
    result = Decimal(old) * Decimal(new_value) / Decimal(old_value)
    return int(result) if isinstance(old, int) else result.quantize(Decimal("0.01"))


def impact_of(amendment: Any) -> Impact | None:
    """The recomputation of the last closed month under the amendment's value, or None
    when there is nothing to show (see the module's docstring)."""
    rule = amendment.rule
    if not rule.key.startswith("assessment.") or amendment.company_id is None:
        return None
    if rule.value_type not in (ValueType.POINTS, ValueType.MONEY):
        return None
    company = amendment.company
    closed = (
        AssessmentMonth.objects.filter(company=company, status=MonthStatus.CLOSED)
        .order_by("-month")
        .first()
    )
    if closed is None:
        return None
    entries = list(
        PointsEntry.objects.filter(company=company, month=closed.month, rule_key=rule.key)
        .exclude(kind=EntryKind.CORRECTION)
        .select_related("person", "person__unit")
        .order_by("person__unit__path", "person__full_name", "occurred_at")
    )
    if not entries:
        return None
    money = rule.value_type == ValueType.MONEY
    new_value = typed(rule.value_type, rule.unit, amendment.value)
    pack = rule.pack.code
    people: dict[int, PersonImpact] = {}
    for entry in entries:
        row = people.setdefault(entry.person_id, PersonImpact(person=entry.person))
        row.entries += 1
        row.points_before += entry.points
        row.amount_before += entry.amount or 0
        old_value = rule_value_or_none(rule.key, pack=pack, company=company, at=entry.occurred_at)
        if money:
            formula = MONEY_FORMULAS.get(rule.key)
            after = (
                formula(entry.count, new_value)
                if formula
                else _scaled(entry.amount or Decimal(0), old_value, new_value)
            )
            row.amount_after += after
            row.points_after += entry.points
        else:
            point_formula = POINT_FORMULAS.get(rule.key)
            row.points_after += (
                point_formula(entry.count, new_value)
                if point_formula
                else _scaled(entry.points, old_value, new_value)
            )
            row.amount_after += entry.amount or 0
    month_points = dict(
        PointsEntry.objects.filter(company=company, month=closed.month, person_id__in=people)
        .values("person_id")
        .annotate(total=Sum("points"))
        .values_list("person_id", "total")
    )
    for person_id, row in people.items():
        row.month_before = month_points.get(person_id) or 0
    current = rule_value_or_none(rule.key, pack=pack, company=company)
    return Impact(
        month=closed.month,
        rule_name=rule.name or rule.key,
        old_text=display(rule.value_type, rule.unit, _stored(current)),
        new_text=display(rule.value_type, rule.unit, amendment.value),
        money=money,
        people=list(people.values()),
    )


def _stored(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def amendment_impact(amendment: Any) -> str:
    """The provider registered with `policy.impact`: the HTML of the recomputed month, or
    "" when there is nothing to show."""
    impact = impact_of(amendment)
    if impact is None:
        return ""
    return render_to_string("assessment/board/impact.html", {"impact": impact})
