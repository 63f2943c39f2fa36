"""API intake (issue 9 item 2): how long `POST /api/complaints` takes, and how many SQL
queries it makes, with a history of complaints behind it.

Run against a throwaway PostgreSQL database that holds the demo (`pinzhi load_demo`):

    export PINZHI_DATABASE_URL=postgres://postgres@127.0.0.1:54393/pinzhi
    .venv/bin/python scripts/bench_api_intake.py fill 10000     # copy the demo's cases
    .venv/bin/python scripts/bench_api_intake.py measure 200    # sequential creations
    .venv/bin/python scripts/bench_api_intake.py profile        # cProfile + query log of one

`fill` copies the demo's complaints with their deadlines, events (in a chain of their own,
`bulk:<company>`, so the company's real chain stays valid), notifications and deliveries
with plain SQL, spread over three years with varied phone numbers and addresses; a third
of them get an API origin with an external id. `measure` sends the creations through the
WSGI application in this process (no HTTP: the server's own time) with a bearer token of
the quality department, committing each one as a real request does, and prints p50/p95/p99
and the queries per creation.
"""

import cProfile
import os
import pstats
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pinzhi.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from pinzhi.api.models import SCOPE_READ, SCOPE_WRITE  # noqa: E402
from pinzhi.api.services import api_token_create  # noqa: E402
from pinzhi.orgs.models import Company, Person  # noqa: E402

OFFSET = 10_000_000  # ids of the copies


def _columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "ORDER BY ordinal_position",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def _copy(table: str, source: str, replace: dict[str, str]) -> None:
    columns = _columns(table)
    values = ", ".join(replace.get(c, f"s.{c}") for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values} {source}")
        print(f"{table}: +{cursor.rowcount}")
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )


def fill(count: int) -> None:
    with connection.cursor() as cursor:
        start = OFFSET + 1
        cursor.execute("SELECT coalesce(max(id), %s) FROM complaints_complaint", [OFFSET])
        first = cursor.fetchone()[0] + 1
        start = max(start, first)
        cursor.execute("DROP TABLE IF EXISTS bench_map")
        cursor.execute(
            "CREATE TABLE bench_map AS SELECT g + %s AS id, t.id AS src, g AS i "
            "FROM generate_series(0, %s - 1) g JOIN ("
            "  SELECT id, row_number() OVER (ORDER BY id) - 1 AS k, count(*) OVER () AS n "
            "  FROM complaints_complaint WHERE id < %s) t ON t.k = g %% t.n",
            [start, count, OFFSET],
        )
        cursor.execute("CREATE INDEX ON bench_map (src)")
        cursor.execute("ANALYZE bench_map")
    ago = "(interval '3 years' * ((m.i * 7919) % 100000) / 100000.0)"
    _copy(
        "complaints_complaint",
        "FROM complaints_complaint s JOIN bench_map m ON m.src = s.id",
        {
            "id": "m.id",
            "tracking_code": "'TB' || lpad(upper(to_hex(m.id)), 8, '0')",
            "customer_phone": "'13' || lpad(((m.i * 104729) % 1000000000)::text, 9, '0')",
            "customer_address": "CASE WHEN s.customer_address = '' THEN '' ELSE "
            "s.customer_address || (m.i % 5000)::text || '室' END",
            "customer_email": "''",
            "received_at": f"now() - {ago}",
            "registered_at": f"now() - {ago}",
            "updated_at": f"now() - {ago}",
            "source": "''",
            "source_id": "''",
            "repeat_of_id": "NULL",
            "repeat_group_id": "NULL",
            "meaning": "NULL",
        },
    )
    _copy(
        "deadlines_deadline",
        "FROM deadlines_deadline s JOIN bench_map m ON s.object_id = m.src::text "
        "AND s.content_type_id = (SELECT id FROM django_content_type "
        "WHERE app_label = 'complaints' AND model = 'complaint')",
        {
            "id": "(SELECT coalesce(max(id), 0) FROM deadlines_deadline) + row_number() OVER ()",
            "object_id": "m.id::text",
        },
    )
    _copy(
        "timeline_event",
        "FROM timeline_event s JOIN bench_map m ON s.object_id = m.src::text "
        "AND s.content_type_id = (SELECT id FROM django_content_type "
        "WHERE app_label = 'complaints' AND model = 'complaint') AND s.chain NOT LIKE 'bulk:%%'",
        {
            "id": "(SELECT coalesce(max(id), 0) FROM timeline_event) + row_number() OVER ()",
            "object_id": "m.id::text",
            "chain": "'bulk:' || coalesce(s.company_id::text, 'global')",
            "seq": "(SELECT coalesce(max(seq), 0) FROM timeline_event WHERE chain LIKE 'bulk:%%')"
            " + row_number() OVER ()",
        },
    )
    _copy(
        "notify_notification",
        "FROM notify_notification s JOIN bench_map m ON s.subject_id = m.src::text "
        "AND s.subject_type_id = (SELECT id FROM django_content_type "
        "WHERE app_label = 'complaints' AND model = 'complaint')",
        {
            "id": "(SELECT coalesce(max(id), 0) FROM notify_notification) + row_number() OVER ()",
            "subject_id": "m.id::text",
        },
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM api_apitoken ORDER BY id LIMIT 1")
        token = cursor.fetchone()
    if token is None:
        _token()
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM api_apitoken ORDER BY id LIMIT 1")
            token = cursor.fetchone()
    if True:
        _copy(
            "api_apicomplaint",
            "FROM bench_map m WHERE m.i % 3 = 0 AND NOT EXISTS "
            "(SELECT 1 FROM api_apicomplaint a WHERE a.complaint_id = m.id)",
            {
                "id": "(SELECT coalesce(max(id), 0) FROM api_apicomplaint) + row_number() OVER ()",
                "external_id": "'EXT-' || m.id",
                "complaint_id": "m.id",
                "token_id": str(token[0]),
            },
        )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_map")
        cursor.execute("ANALYZE")


def _token() -> str:
    company = Company.objects.get(policy_pack="property")
    actor = Person.objects.filter(company=company, username="quality").first()
    _record, secret = api_token_create(
        name=f"bench {uuid.uuid4().hex[:6]}",
        company=company,
        scopes=[SCOPE_WRITE, SCOPE_READ],
        actor=actor,
    )
    return secret


BODIES = [
    {
        "channel": "hotline",
        "category": "security",
        "content": "连续三晚没有看到保安巡逻，楼道里有陌生人。",
        "location_code": "CH",
    },
    {
        "channel": "wechat",
        "category": "environment",
        "severity": "urgent",
        "content": "电梯间有污水，地面很滑，老人差点摔倒。",
        "location_code": "BJM",
    },
    {"channel": "api", "category": "facilities", "content": "晚上十点以后楼下施工噪音很大。"},
]


def _body(i: int) -> dict:
    body = dict(BODIES[i % len(BODIES)])
    body.update(
        customer_name="李业主",
        customer_phone=f"139{(i * 7907) % 100000000:08d}",
        customer_address=f"{i % 40 + 1}栋{i % 7 + 1}01室",
        external_id=f"BENCH-{uuid.uuid4().hex[:12]}",
    )
    return body


def _post(client: Client, secret: str, i: int):
    return client.post(
        "/api/complaints",
        data=_body(i),
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": uuid.uuid4().hex},
    )


def measure(count: int) -> None:
    secret = _token()
    client = Client()
    _post(client, secret, 0)  # the process's first request (imports, caches)
    times, queries = [], []
    for i in range(1, count + 1):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = _post(client, secret, i)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 201, response.content
        queries.append(len(captured.captured_queries))
    times.sort()

    def pct(p: float) -> float:
        return times[min(len(times) - 1, int(round(p / 100 * len(times) + 0.5)) - 1)]

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM complaints_complaint")
        complaints = cursor.fetchone()[0]
    print(
        f"{count} creations, {complaints} complaints in the table: "
        f"p50 {pct(50):.1f} ms, p95 {pct(95):.1f} ms, p99 {pct(99):.1f} ms, "
        f"mean {statistics.mean(times):.1f} ms; queries per creation: "
        f"median {statistics.median(queries)}, max {max(queries)}"
    )


def profile() -> None:
    secret = _token()
    client = Client()
    _post(client, secret, 0)
    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as captured:
        profiler.enable()
        response = _post(client, secret, 1)
        profiler.disable()
    assert response.status_code == 201, response.content
    for n, query in enumerate(captured.captured_queries, start=1):
        print(f"{n:3} {query['time']:>6} {query['sql'][:220]}")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "measure"
    number = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    {"fill": lambda: fill(number), "measure": lambda: measure(number), "profile": profile}[
        command
    ]()
