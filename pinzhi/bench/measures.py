"""The measures (issue 9 item 1), each beside its plain-SQL counterpart in the same run.

Every measure takes a `Bench` (the database loaded, a gunicorn server on loopback, tokens
and signed-in sessions) and returns `Figure`s; a measure that fails or is slow reports
what it saw and never stops the others. Every HTTP call has a timeout.
"""

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pinzhi.bench import loader
from pinzhi.complaints.models import Complaint, Status
from pinzhi.lib.clock import now
from pinzhi.orgs.models import Person

HTTP_TIMEOUT = float(os.environ.get("BENCH_HTTP_TIMEOUT", "60"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "30"))
CREATIONS = int(os.environ.get("BENCH_CREATIONS", "50"))
INTAKE_SECONDS = float(os.environ.get("BENCH_INTAKE_SECONDS", "20"))
INTAKE_CLIENTS = int(os.environ.get("BENCH_INTAKE_CLIENTS", "8"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
EXPORT_ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "10000"))
SWEEP_DUE = int(os.environ.get("BENCH_SWEEP_DUE", "10000"))
REGROUP_TIMEOUT = float(os.environ.get("BENCH_REGROUP_TIMEOUT", "300"))


# --- figures ----------------------------------------------------------------------------------


@dataclass
class Timings:
    """Durations in seconds (failed calls counted apart) over a wall time."""

    samples: list[float] = field(default_factory=list)
    failures: int = 0
    wall: float = 0.0

    def pct(self, p: float) -> float | None:
        if not self.samples:
            return None
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    @property
    def throughput(self) -> float | None:
        return len(self.samples) / self.wall if self.wall else None


@dataclass
class Figure:
    measure: str
    what: str
    pinzhi: Timings | None = None
    raw: Timings | None = None
    queries: int | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        a = self.pinzhi.pct(50) if self.pinzhi else None
        b = self.raw.pct(50) if self.raw else None
        return a / b if a and b else None


def timed(calls: int, call: Callable[[], Any]) -> Timings:
    """`call` made `calls` times one after another; an exception counts as a failure."""
    result = Timings()
    started = time.perf_counter()
    for _ in range(calls):
        t0 = time.perf_counter()
        try:
            call()
        except Exception:  # noqa: BLE001 (a measure reports, never stops the run)
            result.failures += 1
            continue
        result.samples.append(time.perf_counter() - t0)
    result.wall = time.perf_counter() - started
    return result


def concurrent(clients: int, seconds: float, call: Callable[[int], Any]) -> Timings:
    """`clients` threads each calling `call(client)` back to back for `seconds`."""
    result = Timings()
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def run(client: int) -> None:
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            try:
                call(client)
            except Exception:  # noqa: BLE001
                with lock:
                    result.failures += 1
                continue
            with lock:
                result.samples.append(time.perf_counter() - t0)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.wall = time.perf_counter() - started
    return result


# --- the server under test --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with the project's settings on loopback, `workers` sync workers."""

    def __init__(self, workers: int = WORKERS, env: dict[str, str] | None = None):
        self.port = free_port()
        self.workers = workers
        self.env = env
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "pinzhi.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--timeout",
                "300",
                "--log-level",
                "warning",
            ],
            env=os.environ | (self.env or {}),
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url("/signin/"), timeout=5).read()
                return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc: Any) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{urllib.parse.quote(path, safe='/?=&')}"

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in children.read_text().split()] if children.exists() else []

    def get(self, path: str, *, cookie: str = "", token: str = "") -> bytes:
        request = urllib.request.Request(self.url(path))
        if cookie:
            request.add_header("Cookie", cookie)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            if response.status != 200:
                raise RuntimeError(f"{path}: HTTP {response.status}")
            return response.read()

    def post_json(self, path: str, payload: dict, *, token: str) -> dict:
        request = urllib.request.Request(
            self.url(path),
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            return json.loads(response.read())


def peak_rss_mb(pid: int) -> float:
    """VmHWM (the process's peak resident set) in MB, 0 when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# --- what the measures share ----------------------------------------------------------------


class Bench:
    """The loaded company, its quality manager's session and the API tokens."""

    def __init__(self, server: Server | None):
        from pinzhi.api.services import api_token_create

        self.server = server
        company = loader.demo_company()
        assert company is not None, "load the bench database first"
        self.company = company
        self.quality = Person.objects.get(username="quality")
        _token, self.write_token = api_token_create(
            name="bench", company=company, scopes=["complaints:write"], actor=self.quality
        )
        _token, self.read_token = api_token_create(
            name="bench", company=company, scopes=["complaints:read"], actor=self.quality
        )
        self.client = Client()
        self.client.force_login(self.quality)
        name = settings.SESSION_COOKIE_NAME
        self.cookie = f"{name}={self.client.cookies[name].value}"
        self.templates = loader.templates_read(company)
        # The registered case with the fewest rows: what one registration writes before any
        # limit is breached (the others carry the escalations of the demo's sweep).
        self.fresh = min(
            (t for t in self.templates if t.status == Status.REGISTERED),
            key=lambda t: len(t.rows["timeline_event"]),
        )

    def queries(self, path: str, *, token: str = "") -> int | None:
        """SQL queries of one request to `path`, counted in this process."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = Client() if token else self.client
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, headers=headers)
        return len(captured) if response.status_code == 200 else None


def payload(n: int) -> dict:
    return {
        "channel": "hotline",
        "category": "security",
        "content": f"连续三晚没有看到保安巡逻，单车被偷。（压测 {n}）",
        "request": "加强夜间巡逻并调取监控",
        "customer_name": "李业主",
        "customer_phone": f"139{n % 10**8:08d}",
        "customer_address": "翠湖花园3栋1单元502",
        "location_code": "CH",
    }


class RawRegistration:
    """The rows one registration writes (a clone of a registered case: the complaint, its
    deadlines, events with the chain, notifications), INSERTed through psycopg in one
    transaction with the chain's head locked: the plain-SQL counterpart of the API."""

    def __init__(self, bench: Bench):
        import psycopg

        self.bench = bench
        params = connection.get_connection_params()
        self.connect = lambda: psycopg.connect(**params)
        self.columns = {t: loader._columns(t) for t in loader.TABLES}
        self.json_columns = {t: loader._json_columns(t) for t in loader.TABLES}
        self.places = loader.Places(bench.company)
        self.chain = loader.Chain(bench.company.pk)
        self.lock = threading.Lock()

    def write(self, conn: Any, n: int) -> None:
        import random

        template = self.bench.fresh
        needed = {"complaints_complaint": 1} | {t: len(r) for t, r in template.rows.items()}
        with conn.transaction(), conn.cursor() as cursor:
            ids = loader.Ids()
            ids.reserve(needed, cursor)
            cursor.execute(
                "SELECT id, seq, hash FROM timeline_chainhead WHERE chain = %s FOR UPDATE",
                [self.chain.chain],
            )
            head_id, seq, head_hash = cursor.fetchone()
            chain = loader.Chain.__new__(loader.Chain)
            chain.__dict__.update(self.chain.__dict__, head_id=head_id, seq=seq, hash=head_hash)
            out: dict[str, list[tuple]] = {t: [] for t in loader.TABLES}
            received = now()
            loader._clone(
                template=template,
                received=received,
                ids=ids,
                places=self.places,
                rng=random.Random(n),
                pool=loader.texts.pool(),
                letters=loader.Letters.__new__(loader.Letters),
                chain=chain,
                out=out,
                columns=self.columns,
                json_columns=self.json_columns,
            )
            for table, rows in out.items():
                if rows:
                    names = ", ".join(f'"{c}"' for c in self.columns[table])
                    marks = ", ".join(["%s"] * len(self.columns[table]))
                    cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
            cursor.execute(
                "UPDATE timeline_chainhead SET seq = %s, hash = %s WHERE id = %s",
                [chain.seq, chain.hash, head_id],
            )


# --- the measures -----------------------------------------------------------------------------


def measure_create(bench: Bench) -> list[Figure]:
    """POST /api/complaints one after another; raw: the same rows in one transaction."""
    server = bench.server
    assert server is not None
    counter = iter(range(10**9))
    api = timed(
        CREATIONS,
        lambda: server.post_json(
            "/api/complaints", payload(next(counter)), token=bench.write_token
        ),
    )
    raw = RawRegistration(bench)
    with raw.connect() as conn:
        numbers = iter(range(10**9))
        plain = timed(CREATIONS, lambda: raw.write(conn, next(numbers)))
    return [
        Figure("create", f"create one complaint via the API ({CREATIONS} in a row)", api, plain)
    ]


def measure_intake(bench: Bench) -> list[Figure]:
    """INTAKE_CLIENTS clients registering back to back for INTAKE_SECONDS."""
    server = bench.server
    assert server is not None
    counter = iter(range(10**9))
    lock = threading.Lock()

    def next_n() -> int:
        with lock:
            return next(counter)

    api = concurrent(
        INTAKE_CLIENTS,
        INTAKE_SECONDS,
        lambda _c: server.post_json("/api/complaints", payload(next_n()), token=bench.write_token),
    )
    raw = RawRegistration(bench)
    conns = [raw.connect() for _ in range(INTAKE_CLIENTS)]
    try:
        plain = concurrent(INTAKE_CLIENTS, INTAKE_SECONDS, lambda c: raw.write(conns[c], next_n()))
    finally:
        for conn in conns:
            conn.close()
    what = f"sustained intake, {INTAKE_CLIENTS} clients for {INTAKE_SECONDS:.0f} s"
    return [Figure("intake", what, api, plain, note="throughput = cases/s")]


def _raw_select(sql: str, params: list) -> Callable[[], Any]:
    def run() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def _getter(server: Server, path: str, cookie: str, token: str) -> Callable[[], Any]:
    return lambda: server.get(path, cookie=cookie, token=token)


def measure_pages(bench: Bench, names: set[str] | None = None) -> list[Figure]:
    """The staff pages and the API list: p50/p95 over REQUESTS requests each, the SQL
    queries of one request, and the equivalent single SELECT with LIMIT."""
    server = bench.server
    assert server is not None
    company = bench.company.pk
    total = Complaint.objects.filter(company=bench.company).count()
    deep = max(1, min(200, total // 25 // 2))
    api_deep = max(1, min(200, total // 50 // 2))
    columns = "id, tracking_code, title, status, customer_name, received_at, location_id"
    pages = [
        (
            "list",
            "complaint list, page 1 (quality department)",
            "/complaints/",
            "",
            f"SELECT {columns} FROM complaints_complaint WHERE company_id = %s "
            "ORDER BY received_at DESC, id DESC LIMIT 25",
            [company],
        ),
        (
            "list",
            f"complaint list, page {deep}",
            f"/complaints/?page={deep}",
            "",
            f"SELECT {columns} FROM complaints_complaint WHERE company_id = %s "
            "ORDER BY received_at DESC, id DESC LIMIT 25 OFFSET %s",
            [company, (deep - 1) * 25],
        ),
        (
            "search",
            "archive search 噪音",
            "/complaints/?q=噪音",
            "",
            f"SELECT {columns} FROM complaints_complaint WHERE company_id = %s "
            "AND upper(search_text) LIKE upper('%%噪音%%') ORDER BY received_at DESC, id DESC "
            "LIMIT 25",
            [company],
        ),
        (
            "repeats",
            "repeat analysis",
            "/complaints/repeats/",
            "",
            "SELECT g.id, g.label, count(c.id) FROM complaints_repeatgroup g "
            "LEFT JOIN complaints_complaint c ON c.repeat_group_id = g.id "
            "WHERE g.company_id = %s GROUP BY g.id ORDER BY count(c.id) DESC LIMIT 25",
            [company],
        ),
        (
            "home",
            "quality department's home page",
            "/",
            "",
            "SELECT status, count(*) FROM complaints_complaint WHERE company_id = %s "
            "GROUP BY status",
            [company],
        ),
        (
            "api-list",
            "API list, page 1",
            "/api/complaints",
            "read",
            f"SELECT {columns} FROM complaints_complaint WHERE company_id = %s "
            "ORDER BY updated_at DESC, id DESC LIMIT 50",
            [company],
        ),
        (
            "api-list",
            f"API list, page {api_deep}",
            f"/api/complaints?page={api_deep}",
            "read",
            f"SELECT {columns} FROM complaints_complaint WHERE company_id = %s "
            "ORDER BY updated_at DESC, id DESC LIMIT 50 OFFSET %s",
            [company, (api_deep - 1) * 50],
        ),
    ]
    figures = []
    for name, what, path, auth, sql, params in pages:
        if names is not None and name not in names:
            continue
        token = bench.read_token if auth else ""
        cookie = "" if auth else bench.cookie
        note = ""
        try:
            server.get(path, cookie=cookie, token=token)  # warm the workers
        except Exception as error:  # noqa: BLE001
            note = f"first request failed: {error}"
        pinzhi_times = timed(REQUESTS, _getter(server, path, cookie, token))
        raw = timed(REQUESTS, _raw_select(sql, params))
        try:
            queries = bench.queries(path, token=token)
        except Exception:  # noqa: BLE001
            queries = None
        figures.append(Figure(name, what, pinzhi_times, raw, queries, note))
    return figures


def measure_export(bench: Bench) -> list[Figure]:
    """The Excel export of the latest EXPORT_ROWS complaints, on a fresh one-worker server
    (its peak RSS is the worker's); raw: the same rows selected."""
    from django.utils import timezone

    received = list(
        Complaint.objects.filter(company=bench.company)
        .order_by("-received_at")
        .values_list("received_at", flat=True)[EXPORT_ROWS - 1 : EXPORT_ROWS]
    )
    if not received:
        return [Figure("export", "export", note=f"fewer than {EXPORT_ROWS} complaints")]
    since = timezone.localdate(received[0])
    path = f"/complaints/export/?received_from={since}"
    rows = Complaint.objects.filter(
        company=bench.company,
        received_at__gte=timezone.make_aware(datetime.combine(since, datetime.min.time())),
    ).count()
    # Whole days of rows come to a few more than EXPORT_ROWS: the server writes them at
    # once rather than queueing them for the worker (PINZHI_EXPORT_SYNC_MAX_ROWS).
    with Server(workers=1, env={"PINZHI_EXPORT_SYNC_MAX_ROWS": str(2 * EXPORT_ROWS)}) as server:
        pids = server.worker_pids()
        before = max((rss_mb(p) for p in pids), default=0)
        size = [0]

        def export() -> None:
            size[0] = len(server.get(path, cookie=bench.cookie))

        pinzhi_times = timed(1, export)
        peak = max((peak_rss_mb(p) for p in pids), default=0)
    raw = timed(
        1,
        _raw_select(
            "SELECT * FROM complaints_complaint WHERE company_id = %s AND received_at >= %s",
            [bench.company.pk, received[0].replace(hour=0)],
        ),
    )
    note = (
        f"{rows:,} rows, {size[0] / 1e6:.1f} MB; worker RSS {before:.0f} MB before, "
        f"peak {peak:.0f} MB"
    )
    return [Figure("export", f"Excel export of {EXPORT_ROWS:,} rows", pinzhi_times, raw, note=note)]


def measure_sweep(bench: Bench) -> list[Figure]:
    """SWEEP_DUE breaches due at once: registered cases cloned in, their limits made due,
    one sweep timed, then a second sweep must escalate nothing (exactly once). All in one
    transaction rolled back afterwards: the database is left as it was."""
    from pinzhi.deadlines.models import Deadline
    from pinzhi.deadlines.sweep import sweep
    from pinzhi.timeline.models import Event

    class Rollback(Exception):
        pass

    figures: list[Figure] = []
    per_case = len(bench.fresh.rows["deadlines_deadline"]) or 1
    cases = -(-SWEEP_DUE // per_case)
    try:
        with transaction.atomic():
            moment = now()
            before = Complaint.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            _clone_registered(bench, cases)
            subjects = [
                str(pk)
                for pk in Complaint.objects.filter(pk__gt=before).values_list("pk", flat=True)
            ]
            # Only the limits made due here are due: whatever else is (the load's open
            # cases) waits a century, in this transaction that is rolled back.
            Deadline.objects.filter(next_escalation_at__lte=moment).update(
                next_escalation_at=moment + timedelta(days=36500)
            )
            chosen = list(
                Deadline.objects.filter(state="open", object_id__in=subjects)
                .order_by("pk")
                .values_list("pk", flat=True)[:SWEEP_DUE]
            )
            due_count = Deadline.objects.filter(pk__in=chosen).update(
                due_at=moment - timedelta(minutes=5),
                next_escalation_at=moment - timedelta(minutes=5),
            )
            # Plain SQL: one UPDATE of the due limits (in a savepoint rolled back).
            with transaction.atomic():
                t1 = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute(
                        "UPDATE deadlines_deadline SET state = 'breached', breached_at = %s, "
                        "escalation_step = escalation_step + 1 "
                        "WHERE next_escalation_at <= %s AND state = 'open'",
                        [moment, moment],
                    )
                raw_took = time.perf_counter() - t1
                transaction.set_rollback(True)
            events_before = Event.objects.count()
            t0 = time.perf_counter()
            result = sweep(moment)
            took = time.perf_counter() - t0
            again = sweep(moment)
            events = Event.objects.count() - events_before
            twice = sum(again.counts.values())
            note = (
                f"{due_count:,} limits due; first sweep {dict(result.counts)}; second sweep "
                f"{dict(again.counts)} ({'exactly once' if twice == 0 else 'NOT exactly once'}); "
                f"{events:,} events; {due_count / took:,.0f} limits/s"
            )
            figures.append(
                Figure(
                    "sweep",
                    f"deadline sweep, {due_count:,} breaches due at once",
                    Timings([took], wall=took),
                    Timings([raw_took], wall=raw_took),
                    note=note,
                )
            )
            raise Rollback
    except Rollback:
        pass
    return figures


def _clone_registered(bench: Bench, count: int) -> None:
    """`count` clones of the registered templates received now, by COPY, in the current
    transaction (their limits open, the chain continued)."""
    registered: dict[str, float] = {Status.REGISTERED: 1.0}
    loader.complaints_add(
        company=bench.company, templates=[bench.fresh], count=count, shares=registered
    )


def measure_verify(bench: Bench) -> list[Figure]:
    """What `pinzhi verify-timeline` runs (`timeline.verify.timeline_check`, in this
    process, no verification recorded): events/s; raw: one scan of the events' hashes."""
    from pinzhi.timeline.verify import timeline_check

    t0 = time.perf_counter()
    result = timeline_check()
    took = time.perf_counter() - t0
    raw = timed(1, _raw_select("SELECT count(*), max(hash) FROM timeline_event", []))
    state = "intact" if result.ok else f"{len(result.findings)} findings"
    note = (
        f"{result.events_checked:,} events, {result.events_checked / took:,.0f} events/s; {state}"
    )
    return [Figure("verify", "verify-timeline", Timings([took], wall=took), raw, note=note)]


def measure_regroup(bench: Bench) -> list[Figure]:
    """`db_worker` running the regrouping of the last 90 days, queued ahead of any other
    task: its peak RSS (sampled from /proc), stopped after REGROUP_TIMEOUT when it has not
    finished."""
    from pinzhi.complaints import grouping

    until = now()
    since = until - timedelta(days=90)
    filled = loader.meanings_plausible(company=bench.company, since=since)
    count = Complaint.objects.filter(company=bench.company, received_at__gte=since).count()
    # The earlier measures leave tasks queued (the topic search of every complaint they
    # registered, their notices); the regrouping goes first, so that the worker's memory
    # and time are those of the regrouping alone.
    with transaction.atomic():
        result = grouping.groups_rebuild_task.using(priority=100).enqueue(
            bench.company.pk, since.isoformat(), until.isoformat(), bench.quality.pk
        )
    worker = subprocess.Popen(
        [str(Path(sys.executable).with_name("pinzhi")), "db_worker"],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    peak, finished = 0.0, False
    t0 = time.perf_counter()
    try:
        while time.perf_counter() - t0 < REGROUP_TIMEOUT:
            time.sleep(0.25)
            peak = max(peak, rss_mb(worker.pid), peak_rss_mb(worker.pid))
            result.refresh()
            if result.is_finished:
                finished = True
                break
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    took = time.perf_counter() - t0
    state = "finished" if finished else f"not finished after {REGROUP_TIMEOUT:.0f} s"
    note = f"{count:,} complaints in 90 days; {state}; worker peak RSS {peak:.0f} MB"
    if filled:
        note += f" ({filled:,} meaning vectors copied from the templates first)"
    return [
        Figure("regroup", "db_worker regrouping 90 days", Timings([took], wall=took), note=note)
    ]


def measure_supplier_month(bench: Bench) -> list[Figure]:
    """NCR-5: a supplier's month evaluated with 10,000 checks (pinzhi/bench/suppliers.py)."""
    from pinzhi.bench.suppliers import supplier_month

    got = supplier_month(company=bench.company, quality=bench.quality)
    return [
        Figure(
            "supplier-month",
            "supplier evaluation of a month with 10,000 checks",
            Timings(got.compute, wall=sum(got.compute)),
            Timings(got.raw, wall=sum(got.raw)),
            queries=got.queries,
            note=got.note,
        )
    ]


def measure_assessment_month(bench: Bench) -> list[Figure]:
    """ASM-3 … ASM-7 (issue 11): the month-end computation for 10,000 staff over 1,000,000
    events, beside the same totals by hand-written SQL (pinzhi/bench/assessment.py)."""
    from pinzhi.bench.assessment import assessment_month

    got = assessment_month(quality=bench.quality)
    return [
        Figure(
            "assessment-month",
            "month-end assessment of 10,000 staff, 1,000,000 events",
            Timings(got.compute, wall=sum(got.compute)),
            Timings(got.raw, wall=sum(got.raw)),
            queries=got.queries,
            note=got.note,
        )
    ]


def measure_materialise(bench: Bench) -> list[Figure]:
    """Issue 10 (INS-1): the next 30 days of three schedules over 1,000 units (daily, weekly,
    a 20 % weekly sample) materialised by the clock's job; raw: the daily schedule's task
    rows alone by INSERT … SELECT (no deadlines, events or draws). Rolled back."""
    from pinzhi.bench.planning import materialise_run

    got = materialise_run(bench.company, bench.quality)
    per_k = got.took / got.tasks * 1000 if got.tasks else 0.0
    raw_k = got.raw / got.raw_rows * 1000 if got.raw_rows else 0.0
    note = (
        f"{got.tasks:,} tasks and {got.deadlines:,} deadlines in {got.queries} queries "
        f"({per_k:.3f} s per 1,000 tasks; raw {got.raw_rows:,} rows, {raw_k:.3f} s per 1,000); "
        f"second run made {got.second_run}"
    )
    return [
        Figure(
            "materialise",
            "30 days of schedules for 1,000 units",
            Timings([got.took], wall=got.took),
            Timings([got.raw], wall=got.raw),
            queries=got.queries,
            note=note,
        )
    ]


MEASURES: dict[str, Callable[[Bench], list[Figure]]] = {
    "create": measure_create,
    "intake": measure_intake,
    "list": lambda bench: measure_pages(bench, {"list"}),
    "search": lambda bench: measure_pages(bench, {"search"}),
    "repeats": lambda bench: measure_pages(bench, {"repeats"}),
    "home": lambda bench: measure_pages(bench, {"home"}),
    "api-list": lambda bench: measure_pages(bench, {"api-list"}),
    "export": measure_export,
    "sweep": measure_sweep,
    "verify": measure_verify,
    "regroup": measure_regroup,
    "supplier-month": measure_supplier_month,
    "materialise": measure_materialise,
    "assessment-month": measure_assessment_month,
}
NEEDS_SERVER = {"create", "intake", "list", "search", "repeats", "home", "api-list"}


def run(names: list[str], say: Callable[[str], None] = print) -> list[Figure]:
    """Run the measures `names` (in MEASURES order); one that raises is reported as such."""
    figures: list[Figure] = []
    chosen = [n for n in MEASURES if n in names]
    server = Server() if NEEDS_SERVER & set(chosen) else None
    if server is not None:
        server.__enter__()
    try:
        bench = Bench(server)
        for name in chosen:
            say(f"measure {name} …")
            t0 = time.perf_counter()
            try:
                got = MEASURES[name](bench)
            except Exception as error:  # noqa: BLE001 (the harness reports, never fails)
                got = [Figure(name, name, note=f"failed: {type(error).__name__}: {error}")]
            figures.extend(got)
            say(f"measure {name}: {time.perf_counter() - t0:.1f} s")
    finally:
        if server is not None:
            server.__exit__(None, None, None)
    return figures


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0
