"""The overdue-rectification board and a unit's findings page at 1,000,000 answered items
(issue 10, NCR-3): p50/p95 of each page and its query count, beside the page's main SELECT
run alone.

The data are built with bulk SQL (INSERT … SELECT generate_series), bounded: INSPECTIONS
inspections × 10 answered items over the past year at UNITS estates, FAIL_PERMILLE of the
answers failed, each failed answer a nonconformity (those of the last 60 days still open,
each with its rectification deadline; the older ones closed). Run against a throwaway
PostgreSQL database:

    PINZHI_DATABASE_URL=postgres://postgres@127.0.0.1:54406/bench_ncr \\
        .venv/bin/python scripts/bench_rectification.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pinzhi.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, models  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from pinzhi.deadlines.models import Deadline  # noqa: E402
from pinzhi.inspections.models import Answer, Inspection  # noqa: E402
from pinzhi.inspections.tests.factories import template_published  # noqa: E402
from pinzhi.orgs.models import Company  # noqa: E402
from pinzhi.orgs.tests.factories import PASSWORD, UnitFactory, person_in_role  # noqa: E402
from pinzhi.policy.services import pack_load  # noqa: E402
from pinzhi.rectification.models import Nonconformity  # noqa: E402

INSPECTIONS = int(os.environ.get("BENCH_INSPECTIONS", "100000"))
ITEMS = 10
UNITS = int(os.environ.get("BENCH_UNITS", "200"))
FAIL_PERMILLE = int(os.environ.get("BENCH_FAIL_PERMILLE", "20"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "30"))


def insert_select(model: type[models.Model], values: dict[str, str], source: str) -> int:
    """INSERT INTO model's table (every concrete column but the id) SELECT the given SQL
    expressions, the others their field's default (NULL, '', a constant)."""
    columns, exprs = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(f.column)
        if f.column in values:
            exprs.append(values[f.column])
        elif f.null:
            exprs.append("NULL")
        elif f.has_default() and not callable(f.default):
            default = f.default
            if isinstance(default, bool):
                exprs.append("TRUE" if default else "FALSE")
            elif isinstance(default, (int, float)):
                exprs.append(str(default))
            elif isinstance(default, (list, dict)):
                exprs.append("'[]'" if isinstance(default, list) else "'{}'")
            else:
                exprs.append("'" + str(default).replace("'", "''") + "'")
        elif isinstance(f, (models.CharField, models.TextField)):
            exprs.append("''")
        else:
            raise RuntimeError(f"{model.__name__}.{f.name}: give a value")
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(exprs)} {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.rowcount


def build() -> tuple:
    call_command("migrate", verbosity=0)
    pack_load(code="property")
    company = Company.objects.create(
        name=f"压测物业{time.time_ns()}", kind=Company.Kind.OPERATOR, policy_pack="property"
    )
    hq = UnitFactory(company=company, code="HQ", name="总部")
    units = [
        UnitFactory(company=company, code=f"E{n:04d}", name=f"小区{n}", parent=hq, kind="estate")
        for n in range(UNITS)
    ]
    quality = person_in_role(f"q{company.pk}", "quality_department", hq, [])
    unitqa = person_in_role(f"u{company.pk}", "unit_quality_admin", units[0])
    version = template_published(
        company, items=[{"code": f"I{i}", "text": f"检查项 {i}"} for i in range(ITEMS)]
    )
    items = list(version.items.order_by("order").values_list("pk", flat=True))
    unit_ids = [u.pk for u in units]
    t0 = time.perf_counter()
    failed = f"(i.id * 7 + k * 13) % 1000 < {FAIL_PERMILLE}"
    recent = "i.submitted_at > now() - interval '60 days'"
    insert_select(
        Inspection,
        {
            "company_id": str(company.pk),
            "unit_id": f"(ARRAY{unit_ids})[1 + g % {UNITS}]",
            "template_version_id": str(version.pk),
            "status": "'submitted'",
            "due_at": "now() - (g % 365) * interval '1 day'",
            "submitted_at": "now() - (g % 365) * interval '1 day'",
            "started_at": "now() - (g % 365) * interval '1 day'",
            "created_at": "now()",
            "updated_at": "now()",
            "passed": "TRUE",
        },
        f"FROM generate_series(1, {INSPECTIONS}) AS g",
    )
    first = (
        Inspection.objects.filter(company=company).order_by("pk").values_list("pk", flat=True)[0]
    )
    insert_select(
        Answer,
        {
            "inspection_id": "i.id",
            "item_id": f"(ARRAY{items})[1 + k]",
            "result": f"CASE WHEN {failed} THEN 'fail' ELSE 'pass' END",
            "severity": f"CASE WHEN {failed} THEN 'general' ELSE '' END",
            "answered_at": "i.submitted_at",
            "received_at": "i.submitted_at",
        },
        f"FROM inspections_inspection i CROSS JOIN generate_series(0, {ITEMS - 1}) AS k "
        f"WHERE i.company_id = {company.pk}",
    )
    insert_select(
        Nonconformity,
        {
            "company_id": "i.company_id",
            "unit_id": "i.unit_id",
            "number": "'ZG-B' || a.id",
            "source": "'inspection'",
            "inspection_id": "i.id",
            "answer_id": "a.id",
            "item_id": "a.item_id",
            "item_code": "'I' || (a.item_id % 10)",
            "problem_key": "'item:XJ:I' || (a.item_id % 10)",
            "title": "'检查项不合格 ' || a.id",
            "severity": "'general'",
            "status": f"CASE WHEN {recent} THEN 'open' ELSE 'closed' END",
            "due_at": "i.submitted_at + interval '7 days'",
            "rule_key": "'rectification.general_deadline'",
            "raised_at": "i.submitted_at",
            "closed_at": f"CASE WHEN {recent} THEN NULL "
            "ELSE i.submitted_at + interval '3 days' END",
        },
        f"FROM inspections_answer a JOIN inspections_inspection i ON i.id = a.inspection_id "
        f"WHERE i.company_id = {company.pk} AND a.result = 'fail'",
    )
    content_type = ContentType.objects.get_for_model(Nonconformity).pk
    insert_select(
        Deadline,
        {
            "content_type_id": str(content_type),
            "object_id": "n.id::text",
            "subject_repr": "n.number",
            "kind": "'rectification.fix'",
            "rule_key": "n.rule_key",
            "started_at": "n.raised_at",
            "duration": "interval '7 days'",
            "due_at": "n.due_at",
            "state": "CASE WHEN n.due_at < now() THEN 'breached' ELSE 'open' END",
            "ladder": "'[]'",
            "paused_total": "interval '0'",
            "escalation_step": "CASE WHEN n.due_at < now() THEN 2 ELSE 0 END",
            "unit_id": "n.unit_id",
            "company_id": "n.company_id",
            "created_at": "n.raised_at",
        },
        f"FROM rectification_nonconformity n "
        f"WHERE n.company_id = {company.pk} AND n.status = 'open'",
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    answers = Answer.objects.filter(inspection__company=company).count()
    findings = Nonconformity.objects.filter(company=company)
    opened = findings.filter(status="open")
    overdue = opened.filter(due_at__lt=django.utils.timezone.now()).count()
    print(
        f"built in {time.perf_counter() - t0:.1f} s: {INSPECTIONS:,} inspections "
        f"(ids from {first}), {answers:,} answered items, {findings.count():,} "
        f"nonconformities, {opened.count():,} open, {overdue:,} overdue"
    )
    return company, quality, unitqa, units[0]


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(client: Client, label: str, path: str) -> None:
    client.get(path)  # warm
    samples, queries = [], 0
    for _ in range(REQUESTS):
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            response = client.get(path)
            samples.append(time.perf_counter() - t0)
        assert response.status_code == 200, (path, response.status_code)
        queries = len(captured)
    print(
        f"{label:<40} p50 {statistics.median(samples) * 1000:7.1f} ms  "
        f"p95 {pct(samples, 95) * 1000:7.1f} ms  {queries} queries"
    )


def raw(label: str, sql: str, params: list) -> None:
    samples = []
    with connection.cursor() as cursor:
        for _ in range(REQUESTS):
            t0 = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            samples.append(time.perf_counter() - t0)
    print(
        f"{label:<40} p50 {statistics.median(samples) * 1000:7.1f} ms  "
        f"p95 {pct(samples, 95) * 1000:7.1f} ms  1 query"
    )


def main() -> None:
    settings.ALLOWED_HOSTS = ["*"]
    company, quality, unitqa, unit = build()
    client = Client()
    assert client.login(username=quality.username, password=PASSWORD)
    measure(client, "overdue board (quality), page 1", "/rectification/overdue/")
    measure(client, "overdue board, page 5", "/rectification/overdue/?page=5")
    measure(client, "overdue board, one unit", f"/rectification/overdue/?unit={unit.pk}")
    raw(
        "  raw: board's first 26 rows",
        "SELECT id FROM rectification_nonconformity WHERE company_id = %s AND status = 'open' "
        "AND due_at < now() ORDER BY due_at, id LIMIT 26",
        [company.pk],
    )
    unit_client = Client()
    assert unit_client.login(username=unitqa.username, password=PASSWORD)
    measure(unit_client, "a unit's findings (unit quality admin)", "/rectification/")
    raw(
        "  raw: the unit's first 26 open findings",
        "SELECT id FROM rectification_nonconformity WHERE unit_id = %s AND status <> 'closed' "
        "ORDER BY due_at, id LIMIT 26",
        [unit.pk],
    )


if __name__ == "__main__":
    main()
