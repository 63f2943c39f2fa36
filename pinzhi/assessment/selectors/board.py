"""Reads of the notice board (红黑榜, ASM-6, ASM-7) and the monthly ranking of units
(树标杆、奖先进、促后进, ASM-9).

Who sees what: the quality department, leadership and the committee, department managers
and supervisors see a month's board as soon as it holds anything (marked as not yet
published); everyone else of the company once the month is published (公示) — staff see
the board, never a draft. Stars are named by the unit's department manager or the quality
department.

The ranking's formula (docs/assessment.md): a unit's score of the month is its average
score per person = the pack's base points + (the sum of the month's points of the entries
booked to people of the unit) ÷ (the unit's active people). Units are ranked by it, highest
first (ties share a rank); the pack names how many head the list (标杆) and how many end it
(后进)."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum

from pinzhi.assessment.models import (
    AssessmentMonth,
    MonthStatus,
    PointsEntry,
    ServiceStar,
    WorstServiceRating,
)
from pinzhi.assessment.selectors.access import MANAGE_ROLES, READ_ROLES
from pinzhi.lib.clock import now
from pinzhi.lib.months import month_bounds, month_of, month_previous
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.orgs.roles import Role
from pinzhi.orgs.selectors import DEFAULT_PACK, units_covered
from pinzhi.policy.selectors import rule_value_or_none

# The units that name a service star each month (not teams or sites inside them).
STAR_UNIT_KINDS = frozenset(
    {
        Unit.Kind.DEPARTMENT,
        Unit.Kind.OFFICE,
        Unit.Kind.ESTATE,
        Unit.Kind.PROJECT,
        Unit.Kind.WINDOW,
    }
)
NAMING_ROLES = frozenset({Role.DEPARTMENT_MANAGER})
PUBLISHED = (MonthStatus.PUBLISHED, MonthStatus.APPROVED, MonthStatus.CLOSED)
# Who opens the board of a month not yet published.
EARLY_READERS = READ_ROLES


def month_last_instant(month: date) -> datetime:
    """The month's last second in Asia/Shanghai (what a naming after the month counts at)."""
    return month_bounds(month)[1] - timedelta(seconds=1)


def _company_wide(user: Person) -> bool:
    return bool(user.role_codes & MANAGE_ROLES) or user.is_superuser


def may_name_star(user: Person, unit: Unit) -> bool:
    """The quality department of the unit's company, or a department manager whose scope
    covers the unit (ASM-6: 各单位评出)."""
    if not user.is_authenticated or user.company_id != unit.company_id:
        return bool(user.is_authenticated and user.is_superuser)
    return _company_wide(user) or unit.pk in units_covered(user, NAMING_ROLES)


def star_units_for(user: Person) -> QuerySet[Unit]:
    """The units whose stars `user` names."""
    if user.company_id is None:
        return Unit.objects.none()
    units = Unit.objects.filter(
        company_id=user.company_id,
        is_active=True,
        kind__in=STAR_UNIT_KINDS,
        parent__isnull=False,
    )
    if _company_wide(user):
        return units
    return units.filter(pk__in=units_covered(user, NAMING_ROLES))


def may_name_any(user: Person) -> bool:
    return star_units_for(user).exists()


def may_read_early(user: Person) -> bool:
    return bool(user.role_codes & EARLY_READERS) or user.is_superuser


def month_published(company_id: int, month: date) -> bool:
    return AssessmentMonth.objects.filter(
        company_id=company_id, month=month, status__in=PUBLISHED
    ).exists()


def month_status(company_id: int, month: date) -> str | None:
    row = AssessmentMonth.objects.filter(company_id=company_id, month=month).first()
    return row.status if row else None


def board_months_for(user: Person) -> list[date]:
    """The months whose board `user` may open, newest first: every month with a naming or
    a rating for the early readers; the published months for everyone else."""
    company_id = user.company_id
    if company_id is None:
        return []
    published = set(
        AssessmentMonth.objects.filter(company_id=company_id, status__in=PUBLISHED).values_list(
            "month", flat=True
        )
    )
    if not may_read_early(user):
        return sorted(published, reverse=True)
    stars = ServiceStar.objects.filter(company_id=company_id).values_list("month", flat=True)
    worst = WorstServiceRating.objects.filter(company_id=company_id).values_list("month", flat=True)
    return sorted(set(stars) | set(worst) | published, reverse=True)


def default_board_month(user: Person) -> date:
    """The month a board opens on: the latest the user may see, else last month."""
    months = board_months_for(user)
    return months[0] if months else month_previous(month_of(now()))


def may_read_board(user: Person, company_id: int, month: date) -> bool:
    if not user.is_authenticated or (user.company_id != company_id and not user.is_superuser):
        return False
    return may_read_early(user) or month_published(company_id, month)


@dataclass
class UnitRank:
    unit: Unit
    people: int
    points: int
    score: Decimal
    rank: int = 0
    band: str = ""  # "best", "laggard" or ""


@dataclass
class Board:
    month: date
    published: bool
    status: str | None
    stars: list[ServiceStar] = field(default_factory=list)
    vacancies: list[ServiceStar] = field(default_factory=list)
    worst: list[WorstServiceRating] = field(default_factory=list)
    ranking: list[UnitRank] = field(default_factory=list)


def _rule(key: str, company: Company, at: datetime) -> Any:
    return rule_value_or_none(key, pack=company.policy_pack or DEFAULT_PACK, company=company, at=at)


def unit_ranking(company: Company, month: date) -> list[UnitRank]:
    """ASM-9: the units that name stars, ranked by their average score per person in
    `month` (base + the month's points of the people of the unit and the units below it ÷
    those people, active ones); the pack's number of best and of laggards marked. Two
    aggregate queries, whatever the number of people."""
    at = month_last_instant(month)
    base = _rule("assessment.monthly_base_points", company, at) or 0
    best = _rule("assessment.ranking_best_units", company, at) or 0
    laggards = _rule("assessment.ranking_laggard_units", company, at) or 0
    units = list(
        Unit.objects.filter(
            company=company, is_active=True, kind__in=STAR_UNIT_KINDS, parent__isnull=False
        ).order_by("path")
    )
    heads = dict(
        Person.objects.filter(company=company, is_active=True, unit__isnull=False)
        .values("unit__path")
        .annotate(n=Count("pk"))
        .values_list("unit__path", "n")
    )
    points = dict(
        PointsEntry.objects.filter(company=company, month=month, unit__isnull=False)
        .values("unit__path")
        .annotate(total=Sum("points"))
        .values_list("unit__path", "total")
    )
    ranked = []
    for unit in units:
        people = sum(n for path, n in heads.items() if path.startswith(unit.path))
        if not people:
            continue
        total = sum(t or 0 for path, t in points.items() if path.startswith(unit.path))
        score = (Decimal(base) + Decimal(total) / people).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        ranked.append(UnitRank(unit=unit, people=people, points=total, score=score))
    ranked.sort(key=lambda row: (-row.score, row.unit.path))
    previous: Decimal | None = None
    for position, row in enumerate(ranked, start=1):
        row.rank = ranked[position - 2].rank if previous == row.score else position
        previous = row.score
    if len(ranked) > 1:
        for row in ranked:
            if row.rank <= best:
                row.band = "best"
            elif row.rank > len(ranked) - laggards:
                row.band = "laggard"
    return ranked


def board_for(company: Company, month: date) -> Board:
    """The notice board of `month`: the stars (红榜) with their streaks and rewards, the
    units that named none, the people rated worst service (黑榜) with their fines, and the
    units' ranking."""
    status = month_status(company.pk, month)
    namings = list(
        ServiceStar.objects.filter(company=company, month=month)
        .select_related("unit", "person", "person__unit", "entry")
        .order_by("unit__path")
    )
    return Board(
        month=month,
        published=status in PUBLISHED,
        status=status,
        stars=[star for star in namings if star.person_id],
        vacancies=[star for star in namings if not star.person_id],
        worst=list(
            WorstServiceRating.objects.filter(company=company, month=month)
            .select_related("person", "unit", "entry")
            .order_by("unit__path", "person__full_name")
        ),
        ranking=unit_ranking(company, month),
    )


def stars_of_unit(unit: Unit, *, limit: int = 12) -> list[ServiceStar]:
    """The unit's latest namings, newest first (the naming page's history)."""
    return list(
        ServiceStar.objects.filter(unit=unit)
        .select_related("person", "entry", "named_by")
        .order_by("-month")[:limit]
    )


def star_candidates(unit: Unit) -> QuerySet[Person]:
    """The active people of the unit and of the units below it."""
    return (
        Person.objects.filter(
            company_id=unit.company_id, is_active=True, unit__path__startswith=unit.path
        )
        .select_related("unit")
        .order_by("unit__path", "full_name")
    )
