"""Import throughput and isolation (issue 7 item 3): how long company A's import of a
10,000-row complaint file takes (plan + apply, through the services), and whether company B,
registering complaints one by one through the service meanwhile, is slowed down by it.

B's registrations are timed alone first, then while A's import runs in another process (as
on a worker: A's plan, i.e. reading and checking the file, and its apply, one transaction of
10,000 records with their timeline events). Reported: B's total time, p50 and p95 per
registration, alone and during A's import, and A's times.

Lock waits are what would delay B through the database: start the server with
`log_lock_waits = on` and a short `deadlock_timeout` to see any in its log. Set
BENCH_A_NICE=19 to run A's import at the lowest CPU priority, as a worker may be run.

Run against a throwaway PostgreSQL database (it is migrated, and the companies are created
in it):

    PINZHI_DATABASE_URL=postgres://postgres@127.0.0.1:54341/bench \\
        .venv/bin/python scripts/bench_import_concurrent.py
"""

import csv
import io
import math
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pinzhi.settings")
os.environ.setdefault("PINZHI_MEDIA_ROOT", tempfile.mkdtemp(prefix="pinzhi-bench-media-"))

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402

from pinzhi.complaints import importer, services  # noqa: E402
from pinzhi.complaints.models import Category, Channel, Severity  # noqa: E402
from pinzhi.core.imports import import_batch_claim  # noqa: E402
from pinzhi.lib.clock import now  # noqa: E402
from pinzhi.orgs.models import Unit  # noqa: E402
from pinzhi.orgs.tests.factories import CompanyFactory, PersonFactory, UnitFactory  # noqa: E402
from pinzhi.policy.services import pack_load  # noqa: E402

IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
B_REGISTRATIONS = int(os.environ.get("BENCH_B_REGISTRATIONS", "200"))
# The CPU priority of A's import process (`nice`), as a background worker may be run.
A_NICE = int(os.environ.get("BENCH_A_NICE", "0"))
# During A's import B registers one complaint every this many seconds (so that B's own data
# grows about as much as in the runs alone: B's registration slows as its complaints grow).
B_INTERVAL = float(os.environ.get("BENCH_B_INTERVAL", "0.5"))
# 0: leave out the repeat grouping that follows the import (timed apart when 1).
GROUPING = os.environ.get("BENCH_GROUPING", "1") == "1"


def company(name: str, code: str):
    org = CompanyFactory(name=name, policy_pack="property")
    hq = UnitFactory(company=org, code=f"{code}HQ", name="总部")
    estate = UnitFactory(
        company=org, code=f"{code}E", name="翠湖花园", parent=hq, kind=Unit.Kind.ESTATE
    )
    person = PersonFactory(
        username=f"{code}-quality", company=org, unit=hq, roles=["quality_department"]
    )
    return org, estate, person


def history_csv(rows: int) -> bytes:
    """A file as Chinese Excel saves it: GBK, a title row above the header."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["2025年投诉台账"])
    writer.writerow(
        ["投诉编号", "投诉时间", "投诉人", "联系电话", "投诉主题", "投诉内容", "答复意见"]
    )
    start = now() - timedelta(days=400)
    for i in range(rows):
        received = start + timedelta(minutes=37 * i)
        writer.writerow(
            [
                f"H{i:06}",
                received.strftime("%Y-%m-%d %H:%M"),
                f"业主{i % 500}",
                f"139{i:08}",
                ["电梯故障", "噪音扰民", "绿化缺失", "停车纠纷"][i % 4],
                f"{i % 30}栋住户反映问题，第{i}条记录，请尽快处理。",
                "已处理" if i % 3 else "",
            ]
        )
    return out.getvalue().encode("gbk")


DB_SECONDS: list[float] = []


def _timed_query(execute, sql, params, many, context):
    t0 = time.monotonic()
    try:
        return execute(sql, params, many, context)
    finally:
        DB_SECONDS[-1] += time.monotonic() - t0


def register_b(org, estate, person, *, count: int = 0) -> list[tuple[float, float, float]]:
    """(wall-clock start, seconds, seconds in the database) of each of `count`
    (B_REGISTRATIONS) registrations."""
    times = []
    for i in range(count or B_REGISTRATIONS):
        at, t0 = time.time(), time.monotonic()
        DB_SECONDS.append(0.0)
        with connections["default"].execute_wrapper(_timed_query):
            services.complaint_register(
                company=org,
                channel=Channel.HOTLINE,
                category=Category.SECURITY,
                severity=Severity.GENERAL,
                title="夜间巡逻不到位",
                content=f"连续三晚没有看到保安巡逻（第{i}次登记）。",
                customer_name="李业主",
                customer_phone="13912345678",
                location=estate,
                registered_by=person,
            )
        times.append((at, time.monotonic() - t0, DB_SECONDS[-1]))
    return times


def _p(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[math.ceil(len(ordered) * 0.95) - 1]
    return f"p50 {statistics.median(values) * 1000:6.1f} ms, p95 {p95 * 1000:6.1f} ms"


def summary(timed: list[tuple[float, float, float]]) -> str:
    """Total and p50/p95 per registration, and the same of its time in the database (what
    A's import could delay through locks or I/O; the rest is B's own CPU time)."""
    if not timed:
        return "none"
    times = [seconds for _at, seconds, _db in timed]
    db = [db for _at, _seconds, db in timed]
    return f"{sum(times):7.2f} s total, {_p(times)}; in the database {_p(db)}"


def import_a(company_pk: int, person_pk: int, path: str) -> None:
    """A's import, run in its own process (`--import-a`): prints STARTED, then its times
    and when each phase ran (wall clock), so that B's registrations are split by phase."""
    import json

    from pinzhi.complaints import grouping
    from pinzhi.orgs.models import Company, Person

    os.nice(A_NICE)
    if "BENCH_PER_RECORD_EVENTS_MAX" in os.environ:
        # Above this many records the import writes one batch event listing the ids instead
        # of one event per record (importer.PER_RECORD_EVENTS_MAX).
        importer.PER_RECORD_EVENTS_MAX = int(os.environ["BENCH_PER_RECORD_EVENTS_MAX"])
    marks: dict[str, float] = {}
    rebuild = grouping.groups_rebuild

    def timed_rebuild(**kwargs):
        marks["grouping_start"] = time.time()
        try:
            if GROUPING:
                return rebuild(**kwargs)
            return grouping.RebuildResult()
        finally:
            marks["grouping_end"] = time.time()

    grouping.groups_rebuild = timed_rebuild

    org, person = Company.objects.get(pk=company_pk), Person.objects.get(pk=person_pk)
    content = Path(path).read_bytes()
    print("STARTED", flush=True)
    marks["start"] = time.time()
    t0 = time.monotonic()
    batch = importer.upload_store(SimpleUploadedFile("台账.csv", content), user=person)
    importer.mapping_save(
        batch,
        mapping=batch.meta["mapping"],
        extras=batch.meta["extras"],
        options={
            "company_id": org.pk,
            "location_id": None,
            "category": "other",
            "channel": "import",
            "source": "bench",
        },
    )
    importer.check_save(batch, importer.rows_check(batch))
    plan = time.monotonic() - t0
    marks["apply_start"] = time.time()
    t1 = time.monotonic()
    import_batch_claim(batch)
    result = importer.import_run(batch.token)
    apply = time.monotonic() - t1
    print(json.dumps({"plan": plan, "apply": apply, "result": result, "marks": marks}), flush=True)


def main() -> None:
    import json
    import subprocess

    call_command("migrate", verbosity=0)
    pack_load(code="property")
    a, _a_estate, a_person = company("甲物业有限公司", "A")
    b, b_estate, b_person = company("乙物业有限公司", "B")
    content = history_csv(IMPORT_ROWS)
    path = Path(tempfile.mkdtemp(prefix="pinzhi-bench-")) / "history.csv"
    path.write_bytes(content)
    register_b(b, b_estate, b_person)  # warm-up (caches, first queries)
    alone = register_b(b, b_estate, b_person)

    child = subprocess.Popen(
        [sys.executable, __file__, "--import-a", str(a.pk), str(a_person.pk), str(path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "STARTED"
    during: list[tuple[float, float]] = []
    # B registers one complaint every B_INTERVAL seconds for as long as A's import runs.
    while child.poll() is None:
        started = time.monotonic()
        during += register_b(b, b_estate, b_person, count=1)
        time.sleep(max(0.0, B_INTERVAL - (time.monotonic() - started)))
    out, _ = child.communicate()
    after = register_b(b, b_estate, b_person)
    timings = json.loads(out.strip().splitlines()[-1])
    result = timings["result"]
    marks = timings["marks"]
    apply_end = marks.get("grouping_start", time.time())
    phases = {
        "plan (read, check)": (marks["start"], marks["apply_start"]),
        "apply (one transaction)": (marks["apply_start"], apply_end),
        "repeat grouping after the apply": (apply_end, marks.get("grouping_end", apply_end)),
    }
    print(f"database: {connections['default'].vendor}; A's process at nice {A_NICE}")
    print(f"A: {IMPORT_ROWS}-row file ({len(content) / 1e6:.1f} MB, GBK, title row)")
    print(f"A: plan (upload, read, check)   {timings['plan']:7.2f} s")
    print(
        f"A: apply (one transaction)      {timings['apply'] - result['grouping_seconds']:7.2f} s "
        f"({result['imported']} imported, {result['reported']} reported)"
    )
    print(f"A: repeat grouping afterwards   {result['grouping_seconds']:7.2f} s")
    print(f"B: {B_REGISTRATIONS} registrations alone, before:  {summary(alone)}")
    print(f"B: {len(during)} registrations during A's import: {summary(during)}")
    print(f"B: {B_REGISTRATIONS} registrations alone, after:   {summary(after)}")
    for name, (start, end) in phases.items():
        inside = [row for row in during if start <= row[0] < end]
        print(f"B:   during A's {name:32} {len(inside):5} : {summary(inside)}")
    for index, name in ((1, "time"), (2, "time in the database")):
        p50_alone = statistics.median(row[index] for row in alone + after)
        p50_during = statistics.median(row[index] for row in during)
        print(f"B: p50 {name} during / alone (before and after) = {p50_during / p50_alone:5.2f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--import-a"]:
        import_a(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        main()
