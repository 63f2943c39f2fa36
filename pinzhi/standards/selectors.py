"""Reads of the standards app, scoped to the person's company (an operator sees all)."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet

from pinzhi.deadlines.models import Deadline
from pinzhi.lib.clock import now
from pinzhi.orgs.models import Company, Person, RoleAssignment, Unit
from pinzhi.orgs.roles import STAFF_ROLES, Role
from pinzhi.standards.filters import StandardFilter
from pinzhi.standards.models import (
    CommitmentState,
    QualityGoal,
    ServiceCommitment,
    ServiceItem,
    ServiceLevelAgreement,
    Standard,
    StandardVersion,
    VersionState,
)
from pinzhi.standards.workflow import APPROVE_ROLES, DRAFT_ROLES, QUALITY_ROLES

# Every member of the staff reads the standards, goals, SLAs and commitments that bind them.
READ_ROLES = frozenset(STAFF_ROLES)
# The quality department keeps the catalogue, the goals, the SLAs and the commitments
# (000 第十条(二) 参与制定、修改和完善服务质量标准); the working group drafts standards.
MANAGE_ROLES = QUALITY_ROLES
GOAL_ROLES = QUALITY_ROLES | frozenset({Role.DEPARTMENT_MANAGER})
SLA_ROLES = QUALITY_ROLES | frozenset({Role.DEPARTMENT_MANAGER})
STEP_ROLES = DRAFT_ROLES | QUALITY_ROLES | APPROVE_ROLES | READ_ROLES


def _company_scoped(queryset: QuerySet, user: Person, field: str = "company") -> QuerySet:
    if user.is_superuser:
        return queryset
    if not user.company_id:
        return queryset.none()
    return queryset.filter(**{f"{field}_id": user.company_id})


def user_may_draft(user: Person) -> bool:
    return bool(user.is_superuser or user.role_codes & DRAFT_ROLES)


def user_may_manage(user: Person) -> bool:
    return bool(user.is_superuser or user.role_codes & MANAGE_ROLES)


def user_may_set_goals(user: Person) -> bool:
    return bool(user.is_superuser or user.role_codes & GOAL_ROLES)


def user_may_record_slas(user: Person) -> bool:
    return bool(user.is_superuser or user.role_codes & SLA_ROLES)


def service_items_visible_to(user: Person) -> QuerySet[ServiceItem]:
    return _company_scoped(ServiceItem.objects.all(), user)


def standards_visible_to(user: Person) -> QuerySet[Standard]:
    return _company_scoped(Standard.objects.select_related("item"), user)


def standards_filtered(user: Person, data: Mapping[str, Any] | None = None) -> StandardFilter:
    """The catalogue list: search, kind of service, dimension, status (STD-1)."""
    return StandardFilter(data, standards_visible_to(user), user=user)


def versions_of(standard: Standard) -> QuerySet[StandardVersion]:
    """Every version, newest first, with the people who took its steps."""
    return standard.versions.select_related(
        "drafted_by", "approved_by", "published_by"
    ).prefetch_related("comments__unit", "comments__author")


def version_in_force(standard: Standard) -> StandardVersion | None:
    return standard.versions.filter(state=VersionState.PUBLISHED).first()


def version_being_worked_on(standard: Standard) -> StandardVersion | None:
    return standard.versions.filter(
        state__in=[
            VersionState.DRAFT,
            VersionState.CONSULTATION,
            VersionState.SUBMITTED,
            VersionState.APPROVED,
        ]
    ).first()


def review_deadline(standard: Standard) -> Deadline | None:
    """The open review deadline of the standard in force, if any."""
    from pinzhi.deadlines.selectors import deadlines_for

    return (
        deadlines_for(standard)
        .filter(kind="standard.review", state__in=[Deadline.State.OPEN, Deadline.State.BREACHED])
        .first()
    )


def versions_waiting_for(user: Person) -> QuerySet[StandardVersion]:
    """The versions waiting for the user's step: approval (leadership), submission and
    publication (quality department), comments (everyone)."""
    versions = _company_scoped(
        StandardVersion.objects.select_related("standard"), user, "standard__company"
    )
    states = {VersionState.CONSULTATION}
    if user.is_superuser or user.role_codes & APPROVE_ROLES:
        states.add(VersionState.SUBMITTED)
    if user.is_superuser or user.role_codes & QUALITY_ROLES:
        states.add(VersionState.APPROVED)
    return versions.filter(state__in=states).order_by("standard__code")


# --- goals ---------------------------------------------------------------------------------


def goals_visible_to(user: Person) -> QuerySet[QualityGoal]:
    return _company_scoped(QualityGoal.objects.select_related("unit", "set_by"), user)


def goals_in_force(user: Person, *, on: date | None = None, unit: Unit | None = None) -> list:
    """STD-3: each unit's goals as in force on `on` (default today): per unit, metric and
    period the version with the latest effective date not after `on`, with the versions
    to come listed after it."""
    on = on or now().date()
    goals = goals_visible_to(user).order_by("unit__path", "metric", "period", "-effective_from")
    if unit is not None:
        goals = goals.filter(unit=unit)
    current: dict[tuple, dict[str, Any]] = {}
    for goal in goals:
        key = (goal.unit_id, goal.metric, goal.period)
        row = current.setdefault(key, {"goal": None, "upcoming": [], "history": []})
        if goal.effective_from > on:
            row["upcoming"].insert(0, goal)
        elif row["goal"] is None:
            row["goal"] = goal
        else:
            row["history"].append(goal)
    rows = [row for row in current.values() if row["goal"] is not None or row["upcoming"]]
    for row in rows:
        # The goal the row is about: the one in force, else the first one to come.
        row["shown"] = row["goal"] or row["upcoming"][0]
    return rows


def goal_in_force(unit: Unit, metric: str, period: str, *, on: date) -> QualityGoal | None:
    """The version of a unit's goal in force on `on` (STD-3)."""
    return (
        QualityGoal.objects.filter(unit=unit, metric=metric, period=period, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )


def units_for_goals(user: Person) -> QuerySet[Unit]:
    return _company_scoped(Unit.objects.filter(is_active=True), user)


# --- SLAs and commitments ------------------------------------------------------------------


def slas_visible_to(user: Person) -> QuerySet[ServiceLevelAgreement]:
    return _company_scoped(ServiceLevelAgreement.objects.select_related("unit"), user)


def commitments_visible_to(user: Person) -> QuerySet[ServiceCommitment]:
    return _company_scoped(ServiceCommitment.objects.select_related("post__unit"), user)


def commitments_published(company: Company) -> QuerySet[ServiceCommitment]:
    """STD-4: what the public page shows of a company: its published commitments only."""
    return ServiceCommitment.objects.filter(
        company=company, state=CommitmentState.PUBLISHED
    ).order_by("post_name", "pk")


def companies_with_commitments(companies: list[Company]) -> list[tuple[Company, list]]:
    """STD-4: the public page: each company with its published commitments (one query)."""
    by_company: dict[int, list[ServiceCommitment]] = {}
    for commitment in ServiceCommitment.objects.filter(
        company__in=companies, state=CommitmentState.PUBLISHED
    ).order_by("post_name", "pk"):
        by_company.setdefault(commitment.company_id, []).append(commitment)
    return [(company, by_company[company.pk]) for company in companies if company.pk in by_company]


# --- escalation of an overdue review (STD-2, X-3) -------------------------------------------


def review_escalation_people(deadline: Deadline, level: str) -> list[Person]:
    """Who hears of an overdue review at `level`: the quality department ("owner"), then
    leadership; both of the standard's company."""
    role = Role.LEADERSHIP if level == "leadership" else Role.QUALITY_DEPARTMENT
    if deadline.company_id is None:
        return []
    people = RoleAssignment.objects.filter(
        role=role, person__is_active=True, person__company_id=deadline.company_id
    ).values("person_id")
    return list(Person.objects.filter(pk__in=people).order_by("full_name", "pk"))


def standards_with_versions(user: Person) -> QuerySet[Standard]:
    return standards_visible_to(user).prefetch_related(
        Prefetch("versions", queryset=StandardVersion.objects.order_by("-number"))
    )


def versions_of_visible(user: Person) -> QuerySet[StandardVersion]:
    return _company_scoped(
        StandardVersion.objects.select_related("standard__item"), user, "standard__company"
    )
