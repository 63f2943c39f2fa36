"""Reads of the organisation, always scoped to the person asking (ORG-2)."""

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from pinzhi.lib.clock import now
from pinzhi.orgs.filters import CompanyFilter, PeopleFilter
from pinzhi.orgs.models import (
    Company,
    ContractorScope,
    PasswordReset,
    Person,
    Post,
    RoleAssignment,
    Unit,
)
from pinzhi.orgs.roles import (
    COMPANY_WIDE_ROLES,
    CONTRACTOR_ROLES,
    EXTERNAL_ROLES,
    ORG_ADMIN_ROLES,
)

LICENCE_WARNING_RULE = "organisation.licence_warning"
DEFAULT_PACK = "property"


def units_visible_to(user: Person) -> QuerySet[Unit]:
    """Units the user may see: the whole company for company-wide roles, otherwise the
    units in the scope of their (internal) roles together with every unit below them."""
    if not user.is_authenticated:
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    codes = user.role_codes
    condition = Q(pk__in=[])
    if codes & COMPANY_WIDE_ROLES and user.company_id:
        condition |= Q(company_id=user.company_id)
    # One filter() call, so that both conditions apply to the same assignment: an external
    # role of someone else covering a unit must not hide it from this user.
    scope_paths = (
        Unit.objects.filter(
            role_assignments__person=user,
            role_assignments__role__in=[r for r in codes if r not in EXTERNAL_ROLES],
        )
        .values_list("path", "company_id")
        .distinct()
    )
    for path, company_id in scope_paths:
        if not path:  # a unit without a path would match the whole company
            continue
        condition |= Q(company_id=company_id, path__startswith=path)
    return Unit.objects.filter(condition)


def units_covered(user: Person, roles: frozenset[str]) -> frozenset[int]:
    """The ids of the units the user's assignments of `roles` cover: each unit of their scope
    and every unit below it (ORG-2). Read once per person object, so that a list asking for
    every row costs one query."""
    if not user.is_authenticated or not user.role_codes & roles:
        return frozenset()
    cache = user.__dict__.setdefault("_units_covered", {})
    if roles not in cache:
        condition = Q(pk__in=[])
        scope = Unit.objects.filter(
            role_assignments__person=user, role_assignments__role__in=roles
        ).values_list("company_id", "path")
        for company_id, path in scope:
            if path:  # a unit without a path would match the whole company
                condition |= Q(company_id=company_id, path__startswith=path)
        cache[roles] = frozenset(Unit.objects.filter(condition).values_list("pk", flat=True))
    return cache[roles]


_service_categories: list[Callable[[], list[tuple[str, Any]]]] = []


def register_service_categories(choices: Callable[[], list[tuple[str, Any]]]) -> None:
    """The complaints app names the categories a contracted service may cover (organisation
    knows no complaint; docs/architecture.md, Layers)."""
    _service_categories[:] = [choices]


def service_categories() -> list[tuple[str, Any]]:
    """(code, label) of the complaint categories a contracted service may cover."""
    return _service_categories[0]() if _service_categories else []


def contractor_scopes_of(user: Person) -> QuerySet[ContractorScope]:
    """ORG-2, issue 8 item 6: the contracted services of the supplier the user works for,
    when the user holds a supplier role; none otherwise."""
    if not user.is_authenticated or not user.company_id or not user.role_codes & CONTRACTOR_ROLES:
        return ContractorScope.objects.none()
    return ContractorScope.objects.filter(
        contractor_id=user.company_id, contractor__kind=Company.Kind.SUPPLIER
    ).prefetch_related("units")


def people_visible_to(user: Person) -> QuerySet[Person]:
    """People the user may see: those whose unit is visible to them, and themselves."""
    if not user.is_authenticated:
        return Person.objects.none()
    if user.is_superuser:
        return Person.objects.all()
    return Person.objects.filter(Q(unit__in=units_visible_to(user)) | Q(pk=user.pk))


def companies_visible_to(user: Person) -> QuerySet[Company]:
    """The user's own company, every company owning a unit they see, and — for the
    company-wide roles — the external companies their company works with (ORG-4)."""
    if not user.is_authenticated:
        return Company.objects.none()
    if user.is_superuser:
        return Company.objects.all()
    condition = Q(pk=user.company_id) | Q(units__in=units_visible_to(user))
    if user.role_codes & COMPANY_WIDE_ROLES and user.company_id:
        condition |= Q(operator_id=user.company_id)
    return Company.objects.filter(pk__in=Company.objects.filter(condition).values("pk")).order_by(
        "kind", "name"
    )


def may_manage_org(user: Person) -> bool:
    """Whether the user manages the organisation (units, posts, people, roles, companies)."""
    return user.is_authenticated and (user.is_superuser or bool(user.role_codes & ORG_ADMIN_ROLES))


# --- the tree --------------------------------------------------------------------------


def unit_tree(user: Person, *, company: Company | None = None) -> list[Unit]:
    """The visible units in tree order (company, then path), each with `head_count` (active
    people) and its posts prefetched; `indent` is the depth below the shallowest visible
    unit of its company, so that a scoped reader's subtree starts at the left margin."""
    units = units_visible_to(user).select_related("company", "parent")
    if company is not None:
        units = units.filter(company=company)
    units = (
        units.annotate(head_count=Count("people", filter=Q(people__is_active=True)))
        .prefetch_related(Prefetch("posts", queryset=Post.objects.order_by("code")))
        .order_by("company__name", "path")
    )
    result: list[Unit] = list(units)
    top: dict[int, int] = {}
    for unit in result:
        top[unit.company_id] = min(top.get(unit.company_id, unit.depth), unit.depth)
    for unit in result:
        unit.indent = unit.depth - top[unit.company_id]  # type: ignore[attr-defined]
    return result


def unit_children(user: Person, *, unit: Unit) -> QuerySet[Unit]:
    return units_visible_to(user).filter(parent=unit).order_by("code")


# --- people ----------------------------------------------------------------------------


def people_filtered(user: Person, data: Mapping[str, Any] | None = None) -> PeopleFilter:
    """People visible to the user, filtered by the people list's filters (`request.GET`:
    search over name, username, employee number and phone; a unit's subtree; a role;
    issue 7 item 4). `.qs` is the list, `.form` the filter bar."""
    people = (
        people_visible_to(user)
        .select_related("unit", "post", "company")
        .prefetch_related(
            Prefetch("role_assignments", queryset=RoleAssignment.objects.order_by("role"))
        )
        .order_by("unit__path", "username")
    )
    units = units_visible_to(user).order_by("company__name", "path")
    return PeopleFilter(data, people, units=units, user=user)


def person_assignments(person: Person) -> QuerySet[RoleAssignment]:
    return person.role_assignments.prefetch_related(
        Prefetch("scope", queryset=Unit.objects.order_by("path"))
    ).order_by("role")


def people_without_role(user: Person) -> QuerySet[Person]:
    return people_visible_to(user).filter(is_active=True, role_assignments__isnull=True)


# --- companies -------------------------------------------------------------------------


def companies_filtered(user: Person, data: Mapping[str, Any] | None = None) -> CompanyFilter:
    """The companies visible to the user, filtered by the company list's filters
    (`request.GET`: search over names, credit code and licence number; the kind)."""
    return CompanyFilter(data, companies_visible_to(user))


# ORG-4: the licence warning period is a policy rule. The policy app sits above this one
# (docs/architecture.md, Layers) and gives its reader in its AppConfig.ready:
# reader(key, *, pack, company) -> the value in force, or None without such a rule.
_rule_readers: list[Callable[..., Any]] = []


def register_rule_reader(reader: Callable[..., Any]) -> None:
    _rule_readers[:] = [reader]


def licence_warning(pack: str, *, company: Any) -> timedelta | None:
    """ORG-4: how long before its expiry a licence is flagged, from the policy pack
    (`organisation.licence_warning`) as `company` (the operator whose rules apply) has it;
    None when the pack does not have the rule (then no "expiring soon" warning is shown,
    only expired licences)."""
    if not _rule_readers:
        return None
    return _rule_readers[0](LICENCE_WARNING_RULE, pack=pack or DEFAULT_PACK, company=company)


def licence_status(
    company: Company, *, today: date | None = None, warnings: dict | None = None
) -> str:
    """ "expired", "expiring" (within the pack's licence warning period), "valid" or
    "unknown". `warnings` caches the warning period per pack across calls (lists)."""
    if company.licence_valid_until is None:
        return "unknown"
    today = today or now().date()
    if company.licence_valid_until < today:
        return "expired"
    pack = company.policy_pack or DEFAULT_PACK
    # An external company is watched under the rules of the operator working with it.
    rules_of = company.operator_id or company.pk
    if warnings is None:
        warnings = {}
    if (pack, rules_of) not in warnings:
        warnings[(pack, rules_of)] = licence_warning(pack, company=rules_of)
    warning = warnings[(pack, rules_of)]
    if warning is not None and company.licence_valid_until <= today + warning:
        return "expiring"
    return "valid"


def licences_expiring(user: Person, *, within: timedelta | None = None) -> QuerySet[Company]:
    """ORG-4: visible companies whose licence has expired or expires within `within`
    (default: the licence warning period of the user's company's pack; only expired ones
    when the pack lacks the rule)."""
    today = now().date()
    if within is None:
        company = getattr(user, "company", None)
        within = licence_warning(
            company.policy_pack if company is not None else "", company=user.company_id
        )
    limit = today + within if within is not None else today - timedelta(days=1)
    return (
        companies_visible_to(user)
        .filter(licence_valid_until__isnull=False, licence_valid_until__lte=limit)
        .order_by("licence_valid_until")
    )


def person_open_code(person: Person) -> PasswordReset | None:
    """The person's one-time sign-in code that could still be used (issue 6 item 4), or
    None: when it was issued, by whom and until when — never the code itself."""
    return (
        PasswordReset.objects.filter(
            person=person, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now()
        )
        .select_related("issued_by")
        .order_by("-issued_at")
        .first()
    )
