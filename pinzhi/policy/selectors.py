"""Reads of the policy app. `rule_value` is THE accessor for every number of the regulations
(DESIGN "Policy, not constants"): code never holds the 30 minutes or the 500 yuan itself.

    from pinzhi.policy.selectors import rule_value
    limit = rule_value("complaints.first_contact", pack="property", at=case.received_at)
    # -> timedelta(minutes=30), the value that applied when the case started
"""

import threading
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Max, Prefetch, Q, QuerySet

from pinzhi.lib import clock
from pinzhi.orgs.roles import Role
from pinzhi.policy import values
from pinzhi.policy.models import PolicyPack, Rule, RuleVersion

READ_ROLES = frozenset({Role.QUALITY_DEPARTMENT, Role.QUALITY_COMMITTEE, Role.LEADERSHIP})
EDIT_ROLES = frozenset({Role.QUALITY_DEPARTMENT})


class RuleNotFound(LookupError):
    """No such rule in the pack, or no value of it in force at the time asked."""


@dataclass(frozen=True)
class _CachedRule:
    value_type: str
    unit: str
    starts: tuple[datetime, ...]  # effective_from, ascending
    stored: tuple[Any, ...]  # the stored value of each version, same order


class _RuleCache:
    """Per-process cache of rules and their versions, valid while the newest version id in the
    database is the one it was filled at. Versions are append-only, so any revision or load
    (in any process) moves that id and empties the cache; services also clear it directly."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stamp: int | None = None
        self.rules: dict[tuple[str, str], _CachedRule] = {}

    def clear(self) -> None:
        with self.lock:
            self.stamp = None
            self.rules = {}

    def get(self, pack: str, key: str) -> _CachedRule:
        stamp = RuleVersion.objects.aggregate(latest=Max("id"))["latest"]
        with self.lock:
            if stamp != self.stamp:
                self.stamp, self.rules = stamp, {}
            cached = self.rules.get((pack, key))
        if cached is not None:
            return cached
        rule = (
            Rule.objects.filter(pack__code=pack, key=key)
            .prefetch_related(
                Prefetch("versions", queryset=RuleVersion.objects.order_by("effective_from"))
            )
            .first()
        )
        if rule is None:
            raise RuleNotFound(f"No rule {key!r} in policy pack {pack!r}")
        versions = list(rule.versions.all())
        cached = _CachedRule(
            value_type=rule.value_type,
            unit=rule.unit,
            starts=tuple(v.effective_from for v in versions),
            stored=tuple(v.value for v in versions),
        )
        with self.lock:
            if self.stamp == stamp:
                self.rules[(pack, key)] = cached
        return cached


_cache = _RuleCache()


def rule_cache_clear() -> None:
    """Forget cached rules (the services call this after every write)."""
    _cache.clear()


def rule_value(key: str, *, pack: str, at: datetime | None = None) -> Any:
    """The value of rule `key` of `pack` in force at `at` (default: now), typed:
    duration → timedelta, integer/points → int, money/decimal/percent → Decimal,
    boolean → bool, range → values.Range, frequency → values.Frequency.

    Pass the time a case started to get the rule that applied to it (STD-5). Raises
    RuleNotFound for an unknown pack or key, or when no value was in force at `at`."""
    cached = _cache.get(pack, key)
    at = at or clock.now()
    index = bisect_right(cached.starts, at) - 1
    if index < 0:
        raise RuleNotFound(f"Rule {key!r} of policy pack {pack!r} had no value at {at}")
    return values.typed(cached.value_type, cached.unit, cached.stored[index])


def rule_versions(key: str, *, pack: str) -> QuerySet[RuleVersion]:
    """The history of a rule, newest effective date first, with authors."""
    if not Rule.objects.filter(pack__code=pack, key=key).exists():
        raise RuleNotFound(f"No rule {key!r} in policy pack {pack!r}")
    return (
        RuleVersion.objects.filter(rule__pack__code=pack, rule__key=key)
        .select_related("author", "rule")
        .order_by("-effective_from")
    )


def version_in_force(versions: list[RuleVersion], at: datetime) -> RuleVersion | None:
    """From a rule's versions (any order), the one in force at `at`."""
    applying = [v for v in versions if v.effective_from <= at]
    return max(applying, key=lambda v: v.effective_from) if applying else None


def next_version(versions: list[RuleVersion], at: datetime) -> RuleVersion | None:
    """From a rule's versions, the first one that takes effect after `at`."""
    pending = [v for v in versions if v.effective_from > at]
    return min(pending, key=lambda v: v.effective_from) if pending else None


def packs_visible_to(user) -> QuerySet[PolicyPack]:
    """Packs are the company's regulations: readable by the roles that own or oversee them."""
    if not (user.is_superuser or user.role_codes & READ_ROLES):
        return PolicyPack.objects.none()
    return PolicyPack.objects.all()


def user_may_edit(user) -> bool:
    return bool(user.is_superuser or user.role_codes & EDIT_ROLES)


def rules_visible_to(
    user, *, pack: PolicyPack, query: str = "", family: str = ""
) -> QuerySet[Rule]:
    """The rules of `pack` matching a search (key, statement, clause or requirement ID) and a
    requirement family ("CMP"), with their versions prefetched."""
    if not packs_visible_to(user).filter(pk=pack.pk).exists():
        return Rule.objects.none()
    rules = Rule.objects.filter(pack=pack)
    query = query.strip()
    if query:
        rules = rules.filter(
            Q(key__icontains=query)
            | Q(statement__icontains=query)
            | Q(statement_en__icontains=query)
            | Q(citation_clause__icontains=query)
            | Q(requirement_ids__icontains=query)
        )
    if family:
        rules = rules.filter(requirement_ids__icontains=f"{family}-")
    return rules.prefetch_related(
        Prefetch("versions", queryset=RuleVersion.objects.select_related("author"))
    ).order_by("position", "key")


def requirement_families(pack: PolicyPack) -> list[str]:
    """The requirement families ("ASM", "CMP", …) that the pack's rules cite."""
    families = set()
    for ids in Rule.objects.filter(pack=pack).values_list("requirement_ids", flat=True):
        families.update(rid.split("-")[0] for rid in ids.split())
    return sorted(families)


def upcoming_changes(user, *, within: timedelta = timedelta(days=30)) -> list[RuleVersion]:
    """Revisions that take effect in the next `within` (the quality department's home tile)."""
    if not packs_visible_to(user).exists():
        return []
    now = clock.now()
    return list(
        RuleVersion.objects.filter(effective_from__gt=now, effective_from__lte=now + within)
        .select_related("rule", "rule__pack", "author")
        .order_by("effective_from")
    )


@dataclass(frozen=True)
class RuleState:
    """A rule with the version in force now and the next one scheduled, for display."""

    rule: Rule
    current: RuleVersion | None
    pending: RuleVersion | None


def rule_states(rules, *, at: datetime | None = None) -> list[RuleState]:
    """Current and pending versions of `rules` (with versions prefetched) at `at`."""
    at = at or clock.now()
    states = []
    for rule in rules:
        versions = list(rule.versions.all())
        states.append(
            RuleState(
                rule=rule,
                current=version_in_force(versions, at),
                pending=next_version(versions, at),
            )
        )
    return states
