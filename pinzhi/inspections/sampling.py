"""Random sampling of units, reproducible by anyone (INS-3; 000 物业 3.2, 物业公司 4.2).

A draw records its seed (random, made once and stored), the algorithm's name and version and
the population (the sorted unit ids); from those three anyone re-runs it and gets the same
units, in this application (the draw's page, 复核抽样) or in any language:

    sha256-rank-v1: for each unit id u of the population, h(u) = SHA-256 of the UTF-8 text
    "<seed>:<u>" in lowercase hex; rank the units by h(u) ascending (then by id); the first
    k = ⌈p × N / 100⌉ are drawn (at least one when p > 0 and N > 0).

e.g. in a shell: `printf '%s' "<seed>:42" | sha256sum`.
"""

import hashlib
import math
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from pinzhi.inspections.events import PlanEvent
from pinzhi.inspections.models import SamplingDraw, Schedule
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.timeline.services import event_record

ALGORITHM = "sha256-rank-v1"

PERCENT_INVALID = _("The sampling proportion must be a percentage above 0 and not above 100.")
POPULATION_EMPTY = _("Choose at least one unit to draw from.")
UNITS_OF_OTHER_COMPANY = _("Some of the units chosen belong to another company.")
ALGORITHM_UNKNOWN = _("This draw used the algorithm “%(algorithm)s”, which is not known here.")


class SamplingError(DomainError):
    """A draw that cannot be made as asked; the reason says why."""

    code = "sampling_refused"
    status = 422


def seed_new() -> str:
    """A fresh random seed: 128 bits as 32 hex digits."""
    return secrets.token_hex(16)


def sample_size(percent: Decimal | int, population: int) -> int:
    """⌈p × N / 100⌉ units, at least one of a non-empty population when p > 0, never more
    than N."""
    percent = Decimal(percent)
    if population <= 0 or percent <= 0:
        return 0
    size = math.ceil(percent * population / 100)
    return max(1, min(population, size))


def unit_rank_key(seed: str, unit_id: int) -> str:
    """The hash a unit is ranked by in `sha256-rank-v1`."""
    return hashlib.sha256(f"{seed}:{unit_id}".encode()).hexdigest()


def draw_units(*, seed: str, population: Sequence[int], percent: Decimal | int) -> list[int]:
    """The unit ids `sha256-rank-v1` draws from `population` with `seed`, in rank order."""
    ranked = sorted(set(population), key=lambda unit_id: (unit_rank_key(seed, unit_id), unit_id))
    return ranked[: sample_size(percent, len(ranked))]


def _check_percent(percent: Any) -> Decimal:
    try:
        value = Decimal(percent)
    except (TypeError, ValueError, ArithmeticError):
        raise SamplingError(PERCENT_INVALID, field="percent") from None
    if not value.is_finite() or value <= 0 or value > 100:
        raise SamplingError(PERCENT_INVALID, field="percent")
    return value


def draw_build(
    *,
    company_id: int,
    population: Iterable[int],
    percent: Decimal,
    at: datetime,
    schedule: Schedule | None = None,
    occurrence: datetime | None = None,
    actor: Person | None = None,
    purpose: str = "",
    seed: str | None = None,
) -> SamplingDraw:
    """An unsaved draw from `population` (unit ids) with a fresh seed: what a schedule's
    materialisation inserts in bulk, one per occurrence."""
    ids = sorted(set(population))
    seed = seed or seed_new()
    return SamplingDraw(
        company_id=company_id,
        schedule=schedule,
        occurrence=occurrence,
        seed=seed,
        algorithm=ALGORITHM,
        percent=percent,
        population=ids,
        drawn=draw_units(seed=seed, population=ids, percent=percent),
        drawn_at=at,
        drawn_by=actor,
        purpose=purpose,
    )


@transaction.atomic
def draw_make(
    *, company: Company, units: Iterable[Unit], percent: Any, actor: Person, purpose: str = ""
) -> SamplingDraw:
    """INS-3: an ad-hoc draw of `percent` % of `units` (e.g. the companies or estates for
    this quarter's full check), recorded with its seed, algorithm and population so that
    anyone can re-run it."""
    value = _check_percent(percent)
    units = list(units)
    if not units:
        raise SamplingError(POPULATION_EMPTY, field="units")
    if any(unit.company_id != company.pk for unit in units):
        raise SamplingError(UNITS_OF_OTHER_COMPANY, field="units")
    draw = draw_build(
        company_id=company.pk,
        population=[unit.pk for unit in units],
        percent=value,
        at=now(),
        actor=actor,
        purpose=purpose.strip(),
    )
    draw.save(force_insert=True)
    event_record(
        subject=draw,
        action=PlanEvent.DRAWN,
        actor=actor,
        data={
            "seed": draw.seed,
            "algorithm": draw.algorithm,
            "population": draw.population,
            "drawn": draw.drawn,
        },
    )
    return draw


def draw_rerun(draw: SamplingDraw) -> list[int]:
    """复核抽样: the units the draw's record gives when the draw is run again."""
    if draw.algorithm != ALGORITHM:
        raise SamplingError(ALGORITHM_UNKNOWN, algorithm=draw.algorithm)
    return draw_units(seed=draw.seed, population=draw.population, percent=draw.percent)
