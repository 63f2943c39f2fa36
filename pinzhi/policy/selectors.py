"""Reads of the policy app. `rule_value` is THE accessor for every number of the regulations
(DESIGN "Policy, not constants"): code never holds the 30 minutes or the 500 yuan itself.

    from pinzhi.policy.selectors import rule_value
    limit = rule_value("complaints.first_contact", pack="property", at=case.received_at)
    # -> timedelta(minutes=30), the value that applied when the case started
"""

import threading
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, Prefetch, Q, QuerySet

from pinzhi.lib import clock
from pinzhi.lib.errors import DomainError
from pinzhi.orgs.models import Company, Person
from pinzhi.orgs.roles import RULE_READER_ROLES, Role
from pinzhi.policy import values
from pinzhi.policy.models import (
    AmendmentState,
    PolicyPack,
    PolicyStamp,
    Rule,
    RuleAmendment,
    RuleVersion,
)

# STD-5: amendments are proposed by the quality department, department managers and the
# quality committee, reviewed by the quality department and approved by leadership.
PROPOSE_ROLES = frozenset(
    {Role.QUALITY_DEPARTMENT, Role.DEPARTMENT_MANAGER, Role.QUALITY_COMMITTEE}
)
REVIEW_ROLES = frozenset({Role.QUALITY_DEPARTMENT})
APPROVE_ROLES = frozenset({Role.LEADERSHIP})
EDIT_ROLES = REVIEW_ROLES
AMENDMENT_ROLES = PROPOSE_ROLES | REVIEW_ROLES | APPROVE_ROLES
# Whoever may propose a change must be able to read the rules; and every member of the
# staff reads, without amending, the rules in force that bind them (issue 8 item 6).
READ_ROLES = (
    frozenset({Role.QUALITY_COMMITTEE, Role.LEADERSHIP}) | PROPOSE_ROLES | RULE_READER_ROLES
)


class RuleNotFound(DomainError, LookupError):
    """No such rule in the pack, or no value of it in force at the time asked (still a
    LookupError for the callers that treat it as one)."""

    code = "rule_not_found"
    status = 404


class RuleValueInvalid(DomainError, ValueError):
    """A stored value of a rule that cannot be used (out of bounds or malformed): the message
    names the pack, the rule and the version, so that it can be found and amended (still a
    ValueError for the callers that treat it as one)."""

    code = "rule_value_invalid"
    status = 409


@dataclass(frozen=True)
class _Timeline:
    starts: tuple[datetime, ...]  # effective_from, ascending
    typed: tuple[Any, ...]  # the typed value of each version (or its error), same order

    def at(self, when: datetime) -> Any:
        """The typed value in force at `when`, or _NONE before the first version."""
        index = bisect_right(self.starts, when) - 1
        return self.typed[index] if index >= 0 else _NONE


_NONE = object()
_EMPTY = _Timeline(starts=(), typed=())


@dataclass(frozen=True)
class _CachedRule:
    value_type: str
    unit: str
    default: _Timeline  # the pack's own versions (no company)
    companies: dict[int | None, _Timeline]  # each company's own versions


def company_pk(company: Company | int | None) -> int | None:
    """A Company, its pk or None, as a pk."""
    return company.pk if isinstance(company, Model) else company


def _typed_or_error(rule: Rule, version: RuleVersion, pack: str) -> Any:
    """The typed value of `version`, or a RuleValueInvalid to raise when it is asked for:
    a bad stored value must not break the lookup of the rule's other versions."""
    try:
        stored = values.normalise(rule.value_type, rule.unit, version.value)
        return values.typed(rule.value_type, rule.unit, stored)
    except (ValidationError, ArithmeticError, TypeError, ValueError, KeyError) as error:
        detail = "; ".join(error.messages) if isinstance(error, ValidationError) else error
        return RuleValueInvalid(
            f"Rule {rule.key!r} of policy pack {pack!r} has an unusable value "
            f"{version.value!r} from {version.effective_from:%Y-%m-%d %H:%M} "
            f"(version {version.pk}): {detail}"
        )


_pinned_stamp: ContextVar[int | None] = ContextVar("pinzhi_policy_stamp", default=None)


def _stamp() -> int | None:
    pinned = _pinned_stamp.get()
    if pinned is not None:
        return pinned
    return (
        PolicyStamp.objects.filter(pk=PolicyStamp.SINGLETON)
        .values_list("counter", flat=True)
        .first()
    )


@contextmanager
def rules_read_once() -> Iterator[None]:
    """Within the block, rules are checked against the PolicyStamp once, at its start,
    instead of at every `rule_value` (issue 9 item 2: a registration reads about a dozen
    values). For a short piece of work that changes no rule, such as one registration."""
    if _pinned_stamp.get() is not None:
        yield
        return
    token = _pinned_stamp.set(_stamp())
    try:
        yield
    finally:
        _pinned_stamp.reset(token)


class _RuleCache:
    """Per-process cache of rules and their versions, valid while the PolicyStamp counter is
    the one it was filled at. Every write of a version (in any process) bumps the counter in
    its own transaction, which empties the cache; services also clear it directly."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stamp: int | None = None
        self.rules: dict[tuple[str, str], _CachedRule] = {}

    def clear(self) -> None:
        with self.lock:
            self.stamp = None
            self.rules = {}

    def get(self, pack: str, key: str) -> _CachedRule:
        stamp = _stamp()
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
        grouped: dict[int | None, list[RuleVersion]] = {}
        for version in rule.versions.all():
            grouped.setdefault(version.company_id, []).append(version)
        timelines = {
            company_id: _Timeline(
                starts=tuple(v.effective_from for v in versions),
                typed=tuple(_typed_or_error(rule, v, pack) for v in versions),
            )
            for company_id, versions in grouped.items()
        }
        cached = _CachedRule(
            value_type=rule.value_type,
            unit=rule.unit,
            default=timelines.pop(None, _EMPTY),
            companies=timelines,
        )
        with self.lock:
            if self.stamp == stamp:
                self.rules[(pack, key)] = cached
        return cached


_cache = _RuleCache()


def rule_cache_clear() -> None:
    """Forget cached rules (the services call this after every write)."""
    _cache.clear()


def rule_value(
    key: str, *, pack: str, company: Company | int | None, at: datetime | None = None
) -> Any:
    """The value of rule `key` of `pack` for `company` (a Company, its pk, or None for the
    pack's default) in force at `at` (default: now), typed: duration → timedelta,
    integer/points → int, money/decimal/percent → Decimal, boolean → bool, range →
    values.Range, frequency → values.Frequency.

    A company's own value, once in force, takes precedence over the pack's default; before
    it (and for a company that never amended the rule) the default applies. Pass the time a
    case started to get the rule that applied to it (STD-5). Raises RuleNotFound for an
    unknown pack or key, or when no value was in force at `at`, and RuleValueInvalid when
    the stored value cannot be used."""
    cached = _cache.get(pack, key)
    at = at or clock.now()
    value = cached.companies.get(company_pk(company), _EMPTY).at(at)
    if value is _NONE:
        value = cached.default.at(at)
    if value is _NONE:
        raise RuleNotFound(f"Rule {key!r} of policy pack {pack!r} had no value at {at}")
    if isinstance(value, RuleValueInvalid):
        raise value
    return value


def rule_unit(key: str, *, pack: str) -> str:
    """The unit a rule's values are given in ("minutes", "days", …; "" when the rule has
    none or is not in the pack): how a time limit's number is read (STD-5)."""
    try:
        return _cache.get(pack, key).unit or ""
    except RuleNotFound:
        return ""


def duration_rule_keys() -> list[tuple[str, str]]:
    """(pack code, rule key) of every rule that is a time limit (a duration or a range in
    minutes, hours or days), ordered by pack and key (X-5: a calendar is chosen per rule)."""
    return list(
        Rule.objects.filter(
            value_type__in=["duration", "range"], unit__in=["minutes", "hours", "days"]
        )
        .order_by("pack__code", "key")
        .values_list("pack__code", "key")
    )


def rule_names(keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """{(pack code, rule key): the rule's name as people see it} (issue 8 item 6: a page
    names a rule, never shows its key); a key no pack has is left out."""
    wanted = {key for _pack, key in keys}
    rules = Rule.objects.filter(key__in=wanted).select_related("pack")
    return {(rule.pack.code, rule.key): rule.display_name for rule in rules}


def rule_value_or_none(key: str, *, pack: str, company: Any, at: datetime | None = None) -> Any:
    """`rule_value`, or None when the pack has no such rule (for readers to whom a missing
    rule means "no limit", such as the licence warning, ORG-4)."""
    try:
        return rule_value(key, pack=pack, company=company, at=at)
    except RuleNotFound:
        return None


def rule_versions(key: str, *, pack: str, company: Company | int | None) -> QuerySet[RuleVersion]:
    """The history of a rule as it applies to `company` (a Company, its pk or None): the
    pack's default versions and the company's own, newest effective date first, with
    authors."""
    if not Rule.objects.filter(pack__code=pack, key=key).exists():
        raise RuleNotFound(f"No rule {key!r} in policy pack {pack!r}")
    return (
        RuleVersion.objects.filter(rule__pack__code=pack, rule__key=key)
        .filter(_of_company(company))
        .select_related("author", "rule")
        .order_by("-effective_from")
    )


def _of_company(company: Company | int | None) -> Q:
    """Versions that apply to `company`: the pack's default and the company's own."""
    pk = company_pk(company)
    return Q(company__isnull=True) if pk is None else Q(company__isnull=True) | Q(company_id=pk)


def version_in_force(
    versions: list[RuleVersion], at: datetime, *, company: Company | int | None = None
) -> RuleVersion | None:
    """From a rule's versions (any order, any company), the one in force for `company` at
    `at`: the company's own newest version by then, else the pack's default by then."""
    pk = company_pk(company)
    for owner in (pk, None) if pk is not None else (None,):
        applying = [v for v in versions if v.company_id == owner and v.effective_from <= at]
        if applying:
            return max(applying, key=lambda v: v.effective_from)
    return None


def next_version(
    versions: list[RuleVersion], at: datetime, *, company: Company | int | None = None
) -> RuleVersion | None:
    """From a rule's versions, the first one after `at` that will be in force for
    `company` when it takes effect (a later default hidden by the company's own value is
    not a change for the company)."""
    pk = company_pk(company)
    pending = sorted(
        (v for v in versions if v.effective_from > at and v.company_id in (None, pk)),
        key=lambda v: v.effective_from,
    )
    for version in pending:
        if version_in_force(versions, version.effective_from, company=pk) == version:
            return version
    return None


def packs_visible_to(user: Person) -> QuerySet[PolicyPack]:
    """Packs are the company's regulations: readable by the roles that own or oversee them."""
    if not (user.is_superuser or user.role_codes & READ_ROLES):
        return PolicyPack.objects.none()
    return PolicyPack.objects.all()


def user_may_edit(user: Person) -> bool:
    return bool(user.is_superuser or user.role_codes & EDIT_ROLES)


def user_may_propose(user: Person) -> bool:
    return bool(user.is_superuser or user.role_codes & PROPOSE_ROLES)


def user_may_review(user: Person) -> bool:
    return bool(user.is_superuser or user.role_codes & REVIEW_ROLES)


def user_may_approve(user: Person) -> bool:
    return bool(user.is_superuser or user.role_codes & APPROVE_ROLES)


def rules_visible_to(
    user: Person, *, pack: PolicyPack, query: str = "", family: str = ""
) -> QuerySet[Rule]:
    """The rules of `pack` matching a search (key, name, statement, clause or requirement ID) and a
    requirement family ("CMP"), with their versions prefetched."""
    if not packs_visible_to(user).filter(pk=pack.pk).exists():
        return Rule.objects.none()
    rules = Rule.objects.filter(pack=pack)
    query = query.strip()
    if query:
        rules = rules.filter(
            Q(key__icontains=query)
            | Q(name__icontains=query)
            | Q(name_en__icontains=query)
            | Q(statement__icontains=query)
            | Q(statement_en__icontains=query)
            | Q(citation_clause__icontains=query)
            | Q(requirement_ids__icontains=query)
        )
    if family:
        rules = rules.filter(requirement_ids__icontains=f"{family}-")
    versions = RuleVersion.objects.filter(_of_company(user.company_id)).select_related("author")
    return rules.prefetch_related(Prefetch("versions", queryset=versions)).order_by(
        "position", "key"
    )


def requirement_families(pack: PolicyPack) -> list[str]:
    """The requirement families ("ASM", "CMP", …) that the pack's rules cite."""
    families: set[str] = set()
    for ids in Rule.objects.filter(pack=pack).values_list("requirement_ids", flat=True):
        families.update(rid.split("-")[0] for rid in ids.split())
    return sorted(families)


def upcoming_changes(user: Person, *, within: timedelta = timedelta(days=30)) -> list[RuleVersion]:
    """Revisions that take effect for the user's company in the next `within` (the quality
    department's home tile)."""
    if not packs_visible_to(user).exists():
        return []
    now = clock.now()
    return list(
        RuleVersion.objects.filter(effective_from__gt=now, effective_from__lte=now + within)
        .filter(_of_company(user.company_id))
        .select_related("rule", "rule__pack", "author")
        .order_by("effective_from")
    )


@dataclass(frozen=True)
class RuleState:
    """A rule with the version in force now and the next one scheduled, for display."""

    rule: Rule
    current: RuleVersion | None
    pending: RuleVersion | None


def rule_states(
    rules: Iterable[Rule], *, company: Company | int | None, at: datetime | None = None
) -> list[RuleState]:
    """Current and pending versions of `rules` (with versions prefetched) for `company` at
    `at`."""
    at = at or clock.now()
    states = []
    for rule in rules:
        versions = list(rule.versions.all())
        states.append(
            RuleState(
                rule=rule,
                current=version_in_force(versions, at, company=company),
                pending=next_version(versions, at, company=company),
            )
        )
    return states


# --- amendments (STD-5) --------------------------------------------------------------------


def amendments_visible_to(user: Person) -> QuerySet[RuleAmendment]:
    """Amendments of the user's company's values (every company's for a superuser); a
    person without a company sees none."""
    amendments = RuleAmendment.objects.select_related(
        "rule", "rule__pack", "company", "proposed_by", "reviewed_by", "decided_by", "version"
    )
    if user.is_superuser:
        return amendments
    # Reading the rules is not reading their amendments (issue 8 item 6).
    if not user.role_codes & AMENDMENT_ROLES or user.company_id is None:
        return amendments.none()
    return amendments.filter(company_id=user.company_id)


def amendments_of_rule(user: Person, *, rule: Rule) -> list[RuleAmendment]:
    """The amendments of `rule` the user may see, open ones first, newest first."""
    amendments = list(amendments_visible_to(user).filter(rule=rule))
    amendments.sort(key=lambda a: not a.is_open)
    return amendments


def amendments_pending_for(user: Person) -> QuerySet[RuleAmendment]:
    """What waits for the user (STD-5): the quality department reviews proposed amendments,
    leadership approves reviewed ones; a proposer sees their own open ones."""
    visible = amendments_visible_to(user)
    states = set()
    if user_may_review(user):
        states.add(AmendmentState.PROPOSED)
    if user_may_approve(user):
        states.add(AmendmentState.REVIEWED)
    condition = Q(state__in=states)
    if user.role_codes & PROPOSE_ROLES:
        condition |= Q(
            proposed_by=user, state__in=[AmendmentState.PROPOSED, AmendmentState.REVIEWED]
        )
    return visible.filter(condition).order_by("proposed_at", "id")


def amendments_awaiting_action(user: Person) -> QuerySet[RuleAmendment]:
    """Only what the user must act on (review or approve): the home tile."""
    states = set()
    if user_may_review(user):
        states.add(AmendmentState.PROPOSED)
    if user_may_approve(user):
        states.add(AmendmentState.REVIEWED)
    return amendments_visible_to(user).filter(state__in=states).order_by("proposed_at", "id")
