"""The month-end assessment of 10,000 staff over 1,000,000 events (ASM-3 … ASM-7, issue 11
"Tests and evidence").

In one transaction rolled back afterwards: a company of BENCH_ASSESSMENT_STAFF service staff
in estates of 100, each estate with its supervisor, a group leader in charge of every ten
estates; BENCH_ASSESSMENT_EVENTS `complaint.verified` events naming a staff member (chosen
at random, seeded), spread over the twelve months before this one, inserted in bulk
(`lib.bulk.rows_insert`, as the bench loaders do; their subjects are not materialised as
complaint rows). Of the measured month (the last of the twelve), the first
BENCH_ASSESSMENT_DERIVE events are derived by the ledger's consumer handler
(`derive.events_derive`, timed: its throughput); the month's other events are booked in
bulk with exactly the entries the consumer books (n-th complaint n × −5, the supervisor's
and the group leader's k-th joint penalty, the pack's rules and texts), since deriving
83,000 events one by one would take the bench an hour. Then the month-end computation
(`cycle.month_compute`: the month-end steps — worst service rates everyone with two
complaints and books their fines — and every person's total) is timed once, beside one
hand-written SQL aggregate of the same totals straight from the events (row_number per
person and month → n × −5, the joint penalties, the fine), BENCH_ASSESSMENT_RUNS times, and
the two are checked equal. The database is left as it was."""

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from pinzhi.assessment.models import EntryKind, MonthlyTotal, PointsEntry, WorstServiceRating
from pinzhi.assessment.services.cycle import month_compute
from pinzhi.assessment.services.derive import events_derive
from pinzhi.assessment.services.ledger import rule_applied
from pinzhi.complaints.events import ComplaintEvent
from pinzhi.complaints.models import Complaint
from pinzhi.lib.bulk import rows_insert
from pinzhi.lib.clock import now
from pinzhi.lib.months import month_bounds, month_of, month_previous
from pinzhi.orgs import services as orgs
from pinzhi.orgs.models import Company, Person, RoleAssignment, Unit
from pinzhi.orgs.roles import Role
from pinzhi.timeline.models import Event, chain_key

STAFF = int(os.environ.get("BENCH_ASSESSMENT_STAFF", "10000"))
EVENTS = int(os.environ.get("BENCH_ASSESSMENT_EVENTS", "1000000"))
DERIVE = int(os.environ.get("BENCH_ASSESSMENT_DERIVE", "2000"))
RUNS = int(os.environ.get("BENCH_ASSESSMENT_RUNS", "5"))
PER_ESTATE = 100
ESTATES_PER_LEADER = 10
INSERT_BATCH = 50_000

# The same totals straight from the events: each staff member's n-th verified complaint of
# the month (row_number in Shanghai month bounds) → n × per; the unit's supervisor from the
# sfrom-th, k × sper; the leader whose scope holds the unit from the lfrom-th, likewise;
# the fine for the worst-service number of complaints; + the base for everybody.
RAW_TOTALS = """
WITH c AS (
  SELECT (e.data->>'staff_id')::bigint AS person_id,
         row_number() OVER (PARTITION BY e.data->>'staff_id' ORDER BY e.at, e.id) AS n
    FROM timeline_event e
   WHERE e.company_id = %(company)s AND e.action = 'complaint.verified'
     AND e.at >= %(start)s AND e.at < %(end)s
), staff AS (
  SELECT c.person_id, p.unit_id, count(*) AS complaints, sum(c.n) AS nsum,
         sum(GREATEST(c.n - %(sfrom)s + 1, 0)) AS sk,
         sum(GREATEST(c.n - %(lfrom)s + 1, 0)) AS lk
    FROM c JOIN orgs_person p ON p.id = c.person_id
   GROUP BY c.person_id, p.unit_id
), sharer AS (
  SELECT ra.person_id, ra.role, s.unit_id
    FROM orgs_roleassignment ra
    JOIN orgs_roleassignment_scope s ON s.roleassignment_id = ra.id
    JOIN orgs_person sp ON sp.id = ra.person_id
   WHERE ra.role IN ('supervisor', 'leadership') AND sp.company_id = %(company)s
), points AS (
  SELECT person_id, nsum * %(per)s AS points,
         CASE WHEN complaints >= %(worst)s THEN -%(fine)s ELSE 0 END AS amount
    FROM staff
  UNION ALL
  SELECT sharer.person_id, staff.sk * %(sper)s, 0
    FROM staff JOIN sharer ON sharer.unit_id = staff.unit_id AND sharer.role = 'supervisor'
  UNION ALL
  SELECT sharer.person_id, staff.lk * %(lper)s, 0
    FROM staff JOIN sharer ON sharer.unit_id = staff.unit_id AND sharer.role = 'leadership'
)
SELECT p.id, %(base)s + coalesce(sum(points.points), 0), coalesce(sum(points.amount), 0)
  FROM orgs_person p LEFT JOIN points ON points.person_id = p.id
 WHERE p.company_id = %(company)s AND p.is_active
 GROUP BY p.id
"""


@dataclass
class AssessmentBench:
    load: float = 0.0
    derive: float = 0.0
    derived: int = 0
    book: float = 0.0
    compute: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    queries: int = 0
    equal: bool = False
    note: str = ""


class _Rollback(Exception):
    pass


def _organisation(staff: int) -> tuple[Company, list[Person]]:
    """The company and its staff; supervisors and leaders with their scopes, in bulk."""
    company = orgs.company_create(
        name="基准考核物业服务有限公司", kind=Company.Kind.OPERATOR, policy_pack="property"
    )
    hq = orgs.unit_create(company=company, code="HQ", name="总部", kind=Unit.Kind.DEPARTMENT)
    estates = [
        orgs.unit_create(
            company=company,
            code=f"E{i:03d}",
            name=f"基准小区{i + 1}",
            kind=Unit.Kind.ESTATE,
            parent=hq,
        )
        for i in range(max(1, staff // PER_ESTATE))
    ]
    moment = now()

    def person(username: str, name: str, unit: Unit) -> Person:
        return Person(
            username=username,
            full_name=name,
            company=company,
            unit=unit,
            password="!",
            is_active=True,
            date_joined=moment,
        )

    people = rows_insert(
        [person(f"bench-asm-{n}", f"员工{n}", estates[n % len(estates)]) for n in range(staff)]
    )
    supervisors = rows_insert(
        [person(f"bench-asm-s{i}", f"主管{i}", estate) for i, estate in enumerate(estates)]
    )
    leaders = rows_insert(
        [
            person(f"bench-asm-l{i}", f"领导{i}", hq)
            for i in range(max(1, len(estates) // ESTATES_PER_LEADER))
        ]
    )
    assignments = rows_insert(
        [RoleAssignment(person=p, role=Role.SUPERVISOR, granted_at=moment) for p in supervisors]
        + [RoleAssignment(person=p, role=Role.LEADERSHIP, granted_at=moment) for p in leaders]
    )
    through = RoleAssignment.scope.through
    scopes = [
        through(roleassignment_id=a.pk, unit_id=estates[i].pk)
        for i, a in enumerate(assignments[: len(supervisors)])
    ]
    for i, a in enumerate(assignments[len(supervisors) :]):
        scopes += [
            through(roleassignment_id=a.pk, unit_id=estate.pk)
            for estate in estates[i * ESTATES_PER_LEADER : (i + 1) * ESTATES_PER_LEADER]
        ]
    through.objects.bulk_create(scopes)
    return company, people


def _events_load(company: Company, people: list[Person], months: list, rng: random.Random) -> None:
    """EVENTS verified complaints over `months`, evenly, each naming a random staff member,
    in time order, inserted INSERT_BATCH at a time (unlinked: the handler is given them)."""
    content_type = ContentType.objects.get_for_model(Complaint).pk
    chain = chain_key(company.pk)
    per_month = EVENTS // len(months)
    made = 0
    batch: list[Event] = []
    for index, month in enumerate(months):
        start, end = month_bounds(month)
        span = (end - start).total_seconds()
        count = per_month if index < len(months) - 1 else EVENTS - made
        for k in range(count):
            staff = people[rng.randrange(len(people))]
            batch.append(
                Event(
                    content_type_id=content_type,
                    object_id=str(10**9 + made),
                    subject_repr="投诉",
                    company_id=company.pk,
                    at=start + timedelta(seconds=span * (k + 0.5) / count),
                    action=str(ComplaintEvent.VERIFIED),
                    data={
                        "category": "efficiency",
                        "attitude": False,
                        "staff_id": staff.pk,
                        "department_id": staff.unit_id,
                    },
                    chain=chain,
                )
            )
            made += 1
            if len(batch) >= INSERT_BATCH:
                rows_insert(batch)
                batch = []
    rows_insert(batch)


def _book_rest(company: Company, month, events: list[tuple], counts: dict[int, int]) -> int:
    """The entries the consumer books for `events` (id, at, staff id), after the events
    it derived itself (their counts in `counts`), written in bulk."""
    at = month_bounds(month)[0]
    per = rule_applied("assessment.verified_complaint_per_count", company=company, at=at)
    sper = rule_applied("assessment.supervisor_joint_per_count", company=company, at=at)
    sfrom = rule_applied("assessment.supervisor_joint_from_count", company=company, at=at)
    lper = rule_applied("assessment.leader_joint_per_count", company=company, at=at)
    lfrom = rule_applied("assessment.leader_joint_from_count", company=company, at=at)
    assert per and sper and sfrom and lper and lfrom
    units = dict(Person.objects.filter(company=company).values_list("pk", "unit_id"))
    sharers: dict[tuple[int, str], int] = {}
    for person_id, role, unit_id in RoleAssignment.objects.filter(
        person__company=company, role__in=[Role.SUPERVISOR, Role.LEADERSHIP]
    ).values_list("person_id", "role", "scope"):
        sharers[(unit_id, role)] = person_id
    moment = now()
    rows: list[PointsEntry] = []
    booked = 0

    def entry(person_id: int, kind: str, applied, points: int, n: int, event_id: int, when):
        return PointsEntry(
            company=company,
            person_id=person_id,
            unit_id=units[person_id],
            month=month,
            occurred_at=when,
            kind=kind,
            points=points,
            rule_key=applied.key,
            rule_value=applied.text,
            citation=applied.citation,
            count=n,
            event_id=event_id,
            reason="",
            created_at=moment,
        )

    for event_id, when, staff_id in events:
        n = counts[staff_id] = counts.get(staff_id, 0) + 1
        unit_id = units[staff_id]
        rows.append(
            entry(staff_id, EntryKind.COMPLAINT, per, n * int(per.value), n, event_id, when)
        )
        for role, per_rule, from_rule, kind in (
            (Role.SUPERVISOR, sper, sfrom, EntryKind.SUPERVISOR_JOINT),
            (Role.LEADERSHIP, lper, lfrom, EntryKind.LEADER_JOINT),
        ):
            k = n - int(from_rule.value) + 1
            sharer = sharers.get((unit_id, role))
            if k >= 1 and sharer is not None:
                points = k * int(per_rule.value)
                rows.append(entry(sharer, kind, per_rule, points, n, event_id, when))
        if len(rows) >= INSERT_BATCH:
            booked += len(rows_insert(rows))
            rows = []
    booked += len(rows_insert(rows))
    return booked


def _analyse() -> None:
    """Statistics for the rows just loaded (inside the transaction: rolled back with it), so
    that neither side is timed against a planner blind to a million new rows."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("timeline_event", "assessment_pointsentry", "orgs_person"):
                cursor.execute(f"ANALYZE {table}")


def assessment_month(
    *, quality: Person | None = None, seed: int = 11, say: Callable[[str], None] = lambda _t: None
) -> AssessmentBench:
    result = AssessmentBench()
    this_month = month_of(now())
    months = [this_month]
    for _n in range(12):
        months.insert(0, month_previous(months[0]))
    months = months[:12]
    measured = months[-1]
    rng = random.Random(seed)
    try:
        with transaction.atomic():
            t0 = time.perf_counter()
            company, people = _organisation(STAFF)
            _events_load(company, people, months, rng)
            result.load = time.perf_counter() - t0
            say(f"loaded in {result.load:.0f} s")
            start, end = month_bounds(measured)
            month_events = Event.objects.filter(
                company=company, action=str(ComplaintEvent.VERIFIED), at__gte=start, at__lt=end
            ).order_by("at", "pk")
            first = list(month_events[:DERIVE])
            t0 = time.perf_counter()
            events_derive(first)
            result.derive = time.perf_counter() - t0
            result.derived = len(first)
            say(f"derived {len(first)} events in {result.derive:.1f} s")
            counts: dict[int, int] = {}
            for event in first:
                staff_id = event.data["staff_id"]
                counts[staff_id] = counts.get(staff_id, 0) + 1
            rest = [
                (pk, at, data["staff_id"])
                for pk, at, data in month_events.values_list("pk", "at", "data")[DERIVE:]
            ]
            t0 = time.perf_counter()
            booked = _book_rest(company, measured, rest, counts)
            result.book = time.perf_counter() - t0
            say(f"booked {booked} entries in {result.book:.0f} s")
            _analyse()
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                month_compute(company=company, month=measured, actor=quality)
                result.compute.append(time.perf_counter() - t0)
            result.queries = len(captured)
            say(f"month_compute {result.compute[0]:.2f} s, {result.queries} queries")
            params = _raw_params(company, measured)
            raw: dict = {}
            for _run in range(RUNS):
                t0 = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute(RAW_TOTALS, params)
                    raw = {pk: (int(score), Decimal(amount)) for pk, score, amount in cursor}
                result.raw.append(time.perf_counter() - t0)
                say(f"raw SQL {result.raw[-1]:.2f} s")
            mine = {
                person_id: (score, amount)
                for person_id, score, amount in MonthlyTotal.objects.filter(
                    assessment_month__company=company, assessment_month__month=measured
                ).values_list("person_id", "score", "amount")
            }
            result.equal = mine == raw
            differ = sum(1 for key in raw.keys() | mine.keys() if raw.get(key) != mine.get(key))
            ratings = WorstServiceRating.objects.filter(company=company, month=measured).count()
            entries = PointsEntry.objects.filter(company=company, month=measured).count()
            result.note = (
                f"{STAFF:,} staff, {EVENTS:,} events over 12 months loaded in {result.load:.0f} s; "
                f"{result.derived:,} events of {measured:%Y-%m} derived by the consumer in "
                f"{result.derive:.1f} s ({result.derived / result.derive:,.0f} events/s), "
                f"{len(rest):,} more booked in bulk ({booked:,} entries, {result.book:.0f} s); "
                f"month_compute over {entries:,} entries: {len(mine):,} totals, {ratings:,} "
                f"worst-service ratings, {result.queries:,} queries; totals by hand-written "
                + ("SQL equal" if result.equal else f"SQL DIFFER for {differ:,} people")
            )
            raise _Rollback
    except _Rollback:
        pass
    return result


def _raw_params(company: Company, month) -> dict:
    at = month_bounds(month)[0]

    def value(key: str):
        applied = rule_applied(key, company=company, at=at)
        assert applied is not None, key
        return applied.value

    start, end = month_bounds(month)
    return {
        "company": company.pk,
        "start": start,
        "end": end,
        "per": int(value("assessment.verified_complaint_per_count")),
        "sper": int(value("assessment.supervisor_joint_per_count")),
        "sfrom": int(value("assessment.supervisor_joint_from_count")),
        "lper": int(value("assessment.leader_joint_per_count")),
        "lfrom": int(value("assessment.leader_joint_from_count")),
        "worst": int(value("assessment.worst_service_complaints")),
        "fine": Decimal(value("assessment.worst_service_fine")),
        "base": int(value("assessment.monthly_base_points")),
    }
