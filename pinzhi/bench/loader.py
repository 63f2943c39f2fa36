"""The bulk loader (issue 9 item 1): realistic data at 10 k, 100 k or 1 M complaints.

How it stays realistic without the ORM:

1. The organisation is the demo's property group (`orgs.demo`), grown through the orgs
   services to `estates` more estates, each with its three teams, a team lead, workers and
   a complaint handler (a few hundred units, a few thousand people with roles).
2. The demo's thirty cases are registered and taken through the real workflow services
   (`complaints.demo`: registration, contact letter, handling, callback, closure, the
   sweep's escalations), in every state. Every row they wrote — the complaint, its letters,
   callbacks, escalations, deadlines, timeline events, notifications and deliveries — is a
   *template*: so each bulk complaint writes exactly the rows, in exactly the proportions,
   that the workflow writes for a case that went as far.
3. Each bulk complaint clones one template, chosen by status (most closed, a few % open):
   new ids, a new tracking code and letter numbers, another estate (its units and its
   people take the places of the template's), a text drawn from `bench.texts` (the demo's
   phrasing and real messages, varied), a new customer, every time shifted to a receipt in
   the last three years (open cases in the last days). `search_text` is computed as
   `complaints.text.search_document` does; the meaning vector is left NULL (encoding 1 M
   texts with the sentence model would take hours on two cores) and repeat grouping is not
   copied (repeat_of / repeat_group NULL, no `complaint.topic_found` event).
4. Events are appended to the company's chain exactly as `timeline.services` links them
   (seq, prev_hash, `canonical.event_hash`), with the chain's head locked per batch, so
   `pinzhi verify-timeline` passes on the loaded data.
5. Rows go in with COPY (`psycopg` `cursor.copy`), one transaction per batch of complaints,
   ids reserved from each table's sequence per batch: memory stays bounded by the batch.

PostgreSQL only (COPY); the loaded databases are named `pinzhi_bench_<size>`.
"""

import datetime as dt
import hashlib
import hmac
import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from pinzhi.bench import texts
from pinzhi.complaints.demo import CASES
from pinzhi.complaints.events import ComplaintEvent
from pinzhi.complaints.models import Complaint, LetterCounter, Status
from pinzhi.lib.clock import now
from pinzhi.orgs.demo import COMPANY_NAME, TEAMS, chinese_name
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.orgs.roles import Role
from pinzhi.timeline.canonical import HASH_VERSION, hash_key
from pinzhi.timeline.models import chain_key
from pinzhi.timeline.services import events_link_pending

SIZES = {"tiny": 50, "1k": 1_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}
# Share of the bulk complaints cloned from templates of each status: most closed, a few
# per cent open at any time, about one in a hundred judged not established.
STATUS_SHARES: dict[str, float] = {
    Status.CLOSED: 0.93,
    Status.NOT_ESTABLISHED: 0.01,
    Status.REGISTERED: 0.005,
    Status.ROUTED: 0.01,
    Status.ACKNOWLEDGED: 0.005,
    Status.IN_PROGRESS: 0.02,
    Status.RESOLVED: 0.01,
    Status.CALLED_BACK: 0.01,
}
YEARS = 3
# Open cases are received within this many days before loading (they were swept already).
OPEN_WITHIN_DAYS = 3
# Closed cases are received at least this long before loading.
CLOSED_AFTER_DAYS = 60
WORKERS_PER_TEAM = 4
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?\+00:00$")
# Keys of event payloads and snapshots that hold the id of a unit, a person, a deadline.
UNIT_KEYS = frozenset({"unit", "department_id", "to_unit", "location", "department"})
PERSON_KEYS = frozenset(
    {"owner", "head_id", "handler_id", "staff_id", "person_id", "actor_id", "handler"}
)
DEADLINE_KEYS = frozenset({"deadline_id"})

# The tables a case writes, with the column that ties a row to its case.
TABLES = (
    "complaints_complaint",
    "complaints_contactletter",
    "complaints_callback",
    "complaints_customerescalation",
    "deadlines_deadline",
    "notify_notification",
    "notify_delivery",
    "timeline_event",
)


# --- templates ----------------------------------------------------------------------------


@dataclass
class Template:
    """Every row one case wrote through the services, as dicts of column → value."""

    complaint: dict
    rows: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return self.complaint["status"]


def _select(sql: str, params: list | tuple = (), *, table: str = "") -> list[dict]:
    """Rows as dicts; the jsonb columns of `table` decoded (Django's psycopg 3 adapters
    hand jsonb over as text, for JSONField to decode)."""
    as_json = _json_columns(table) if table else frozenset()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        for column in as_json:
            if isinstance(row.get(column), str):
                row[column] = json.loads(row[column])
    return rows


def templates_read(company: Company) -> list[Template]:
    """The cases registered through the services in `company`, with all their rows."""
    complaint_type = ContentType.objects.get_for_model(Complaint).pk
    found = []
    for complaint in _select(
        "SELECT * FROM complaints_complaint WHERE company_id = %s ORDER BY id LIMIT %s",
        [company.pk, len(CASES)],
        table="complaints_complaint",
    ):
        pk = complaint["id"]
        key = str(pk)
        rows = {
            "complaints_contactletter": _select(
                "SELECT * FROM complaints_contactletter WHERE complaint_id = %s ORDER BY id",
                [pk],
                table="complaints_contactletter",
            ),
            "complaints_callback": _select(
                "SELECT * FROM complaints_callback WHERE complaint_id = %s ORDER BY id",
                [pk],
                table="complaints_callback",
            ),
            "complaints_customerescalation": _select(
                "SELECT * FROM complaints_customerescalation WHERE complaint_id = %s ORDER BY id",
                [pk],
                table="complaints_customerescalation",
            ),
            "deadlines_deadline": _select(
                "SELECT * FROM deadlines_deadline WHERE content_type_id = %s AND object_id = %s "
                "ORDER BY id",
                [complaint_type, key],
                table="deadlines_deadline",
            ),
            "notify_notification": _select(
                "SELECT * FROM notify_notification WHERE subject_type_id = %s AND subject_id = %s "
                "ORDER BY id",
                [complaint_type, key],
                table="notify_notification",
            ),
            "timeline_event": [
                e
                for e in _select(
                    "SELECT * FROM timeline_event WHERE content_type_id = %s AND object_id = %s "
                    "ORDER BY id",
                    [complaint_type, key],
                    table="timeline_event",
                )
                if e["action"] != ComplaintEvent.TOPIC_FOUND
            ],
        }
        notification_ids = [n["id"] for n in rows["notify_notification"]] or [0]
        rows["notify_delivery"] = _select(
            "SELECT * FROM notify_delivery WHERE notification_id = ANY(%s) ORDER BY id",
            [notification_ids],
            table="notify_delivery",
        )
        found.append(Template(complaint=complaint, rows=rows))
    return found


def rows_per_case(templates: list[Template], shares: dict[str, float]) -> dict[str, float]:
    """The rows per complaint each table gets when templates are drawn with `shares`."""
    by_status: dict[str, list[Template]] = {}
    for template in templates:
        by_status.setdefault(template.status, []).append(template)
    expected: dict[str, float] = {}
    for status, share in _shares(templates, shares).items():
        group = by_status[status]
        for template in group:
            key = "complaints_complaint"
            expected[key] = expected.get(key, 0.0) + share / len(group)
            for table, rows in template.rows.items():
                expected[table] = expected.get(table, 0.0) + share * len(rows) / len(group)
    return expected


def _shares(templates: list[Template], shares: dict[str, float]) -> dict[str, float]:
    """`shares` restricted to the statuses some template has, summing to 1."""
    present = {t.status for t in templates}
    kept = {s: v for s, v in shares.items() if s in present}
    total = sum(kept.values())
    return {s: v / total for s, v in kept.items()}


# --- the organisation ---------------------------------------------------------------------


def demo_company() -> Company | None:
    return Company.objects.filter(name=COMPANY_NAME).first()


def organisation_grow(*, company: Company, estates: int) -> int:
    """Add `estates` estates to the demo company through the orgs services, each with the
    demo's teams, a lead and WORKERS_PER_TEAM workers per team and a complaint handler in
    its customer-service team. Returns how many estates were added (existing ones kept)."""
    from pinzhi.orgs import services as org_services
    from pinzhi.orgs.demo import DEMO_PASSWORD

    hq = Unit.objects.get(company=company, code="HQ")
    existing = set(
        Unit.objects.filter(
            company=company, code__startswith="E", kind=Unit.Kind.ESTATE
        ).values_list("code", flat=True)
    )
    made_people: list[Person] = []
    added = 0
    n = Person.objects.count()
    for index in range(1, estates + 1):
        code = f"E{index:03d}"
        if code in existing:
            continue
        added += 1
        with transaction.atomic():
            estate = org_services.unit_create(
                company=company,
                code=code,
                name=f"{_estate_name(index)}",
                kind=Unit.Kind.ESTATE,
                parent=hq,
            )
            for suffix, team_name, _dept in TEAMS:
                team = org_services.unit_create(
                    company=company,
                    code=f"{code}-{suffix}",
                    name=f"{estate.name}{team_name}",
                    kind=Unit.Kind.TEAM,
                    parent=estate,
                )
                people = [(f"{team.code.lower()}.zz", Role.SUPERVISOR)]
                people += [
                    (f"{team.code.lower()}.{i}", Role.SERVICE_STAFF)
                    for i in range(1, WORKERS_PER_TEAM + 1)
                ]
                if suffix == "KF":
                    people.append((f"{team.code.lower()}.cl", Role.COMPLAINT_HANDLER))
                for username, role in people:
                    n += 1
                    person = org_services.person_create(
                        username=username,
                        full_name=chinese_name(n),
                        company=company,
                        unit=team,
                        phone=f"139{n:08d}",
                    )
                    org_services.role_assign(person=person, role=role, scope=[team])
                    made_people.append(person)
    if made_people:
        org_services.people_set_password(people=made_people, password=DEMO_PASSWORD, reason="bench")
    return added


ESTATE_WORDS = "翠 滨 金 锦 华 景 御 龙 凤 嘉 和 美 雅 悦 澜 湾 峰 泉 桂 兰".split()
ESTATE_ENDINGS = ("花园", "名苑", "雅居", "新城", "公馆", "华庭", "山庄", "家园")


def _estate_name(index: int) -> str:
    a = ESTATE_WORDS[index % len(ESTATE_WORDS)]
    b = ESTATE_WORDS[(index * 7 + 3) % len(ESTATE_WORDS)]
    return f"{a}{b}{ESTATE_ENDINGS[index % len(ESTATE_ENDINGS)]}{index // 160 + 1}期"


# --- mapping a template onto another estate -------------------------------------------------


@dataclass
class Estate:
    unit_id: int
    name: str
    # unit code suffix ("", "-KF") → unit id; username suffix ("-kf.cl") → person
    units: dict[str, int]
    people: dict[str, tuple[int, str]]


class Places:
    """Which estate each template case was at, and for another estate the ids and names
    that take the place of the template's units and people."""

    def __init__(self, company: Company):
        units = list(Unit.objects.filter(company=company).values("id", "code", "name", "kind"))
        people = list(Person.objects.filter(company=company).values("id", "username", "full_name"))
        self.estates: list[Estate] = []
        self.by_unit: dict[int, Estate] = {}
        for unit in units:
            if unit["kind"] != Unit.Kind.ESTATE:
                continue
            code = unit["code"]
            estate = Estate(unit_id=unit["id"], name=unit["name"], units={}, people={})
            for other in units:
                if other["code"] == code or other["code"].startswith(code + "-"):
                    estate.units[other["code"][len(code) :]] = other["id"]
            prefix = code.lower() + "-"
            for person in people:
                if person["username"].startswith(prefix):
                    estate.people[person["username"][len(prefix) - 1 :]] = (
                        person["id"],
                        person["full_name"],
                    )
            self.estates.append(estate)
            for unit_id in estate.units.values():
                self.by_unit[unit_id] = estate
        self._maps: dict[tuple[int, int], tuple[dict, dict, dict]] = {}

    def maps(self, source: Estate | None, target: Estate) -> tuple[dict, dict, dict]:
        """(unit id map, person id map, person name map) from `source` to `target`."""
        if source is None or source is target:
            return {}, {}, {}
        key = (source.unit_id, target.unit_id)
        if key not in self._maps:
            units = {
                uid: target.units[suffix]
                for suffix, uid in source.units.items()
                if suffix in target.units
            }
            people, names = {}, {}
            for suffix, (pid, name) in source.people.items():
                if suffix in target.people:
                    people[pid] = target.people[suffix][0]
                    names[name] = target.people[suffix][1]
            self._maps[key] = (units, people, names)
        return self._maps[key]


# --- cloning ----------------------------------------------------------------------------------


class Ids:
    """Ids drawn from each table's sequence, a block per batch (nextval for each row, so
    that writers running meanwhile, an API registration, never get one of them)."""

    def __init__(self) -> None:
        self.next: dict[str, Iterator[int]] = {}

    def reserve(self, counts: dict[str, int], cursor: Any = None) -> None:
        if cursor is None:
            with connection.cursor() as django_cursor:
                return self.reserve(counts, django_cursor)
        for table, count in counts.items():
            if count:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, count],
                )
                self.next[table] = iter([row[0] for row in cursor.fetchall()])
        return None

    def take(self, table: str) -> int:
        return next(self.next[table])


def tracking_code(pk: int) -> str:
    """A code in the application's alphabet, unique per complaint id (an affine bijection
    of the id over the 31^8 codes), so that a million codes need no set to stay unique."""
    space = len(ALPHABET) ** 8
    value = (pk * 1_000_003 + 7_777_777) % space
    chars = []
    for _ in range(8):
        value, digit = divmod(value, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return "TS" + "".join(chars)


class Letters:
    """Letter numbers LXH<yyyymm>-<n>, continuing each month's counter."""

    def __init__(self) -> None:
        self.last = dict(LetterCounter.objects.values_list("month", "last"))
        self.changed: set[str] = set()

    def number(self, at: dt.datetime) -> str:
        month = f"{timezone.localtime(at):%Y%m}"
        self.last[month] = self.last.get(month, 0) + 1
        self.changed.add(month)
        return f"LXH{month}-{self.last[month]:04d}"

    def save(self) -> None:
        for month in self.changed:
            LetterCounter.objects.update_or_create(month=month, defaults={"last": self.last[month]})
        self.changed.clear()


@dataclass
class Clone:
    """What one template case becomes in one bulk complaint."""

    delta: dt.timedelta
    ids: dict[str, dict[int, int]]
    units: dict
    people: dict
    names: dict
    strings: dict[str, str]
    title: tuple[str, str]  # template title → new title

    def time(self, value: Any) -> Any:
        return value + self.delta if isinstance(value, dt.datetime) else value

    def person(self, value: Any) -> Any:
        return self.people.get(value, value)

    def unit(self, value: Any) -> Any:
        return self.units.get(value, value)

    def text(self, value: Any) -> Any:
        if not isinstance(value, str) or not value:
            return value
        if value == self.title[0]:
            return self.title[1]
        for old, new in self.strings.items():
            if old in value:
                value = value.replace(old, new)
        return value

    def json(self, value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: self.json(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.json(v, key) for v in value]
        if key == "repeat_of":
            return None  # bulk complaints are not grouped (see the module's docstring)
        if key == "repeat_reasons":
            return []
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int):
            if key in DEADLINE_KEYS:
                return self.ids["deadlines_deadline"].get(value, value)
            if key in UNIT_KEYS:
                return self.unit(value)
            if key in PERSON_KEYS:
                return self.person(value)
            return value
        if isinstance(value, str):
            if _ISO.match(value):
                moved = dt.datetime.fromisoformat(value) + self.delta
                return moved.isoformat(timespec="microseconds")
            if value in self.names:
                return self.names[value]
            return self.text(value)
        return value


class Chain:
    """The company's chain, continued as `timeline.services` links events."""

    def __init__(self, company_id: int):
        self.chain = chain_key(company_id)
        self.seq = 0
        self.hash = ""
        self.key = hash_key()
        self.type_keys = {ct.pk: f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all()}

    def lock(self) -> None:
        from pinzhi.timeline.services import _locked_head

        head = _locked_head(self.chain)
        self.head_id, self.seq, self.hash = head.pk, head.seq, head.hash

    def link(self, event: dict) -> None:
        self.seq += 1
        event["chain"] = self.chain
        event["seq"] = self.seq
        event["prev_hash"] = self.hash
        # `canonical.event_hash`, with the key derived once: payloads read back from
        # jsonb are canonical already (the test checks the two agree).
        text = json.dumps(
            {
                "v": HASH_VERSION,
                "seq": self.seq,
                "prev_hash": self.hash,
                "subject_type": self.type_keys[event["content_type_id"]],
                "object_id": event["object_id"],
                "subject_repr": event["subject_repr"],
                "company_id": event["company_id"],
                "actor_id": event["actor_id"],
                "actor_name": event["actor_name"],
                "at": event["at"].astimezone(dt.UTC).isoformat(timespec="microseconds"),
                "action": event["action"],
                "data": event["data"],
                "before": event["before"],
                "after": event["after"],
                "reason": event["reason"],
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
        )
        event["hash"] = hmac.new(self.key, text.encode("utf-8"), hashlib.sha256).hexdigest()
        self.hash = event["hash"]

    def save(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE timeline_chainhead SET seq = %s, hash = %s WHERE id = %s",
                [self.seq, self.hash, self.head_id],
            )


@dataclass
class LoadResult:
    complaints: int
    seconds: float
    rows: dict[str, int]


def _json_columns(table: str) -> frozenset[str]:
    rows = _select(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "AND data_type = 'jsonb'",
        [table],
    )
    return frozenset(r["column_name"] for r in rows)


def complaints_load(
    *,
    count: int,
    estates: int = 100,
    seed: int = 9,
    batch: int = 2000,
    say: Callable[[str], None] = lambda text: None,
) -> LoadResult:
    """Load bulk complaints into the demo company until it has `count` of them (besides
    the demo's cases, its templates); the demo and `estates` more estates are made first
    when missing. PostgreSQL only."""
    if connection.vendor != "postgresql":
        raise RuntimeError("the bulk loader writes with COPY: PostgreSQL only")
    started = time.monotonic()
    company = demo_company()
    if company is None:
        from django.core.management import call_command

        say("loading the demo (organisation and thirty cases through the services)")
        call_command("load_demo", stdout=_Quiet())
        company = demo_company()
        assert company is not None
    if estates:
        added = organisation_grow(company=company, estates=estates)
        say(f"organisation: {added} estates added")
    templates = templates_read(company)
    # Resumable: a load stopped between batches (each commits) continues where it was.
    done = max(0, Complaint.objects.filter(company=company).count() - len(templates))
    with connection.cursor() as cursor:
        # The load's own commits need not wait for the disk (the server keeps fsync on).
        cursor.execute("SET synchronous_commit = off")
    written = complaints_add(
        company=company,
        templates=templates,
        count=max(0, count - done),
        seed=seed * 1_000_003 + done,
        batch=batch,
        say=lambda text: say(f"{done:,} + {text}"),
    )
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"ANALYZE {table}")
    seconds = time.monotonic() - started
    return LoadResult(
        complaints=written.get("complaints_complaint", 0), seconds=seconds, rows=written
    )


def meanings_plausible(*, company: Company, since: dt.datetime, batch: int = 5000) -> int:
    """Give the complaints of `company` received since `since` that have no meaning vector
    a plausible one, cheaply: the vector of one of the templates (the demo's cases, encoded
    by the real model when they were registered), chosen by a hash of the title, so that
    complaints with the same text share a vector. The loader leaves the vectors NULL
    (encoding 1 M texts takes hours); the regroup measure fills the period it regroups so
    that the worker's memory is measured on a matrix of real size (issue 9 item 6), not on
    the sentence model encoding texts. Returns how many were filled. PostgreSQL only."""
    filled = 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM complaints_complaint"
            " WHERE company_id = %s AND meaning IS NOT NULL LIMIT 1",
            [company.pk],
        )
        if cursor.fetchone() is None:
            return 0
        cursor.execute(
            "SELECT min(id), max(id) FROM complaints_complaint"
            " WHERE company_id = %s AND received_at >= %s AND meaning IS NULL",
            [company.pk, since],
        )
        low, high = cursor.fetchone()
    if low is None:
        return 0
    for start in range(low, high + 1, batch):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                """
                WITH vectors AS (
                    SELECT row_number() OVER (ORDER BY id) - 1 AS n, meaning
                    FROM complaints_complaint
                    WHERE company_id = %(company)s AND meaning IS NOT NULL
                    ORDER BY id LIMIT 100
                ), counted AS (SELECT count(*) AS total FROM vectors)
                UPDATE complaints_complaint c SET meaning = v.meaning
                FROM vectors v, counted
                WHERE c.company_id = %(company)s AND c.received_at >= %(since)s
                  AND c.meaning IS NULL AND c.id >= %(start)s AND c.id < %(stop)s
                  AND v.n = abs(hashtext(c.title)::bigint) %% counted.total
                """,
                {"company": company.pk, "since": since, "start": start, "stop": start + batch},
            )
            filled += cursor.rowcount
    return filled


def complaints_add(
    *,
    company: Company,
    templates: list[Template],
    count: int,
    shares: dict[str, float] = STATUS_SHARES,
    seed: int = 9,
    batch: int = 2000,
    say: Callable[[str], None] = lambda text: None,
) -> dict[str, int]:
    """Add `count` clones of `templates` (drawn by status with `shares`), one transaction
    (a savepoint inside the caller's) per batch. Returns the rows written per table."""
    started = time.monotonic()
    shares = _shares(templates, shares)
    by_status: dict[str, list[Template]] = {}
    for template in templates:
        by_status.setdefault(template.status, []).append(template)
    places = Places(company)
    rng = random.Random(seed)
    pool = texts.pool()
    json_columns = {table: _json_columns(table) for table in TABLES}
    columns = {
        "complaints_complaint": list(templates[0].complaint),
        **{table: _columns(table) for table in TABLES if table != "complaints_complaint"},
    }
    letters = Letters()
    # The clones continue the chain from its head: the events the templates and the
    # organisation recorded must be linked first (they are once their transactions commit;
    # not yet when the caller's transaction is still open, as in the tests).
    events_link_pending()
    chain = Chain(company.pk)
    written: Counter = Counter()
    loaded_at = now()
    statuses = list(shares)
    weights = [shares[s] for s in statuses]
    done = 0
    while done < count:
        size = min(batch, count - done)
        chosen = [rng.choice(by_status[s]) for s in rng.choices(statuses, weights, k=size)]
        # Receipts in time order within a batch, so the chain runs roughly in time order.
        cases = sorted(
            ((_receipt(rng, t, loaded_at), i, t) for i, t in enumerate(chosen)),
            key=lambda case: case[0],
        )
        needed: Counter = Counter()
        for template in chosen:
            needed["complaints_complaint"] += 1
            for table, rows in template.rows.items():
                needed[table] += len(rows)
        with transaction.atomic():
            ids = Ids()
            ids.reserve(dict(needed))
            chain.lock()
            out: dict[str, list[tuple]] = {table: [] for table in TABLES}
            for received, _index, template in cases:
                _clone(
                    template=template,
                    received=received,
                    ids=ids,
                    places=places,
                    rng=rng,
                    pool=pool,
                    letters=letters,
                    chain=chain,
                    out=out,
                    columns=columns,
                    json_columns=json_columns,
                )
            raw = connection.connection
            with raw.cursor() as cursor:
                for table in TABLES:
                    if not out[table]:
                        continue
                    names = ", ".join(f'"{c}"' for c in columns[table])
                    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                        for row in out[table]:
                            copy.write_row(row)
                    written[table] += len(out[table])
            chain.save()
            letters.save()
        done += size
        say(f"{done:,} / {count:,} complaints ({time.monotonic() - started:.0f} s)")
    return dict(written)


class _Quiet:
    def write(self, text: str) -> None:
        pass


def _columns(table: str) -> list[str]:
    rows = _select(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "ORDER BY ordinal_position",
        [table],
    )
    return [r["column_name"] for r in rows]


def _receipt(rng: random.Random, template: Template, loaded_at: dt.datetime) -> dt.datetime:
    """A closed case is received at any time of the last YEARS years (but not the last
    CLOSED_AFTER_DAYS); an open one at most OPEN_WITHIN_DAYS before its template (whose
    limits were swept when the demo was loaded)."""
    if template.status in (Status.CLOSED, Status.NOT_ESTABLISHED):
        span = dt.timedelta(days=365 * YEARS - CLOSED_AFTER_DAYS)
        return loaded_at - dt.timedelta(days=CLOSED_AFTER_DAYS) - span * rng.random()
    return template.complaint["received_at"] - dt.timedelta(days=OPEN_WITHIN_DAYS) * rng.random()


def _clone(
    *,
    template: Template,
    received: dt.datetime,
    ids: Ids,
    places: Places,
    rng: random.Random,
    pool: tuple[texts.Text, ...],
    letters: Letters,
    chain: Chain,
    out: dict[str, list[tuple]],
    columns: dict[str, list[str]],
    json_columns: dict[str, frozenset[str]],
) -> None:
    source = template.complaint
    pk = ids.take("complaints_complaint")
    id_maps: dict[str, dict[int, int]] = {
        table: {row["id"]: ids.take(table) for row in rows} for table, rows in template.rows.items()
    }
    id_maps["complaints_complaint"] = {source["id"]: pk}
    home = places.by_unit.get(source["location_id"])
    target = rng.choice(places.estates) if places.estates else None
    units, people, names = places.maps(home, target) if target else ({}, {}, {})
    delta = received - source["received_at"]
    code = tracking_code(pk)
    strings = {source["tracking_code"]: code, f"/complaints/{source['id']}/": f"/complaints/{pk}/"}
    for letter in template.rows["complaints_contactletter"]:
        strings[letter["number"]] = letters.number(letter["sent_at"] + delta)
    if home is not None and target is not None:
        strings[home.name] = target.name
    text = rng.choice(pool)
    room = texts.room(rng)
    lead = texts.opening(rng)
    opening = f"{lead}{room}，" if lead else ""
    name, phone = texts.customer(rng)
    clone = Clone(
        delta=delta,
        ids=id_maps,
        units=units,
        people=people,
        names=names,
        strings=strings,
        title=(source["title"], text.title),
    )
    complaint = dict(source)
    complaint.update(
        id=pk,
        tracking_code=code,
        title=text.title,
        content=opening + text.content,
        request=text.request,
        customer_name=name,
        customer_phone=phone,
        customer_email="",
        customer_address=(target.name if target else "") + room,
        customer_id=None,
        # The same words as search_document(title, content, request): jieba cuts at the
        # punctuation after the lead and the room, so each part's words can be cached.
        search_text=texts.search_text(
            text.title, lead, room if lead else "", text.content, text.request
        ),
        repeat_of_id=None,
        repeat_group_id=None,
        repeat_reasons=[],
        meaning=None,
    )
    for column, value in complaint.items():
        if column.endswith("_at"):
            complaint[column] = clone.time(value)
    for column in ("registered_by_id", "owner_id", "handler_id"):
        complaint[column] = clone.person(complaint[column])
    for column in ("staff_involved_id", "closed_by_id"):
        complaint[column] = clone.person(complaint[column])
    complaint["location_id"] = clone.unit(complaint["location_id"])
    complaint["department_id"] = clone.unit(complaint["department_id"])
    _out(out, "complaints_complaint", complaint, columns, json_columns)

    for table, rows in template.rows.items():
        for row in rows:
            new = _clone_row(table, row, clone, complaint)
            if table == "timeline_event":
                chain.link(new)
            _out(out, table, new, columns, json_columns)


PERSON_COLUMNS = frozenset(
    {
        "owner_id",
        "to_person_id",
        "sent_by_id",
        "acknowledged_by_id",
        "by_id",
        "answered_by_id",
        "actor_id",
        "recipient_id",
    }
)
TEXT_COLUMNS = frozenset({"title", "body", "url", "reason", "detail", "request"})
_PLANS: dict[tuple[str, tuple[str, ...]], list[tuple[str, str]]] = {}


def _plan(table: str, row: dict) -> list[tuple[str, str]]:
    """How each column of a template row of `table` is carried over (decided once per
    table and set of columns, not per row)."""
    key = (table, tuple(row))
    if key not in _PLANS:
        plan = []
        for column, value in row.items():
            if column == "id":
                continue
            if isinstance(value, dt.datetime) or column.endswith("_at"):
                kind = "time"
            elif column == "complaint_id":
                kind = "complaint"
            elif column == "notification_id":
                kind = "notification"
            elif column in ("object_id", "subject_id"):
                kind = "subject"
            elif column == "subject_repr":
                kind = "repr"
            elif column in PERSON_COLUMNS:
                kind = "person"
            elif column in ("unit_id", "to_unit_id"):
                kind = "unit"
            elif column == "actor_name":
                kind = "name"
            elif column == "number":
                kind = "number"
            elif column in ("data", "before", "after", "ladder"):
                kind = "json"
            elif column in TEXT_COLUMNS:
                kind = "text"
            else:
                continue
            plan.append((column, kind))
        _PLANS[key] = plan
    return _PLANS[key]


def _clone_row(table: str, row: dict, clone: Clone, complaint: dict) -> dict:
    new = dict(row)
    new["id"] = clone.ids[table][row["id"]]
    for column, kind in _plan(table, row):
        value = row[column]
        if kind == "time":
            if value is not None:
                new[column] = value + clone.delta
        elif kind == "complaint":
            new[column] = complaint["id"]
        elif kind == "notification":
            new[column] = clone.ids["notify_notification"].get(value, value)
        elif kind == "subject":
            new[column] = str(complaint["id"])
        elif kind == "repr":
            new[column] = complaint["tracking_code"]
        elif kind == "person":
            new[column] = clone.people.get(value, value)
        elif kind == "unit":
            new[column] = clone.units.get(value, value)
        elif kind == "name":
            new[column] = clone.names.get(value, value)
        elif kind == "number":
            new[column] = clone.strings.get(value, value)
        elif kind == "json":
            new[column] = clone.json(value)
        else:
            new[column] = clone.text(value)
    return new


def _out(
    out: dict[str, list[tuple]],
    table: str,
    row: dict,
    columns: dict[str, list[str]],
    json_columns: dict[str, frozenset[str]],
) -> None:
    as_json = json_columns[table]
    out[table].append(
        tuple(
            json.dumps(row[c], ensure_ascii=False)
            if c in as_json and row[c] is not None
            else row[c]
            for c in columns[table]
        )
    )
