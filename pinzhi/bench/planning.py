"""Materialising the next 30 days of every schedule for 1,000 units (issue 10, INS-1).

In one transaction rolled back afterwards (the bench database is left as it was): 1,000
estates are added under the demo company (bulk rows), with a published checklist, and three
schedules over all of them — daily at 09:00, weekly on Monday, and a 20 % sample every
Tuesday (INS-3). `schedules_materialise_due` (what the clock runs every day) is timed; a
second run must make nothing (exactly once). Raw: the same task rows written by one
hand-written INSERT … SELECT over generate_series × units, without deadlines, events or
draws — the floor of the work."""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Max
from django.test.utils import CaptureQueriesContext

from pinzhi.inspections import planning
from pinzhi.inspections.models import ChecklistItem, ChecklistTemplate, TemplateVersion
from pinzhi.lib.clock import now
from pinzhi.orgs.models import Company, Person, Unit

UNITS = 1000
SH = ZoneInfo("Asia/Shanghai")


@dataclass
class Materialised:
    took: float
    raw: float
    tasks: int
    deadlines: int
    second_run: int
    queries: int
    raw_rows: int


class _Rollback(Exception):
    pass


def _units(company: Company) -> list[Unit]:
    parent = Unit.objects.filter(company=company, parent__isnull=True).order_by("pk").first()
    base = parent.path if parent else "/"
    start = (Unit.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    rows = [
        Unit(
            company=company,
            parent=parent,
            code=f"BENCH-P{start + n}",
            name=f"基准小区{n + 1}",
            kind=Unit.Kind.ESTATE,
            path=f"{base}BENCH-P{start + n}/",
        )
        for n in range(UNITS)
    ]
    return Unit.objects.bulk_create(rows, batch_size=1000)


def _template(company: Company) -> ChecklistTemplate:
    template = ChecklistTemplate.objects.create(
        company=company, code="BENCH-PLAN", name="基准巡检表", cadence="daily"
    )
    version = TemplateVersion.objects.create(
        template=template, number=1, status=TemplateVersion.Status.PUBLISHED, published_at=now()
    )
    ChecklistItem.objects.create(version=version, order=1, code="A1", text="公共区域整洁")
    return template


def materialise_run(company: Company, actor: Person) -> Materialised:
    """The measure itself; everything it writes is rolled back."""
    result: Materialised | None = None
    try:
        with transaction.atomic():
            units = _units(company)
            template = _template(company)
            tomorrow = (now() + timedelta(days=1)).astimezone(SH).date()
            nine = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 9, tzinfo=SH)
            for title, rule, percent in (
                ("基准日检", "FREQ=DAILY", None),
                ("基准周检", "FREQ=WEEKLY;BYDAY=MO", None),
                ("基准抽查", "FREQ=WEEKLY;BYDAY=TU", 20),
            ):
                planning.schedule_create(
                    company=company,
                    title=title,
                    template=template,
                    rrule=rule,
                    starts_at=nine,
                    units=units,
                    due_within=timedelta(hours=24),
                    sample_percent=percent,
                    actor=actor,
                    materialise=False,
                )
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                made = planning.schedules_materialise_due()
                took = time.perf_counter() - t0
            queries = len(captured)
            second = planning.schedules_materialise_due()["tasks"]
            from pinzhi.deadlines.models import Deadline

            deadlines = Deadline.objects.filter(kind=planning.DUE_KIND).count()
            version_id = template.versions.get().pk
            t0 = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    INSERT INTO inspections_inspection (company_id, unit_id, template_version_id,
                        occurrence, due_at, status, kind, is_special, is_announced, is_surprise,
                        is_specialised, credentials_shown, consent_by, observations, interviews,
                        documents_reviewed, failed_critical, created_at, updated_at)
                    SELECT %s, u.id, %s, d, d + interval '24 hours', 'planned', 'routine',
                        false, true, false, false, false, '', '', '', '', false, now(), now()
                    FROM generate_series(%s::timestamptz, %s::timestamptz - interval '1 second',
                        interval '1 day') AS d
                    CROSS JOIN (SELECT id FROM orgs_unit WHERE code LIKE 'BENCH-P%%') AS u
                    """,
                    [company.pk, version_id, nine, now() + timedelta(days=30)],
                )
                raw_rows = cursor.rowcount
            raw = time.perf_counter() - t0
            result = Materialised(
                took=took,
                raw=raw,
                tasks=made["tasks"],
                deadlines=deadlines,
                second_run=second,
                queries=queries,
                raw_rows=raw_rows,
            )
            raise _Rollback
    except _Rollback:
        pass
    assert result is not None
    return result
