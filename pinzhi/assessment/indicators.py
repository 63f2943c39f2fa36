"""The quarterly indicators (ASM-1, SAT-2): what each person, unit and department did in a
plan's quarter, read from the complaints, their deadlines, the inspections and the
nonconformities with one grouped query per source (never a loop over records).

Every indicator has a value, the sample it rests on and a score 0 … 100
(docs/assessment.md "Quarterly assessment"):

- satisfaction — the share of satisfied answers: callbacks that reached the customer with a
  satisfaction given (very satisfied / satisfied count as satisfied) plus the customers' own
  ratings of resolved cases (4 or 5 of 5), until surveys exist; score = the rate;
- response / resolution — the share of the complaints' first-contact / resolution limits
  falling due in the quarter that were met by their due time; score = the share;
- inspection — the average percentage of the submitted inspections of the unit; score = it;
- rectification — the share of nonconformities falling due in the quarter fixed (closed)
  by their due time and never overdue; score = the share;
- complaints — verified complaints per person (a unit's complaints over its headcount, a
  person's own count); score = 100 − rate × `quarterly.complaint_rate_deduction`, never
  below 0.

A person's complaints are those naming them (staff complained about), their limits those
they own, their nonconformities those they are responsible for; their inspection score is
the assessed unit's they work in (the plan's deepest unit covering theirs). A unit's
figures include its sub-units. An indicator without
a sample is shown as such and counts neither way."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from pinzhi.complaints.models import Callback, Complaint, Severity, Status
from pinzhi.complaints.workflow import FIRST_CONTACT, RESOLUTION
from pinzhi.deadlines.models import Deadline
from pinzhi.inspections.models import Inspection
from pinzhi.inspections.models import Severity as FindingSeverity
from pinzhi.lib.months import local_start
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.rectification.models import Nonconformity

SATISFACTION = "satisfaction"
RESPONSE = "response"
RESOLUTION_CODE = "resolution"
INSPECTION = "inspection"
RECTIFICATION = "rectification"
COMPLAINTS = "complaints"
# Not weighted: the count of serious quality problems (major complaints, serious
# nonconformities) that cost a unit the branded window (ASM-9).
SERIOUS = "serious"

INDICATORS = (SATISFACTION, RESPONSE, RESOLUTION_CODE, INSPECTION, RECTIFICATION, COMPLAINTS)
WEIGHT_RULES = {code: f"quarterly.weight_{code}" for code in INDICATORS}
LABELS = {
    SATISFACTION: _("Customer satisfaction"),
    RESPONSE: _("Response in time"),
    RESOLUTION_CODE: _("Resolution in time"),
    INSPECTION: _("Inspection score"),
    RECTIFICATION: _("Rectification on time"),
    COMPLAINTS: _("Complaint rate"),
    SERIOUS: _("Serious quality problems"),
}
# How each value reads: a percentage, or complaints per person.
PERCENT_CODES = frozenset({SATISFACTION, RESPONSE, RESOLUTION_CODE, INSPECTION, RECTIFICATION})

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """The first and the last day of a calendar quarter."""
    first = date(year, 3 * (quarter - 1) + 1, 1)
    after = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, after - timedelta(days=1)


def window(starts_on: date, ends_on: date) -> tuple[datetime, datetime]:
    """The plan's time as instants in Asia/Shanghai: [start of the first day, start of the
    day after the last)."""
    return local_start(starts_on), local_start(ends_on + timedelta(days=1))


def _round(number: Decimal) -> Decimal:
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Figure:
    """One indicator of one subject: value, sample and score (None: no sample)."""

    code: str
    value: Decimal | None
    sample: int
    score: Decimal | None


# A tally: subject id -> [numerator, denominator].
Tally = dict[int, list[Any]]


def _tally(rows: Iterable[dict[str, Any]], key: str, ok: str = "ok", n: str = "n") -> Tally:
    tally: Tally = defaultdict(lambda: [Decimal(0), 0])
    for row in rows:
        if row[key] is None:
            continue
        tally[row[key]][0] += Decimal(row[ok] or 0)
        tally[row[key]][1] += row[n] or 0
    return tally


def _grouped(queryset: Any, key: str, ok: Any, n: Any = None) -> Tally:
    rows = queryset.values(key).annotate(ok=ok, n=n or Count("pk"))
    return _tally(rows, key)


@dataclass
class Sources:
    """The quarter's raw tallies, by person and by the unit the record belongs to."""

    by_person: dict[str, Tally]
    by_unit: dict[str, Tally]
    headcount: dict[int, int]


def sources_read(*, company: Company, starts_on: date, ends_on: date) -> Sources:
    """One grouped query per source and grouping (ASM-1)."""
    start, end = window(starts_on, ends_on)
    satisfied = Q(
        satisfaction__in=[Callback.Satisfaction.VERY_SATISFIED, Callback.Satisfaction.SATISFIED]
    )
    callbacks = (
        Callback.objects.filter(complaint__company=company, at__gte=start, at__lt=end, reached=True)
        .exclude(satisfaction="")
        .annotate(u=Coalesce("complaint__department_id", "complaint__location_id"))
    )
    ratings = Complaint.objects.filter(
        company=company, customer_rating__isnull=False, resolved_at__gte=start, resolved_at__lt=end
    ).annotate(u=Coalesce("department_id", "location_id"))
    good_rating = Count("pk", filter=Q(customer_rating__gte=4))

    def limits(kind: str) -> Any:
        return Deadline.objects.filter(
            company=company, kind=kind, due_at__gte=start, due_at__lt=end
        ).exclude(state=Deadline.State.CANCELLED)

    in_time = Count("pk", filter=Q(met_at__isnull=False, met_at__lte=F("due_at")))
    inspections = Inspection.objects.filter(
        company=company,
        status__in=[Inspection.Status.SUBMITTED, Inspection.Status.REPORTED],
        submitted_at__gte=start,
        submitted_at__lt=end,
        percent__isnull=False,
    )
    findings = Nonconformity.objects.filter(company=company, due_at__gte=start, due_at__lt=end)
    fixed = Count(
        "pk",
        filter=Q(closed_at__isnull=False, closed_at__lte=F("due_at"), overdue_at__isnull=True),
    )
    verified = (
        Complaint.objects.filter(company=company, verified_at__gte=start, verified_at__lt=end)
        .exclude(status=Status.NOT_ESTABLISHED)
        .annotate(u=Coalesce("department_id", "location_id"))
    )
    count = Count("pk")

    def merged(*tallies: Tally) -> Tally:
        out: Tally = defaultdict(lambda: [Decimal(0), 0])
        for tally in tallies:
            for key, (ok, n) in tally.items():
                out[key][0] += ok
                out[key][1] += n
        return out

    by_person = {
        SATISFACTION: merged(
            _grouped(callbacks, "complaint__staff_involved_id", Count("pk", filter=satisfied)),
            _grouped(ratings, "staff_involved_id", good_rating),
        ),
        RESPONSE: _grouped(limits(FIRST_CONTACT), "owner_id", in_time),
        RESOLUTION_CODE: _grouped(limits(RESOLUTION), "owner_id", in_time),
        RECTIFICATION: _grouped(findings, "responsible_id", fixed),
        COMPLAINTS: _grouped(verified, "staff_involved_id", count),
    }
    serious = merged(
        _grouped(
            Complaint.objects.filter(
                company=company,
                severity=Severity.MAJOR,
                received_at__gte=start,
                received_at__lt=end,
            )
            .exclude(status=Status.NOT_ESTABLISHED)
            .annotate(u=Coalesce("department_id", "location_id")),
            "u",
            count,
        ),
        _grouped(
            Nonconformity.objects.filter(
                company=company,
                severity=FindingSeverity.SERIOUS,
                raised_at__gte=start,
                raised_at__lt=end,
            ),
            "unit_id",
            count,
        ),
    )
    by_unit = {
        SATISFACTION: merged(
            _grouped(callbacks, "u", Count("pk", filter=satisfied)),
            _grouped(ratings, "u", good_rating),
        ),
        RESPONSE: _grouped(limits(FIRST_CONTACT), "unit_id", in_time),
        RESOLUTION_CODE: _grouped(limits(RESOLUTION), "unit_id", in_time),
        INSPECTION: _grouped(inspections, "unit_id", Sum("percent")),
        RECTIFICATION: _grouped(findings, "unit_id", fixed),
        COMPLAINTS: _grouped(verified, "u", count),
        SERIOUS: serious,
    }
    headcount = {
        row["unit_id"]: row["n"]
        for row in Person.objects.filter(company=company, is_active=True, unit__isnull=False)
        .values("unit_id")
        .annotate(n=Count("pk"))
    }
    return Sources(by_person=by_person, by_unit=by_unit, headcount=headcount)


def figure(code: str, ok: Decimal, n: int, *, deduction: Decimal) -> Figure:
    """The value and score of one indicator from its tally (numerator, sample)."""
    if n <= 0:
        return Figure(code, None, 0, None)
    if code == INSPECTION:  # the numerator is the sum of the percentages
        value = _round(Decimal(ok) / n)
        return Figure(code, value, n, min(max(value, Decimal(0)), HUNDRED))
    if code == COMPLAINTS:  # the numerator is the complaints, the sample the people
        rate = _round(Decimal(ok) / n)
        return Figure(code, rate, n, _round(max(HUNDRED - Decimal(ok) / n * deduction, Decimal(0))))
    if code == SERIOUS:
        return Figure(code, Decimal(ok), n, None)
    value = _round(Decimal(ok) * HUNDRED / n)
    return Figure(code, value, n, value)


def unit_figures(
    sources: Sources, *, unit: Unit, units: dict[int, str], deduction: Decimal
) -> dict[str, Figure]:
    """A unit's figures with its sub-units' records (`units`: id -> path of the company)."""
    inside = {pk for pk, path in units.items() if path.startswith(unit.path)}
    figures = {}
    for code, tally in sources.by_unit.items():
        ok, n = Decimal(0), 0
        for pk in inside & tally.keys():
            ok += tally[pk][0]
            n += tally[pk][1]
        if code == COMPLAINTS:
            people = sum(sources.headcount.get(pk, 0) for pk in inside)
            figures[code] = figure(code, ok, people if people else 0, deduction=deduction)
        elif code == SERIOUS:
            figures[code] = Figure(code, ok, int(ok), None)
        else:
            figures[code] = figure(code, ok, n, deduction=deduction)
    return figures


def person_figures(sources: Sources, *, person: Person, deduction: Decimal) -> dict[str, Figure]:
    figures = {}
    for code, tally in sources.by_person.items():
        ok, n = tally.get(person.pk, (Decimal(0), 0))
        if code == COMPLAINTS:
            figures[code] = figure(code, ok, 1, deduction=deduction)
        else:
            figures[code] = figure(code, ok, n, deduction=deduction)
    if person.unit_id is not None:
        ok, n = sources.by_unit[INSPECTION].get(person.unit_id, (Decimal(0), 0))
        figures[INSPECTION] = figure(INSPECTION, ok, n, deduction=deduction)
    else:
        figures[INSPECTION] = Figure(INSPECTION, None, 0, None)
    return figures


def weighted_score(figures: dict[str, Figure], weights: dict[str, Decimal]) -> Decimal | None:
    """Σ score × weight over the indicators with a sample, divided by the sum of their
    weights (so an indicator without a sample counts neither way); None when none has one."""
    total, weight_sum = Decimal(0), Decimal(0)
    for code, weight in weights.items():
        fig = figures.get(code)
        if fig is None or fig.score is None or weight <= 0:
            continue
        total += fig.score * weight
        weight_sum += weight
    if weight_sum == 0:
        return None
    return _round(total / weight_sum)
