"""Issue 9 item 3: pre-aggregated monthly figures of the complaints (`MonthlyFigure`).

What they hold: per company, month received (the first day, in TIME_ZONE), location,
department, category, channel and status, the number of complaints. A key's figure is the
SUM of its rows: the database appends +1 / −1 rows as complaints are written, and
`figures_fold` sums each key's rows into one now and then (a clock job). The home tiles read
them (`complaints/tiles.py`): open complaints by status, received this month and last.

How they are kept, and why: by triggers on `complaints_complaint` (migration 0009), in the
same transaction as the write that changes a complaint's key. The alternatives were a call
in the services, or folding timeline events with the current month read live. The services
are not the only writers: the import writes in bulk, the bench loader by COPY, `update()`
calls move many cases at once, and an operator may repair a row by SQL; a figure missed by
any of them stays wrong until a rebuild, where the trigger counts every write whatever wrote
it — the figures equal the live counts at every moment a user can look, because they commit
(or roll back) with the change itself. Appending rows instead of updating one row per key
keeps concurrent registrations from queueing on the same figure row (the current month of a
busy estate) until they commit: an INSERT locks nothing another writer needs.

Complaints are never deleted (every reference to them protects them); a deletion or a change
made with the triggers disabled is mended by `pinzhi figures-rebuild` for the months it
touched. The SQLite triggers take the month at the fixed UTC offset of TIME_ZONE (China keeps
no summer time); a change of PINZHI_TIME_ZONE needs the migration's triggers re-created and a
rebuild."""

from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.tasks import task

from pinzhi.complaints.models import MonthlyFigure

TABLE = "complaints_monthlyfigure"
KEY = ("company_id", "month", "location_id", "department_id", "category", "channel", "status")
_KEY_SQL = ", ".join(KEY)
_TRACKED = (
    "company_id",
    "received_at",
    "location_id",
    "department_id",
    "category",
    "channel",
    "status",
)

FLAGGED_INDEX = (
    "CREATE INDEX IF NOT EXISTS complaint_flagged_received ON complaints_complaint "
    "(received_at, id) WHERE repeat_reasons <> '[]'"
)


def _month_sql(vendor: str, column: str, time_zone: str) -> str:
    """The first day of the local month of `column` (a timestamp), as SQL."""
    if vendor == "postgresql":
        return f"(date_trunc('month', {column} AT TIME ZONE '{time_zone}'))::date"
    offset = ZoneInfo(time_zone).utcoffset(datetime(2000, 1, 1))
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return f"strftime('%Y-%m-01', {column}, '{minutes:+d} minutes')"


def _row_sql(vendor: str, prefix: str, time_zone: str) -> str:
    month = _month_sql(vendor, f"{prefix}.received_at", time_zone)
    return (
        f"{prefix}.company_id, {month}, {prefix}.location_id, {prefix}.department_id, "
        f"{prefix}.category, {prefix}.channel, {prefix}.status"
    )


def trigger_sql(vendor: str, time_zone: str) -> list[str]:
    """The statements that install the triggers keeping the figures (migration 0009)."""
    insert = f"INSERT INTO {TABLE} ({_KEY_SQL}, count)"
    if vendor == "postgresql":
        changed = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in _TRACKED)
        return [
            f"""CREATE OR REPLACE FUNCTION complaints_figures_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  {insert}
  SELECT {_row_sql(vendor, "n", time_zone)}, count(*) FROM new_rows n GROUP BY 1, 2, 3, 4, 5, 6, 7;
  RETURN NULL;
END $$""",
            f"""CREATE OR REPLACE FUNCTION complaints_figures_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  {insert}
  SELECT k1, k2, k3, k4, k5, k6, k7, sum(d) FROM (
    SELECT {_row_sql(vendor, "o", time_zone)}, -1
    FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE {changed}
    UNION ALL
    SELECT {_row_sql(vendor, "n", time_zone)}, 1
    FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE {changed}
  ) AS delta (k1, k2, k3, k4, k5, k6, k7, d)
  GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(d) <> 0;
  RETURN NULL;
END $$""",
            "DROP TRIGGER IF EXISTS complaint_figures_insert ON complaints_complaint",
            "CREATE TRIGGER complaint_figures_insert AFTER INSERT ON complaints_complaint "
            "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
            "EXECUTE FUNCTION complaints_figures_inserted()",
            "DROP TRIGGER IF EXISTS complaint_figures_update ON complaints_complaint",
            "CREATE TRIGGER complaint_figures_update AFTER UPDATE ON complaints_complaint "
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
            "EXECUTE FUNCTION complaints_figures_updated()",
        ]
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _TRACKED)
    return [
        "DROP TRIGGER IF EXISTS complaint_figures_insert",
        "CREATE TRIGGER complaint_figures_insert AFTER INSERT ON complaints_complaint BEGIN "
        f"{insert} VALUES ({_row_sql(vendor, 'NEW', time_zone)}, 1); END",
        "DROP TRIGGER IF EXISTS complaint_figures_update",
        f"CREATE TRIGGER complaint_figures_update AFTER UPDATE OF {', '.join(_TRACKED)} "
        f"ON complaints_complaint WHEN {changed} BEGIN "
        f"{insert} VALUES ({_row_sql(vendor, 'OLD', time_zone)}, -1); "
        f"{insert} VALUES ({_row_sql(vendor, 'NEW', time_zone)}, 1); END",
    ]


def drop_trigger_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            "DROP TRIGGER IF EXISTS complaint_figures_insert ON complaints_complaint",
            "DROP TRIGGER IF EXISTS complaint_figures_update ON complaints_complaint",
            "DROP FUNCTION IF EXISTS complaints_figures_inserted()",
            "DROP FUNCTION IF EXISTS complaints_figures_updated()",
        ]
    return [
        "DROP TRIGGER IF EXISTS complaint_figures_insert",
        "DROP TRIGGER IF EXISTS complaint_figures_update",
    ]


def backfill_sql(vendor: str, time_zone: str, where: str = "") -> str:
    """INSERT … SELECT of the live counts of the complaints (matching `where`)."""
    return (
        f"INSERT INTO {TABLE} ({_KEY_SQL}, count) "
        f"SELECT {_row_sql(vendor, 'c', time_zone)}, count(*) FROM complaints_complaint c "
        f"{where} GROUP BY 1, 2, 3, 4, 5, 6, 7"
    )


def triggers_installed() -> set[str]:
    """The names of the figure triggers present in the database (a migration that rebuilds
    the complaints table on SQLite would drop them: a test checks they survive)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'complaints_complaint'::regclass "
                "AND tgname LIKE 'complaint_figures_%%'"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'complaints_complaint' AND name LIKE 'complaint_figures_%'"
            )
        return {name for (name,) in cursor.fetchall()}


def figures_fold() -> int:
    """Sum each key's rows into one (keys of a company and month with more than one row),
    dropping keys that sum to nothing; returns the number of rows removed. The DELETE …
    RETURNING reads and removes the same rows in one statement, so a row a writer commits
    meanwhile is neither lost nor counted twice, and two folds at once each re-insert only
    what they removed."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TABLE} WHERE (company_id, month) IN ("
            f"SELECT company_id, month FROM {TABLE} GROUP BY {_KEY_SQL} "
            f"HAVING count(*) > 1 OR sum(count) = 0) RETURNING {_KEY_SQL}, count"
        )
        removed = cursor.fetchall()
        sums: Counter = Counter()
        for *key, n in removed:
            sums[tuple(key)] += n
        MonthlyFigure.objects.bulk_create(
            [
                MonthlyFigure(**dict(zip(KEY, key, strict=True)), count=n)
                for key, n in sums.items()
                if n
            ],
            batch_size=1000,
        )
    return len(removed) - sum(1 for n in sums.values() if n)


def figures_rebuild(*, since: date | None = None, until: date | None = None) -> int:
    """Recount the figures of the months from `since` to `until` (first days of months,
    both included; all months when left out) from the complaints; returns the rows written.
    On PostgreSQL one statement deletes and recounts (one snapshot: a complaint committed
    meanwhile is counted once, by its trigger's row or by the recount); SQLite holds its one
    writer's lock from the DELETE to the commit."""
    vendor, time_zone = connection.vendor, settings.TIME_ZONE
    month = _month_sql(vendor, "c.received_at", time_zone)
    params: list = []
    figure_where, complaint_where = [], []
    for bound, op in ((since, ">="), (until, "<=")):
        if bound is not None:
            figure_where.append(f"month {op} %s")
            complaint_where.append(f"{month} {op} %s")
            params.append(bound.isoformat())
    delete = f"DELETE FROM {TABLE}" + (
        f" WHERE {' AND '.join(figure_where)}" if figure_where else ""
    )
    where = f"WHERE {' AND '.join(complaint_where)}" if complaint_where else ""
    insert = backfill_sql(vendor, time_zone, where)
    with transaction.atomic(), connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(f"WITH gone AS ({delete} RETURNING 1) {insert}", params + params)
            return cursor.rowcount
        cursor.execute(delete, params)
        cursor.execute(insert, params)
        return cursor.rowcount


@task
def figures_fold_task() -> dict:
    """The clock's job: fold the figures' change rows (issue 9 item 3)."""
    return {"removed": figures_fold()}


# --- reading ------------------------------------------------------------------------------


def status_counts(*, company_id: int | None, statuses) -> dict[str, int]:
    """The number of complaints in each of `statuses` (of one company, or of all)."""
    rows = MonthlyFigure.objects.filter(status__in=list(statuses))
    if company_id is not None:
        rows = rows.filter(company_id=company_id)
    return {
        status: total
        for status, total in rows.values_list("status").annotate(n=Sum("count")).order_by()
        if total
    }


def received_in(*, company_id: int | None, months) -> dict[date, int]:
    """The number of complaints received in each of `months` (first days)."""
    rows = MonthlyFigure.objects.filter(month__in=list(months))
    if company_id is not None:
        rows = rows.filter(company_id=company_id)
    found = dict(rows.values_list("month").annotate(n=Sum("count")).order_by())
    return {m: found.get(m) or 0 for m in months}
