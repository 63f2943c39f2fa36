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


# --- running time limits of the open complaints (the "overdue" figure) -----------------------

LIMITS = "complaints_runninglimit"
_CT = "(SELECT id FROM django_content_type WHERE app_label = 'complaints' AND model = 'complaint')"
_RUNNING = "('open', 'breached')"


def _open_sql() -> str:
    from pinzhi.complaints.models import OPEN_STATUSES

    return "(" + ", ".join(f"'{s}'" for s in OPEN_STATUSES) + ")"


def limit_trigger_sql(vendor: str) -> list[str]:
    """Triggers keeping `RunningLimit`: a row per running limit (open or breached) of an
    open complaint. A limit's insert, change or deletion replaces its row; a complaint's
    change of status or company replaces its rows."""
    insert = f"INSERT INTO {LIMITS} (deadline_id, complaint_id, company_id, due_at)"
    is_open = _open_sql()
    if vendor == "postgresql":
        limit_changed = " OR ".join(
            f"o.{c} IS DISTINCT FROM n.{c}"
            for c in ("state", "due_at", "object_id", "content_type_id")
        )
        case_changed = (
            "o.status IS DISTINCT FROM n.status OR o.company_id IS DISTINCT FROM n.company_id"
        )
        from_limits = (
            f"JOIN complaints_complaint c ON c.id = "
            f"(CASE WHEN n.content_type_id = {_CT} THEN n.object_id END)::bigint "
            f"WHERE n.state IN {_RUNNING} AND c.status IN {is_open}"
        )
        return [
            f"""CREATE OR REPLACE FUNCTION complaints_limits_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  {insert} SELECT n.id, c.id, c.company_id, n.due_at FROM new_rows n {from_limits};
  RETURN NULL;
END $$""",
            f"""CREATE OR REPLACE FUNCTION complaints_limits_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM {LIMITS} l USING old_rows o JOIN new_rows n ON n.id = o.id
  WHERE l.deadline_id = o.id AND ({limit_changed});
  {insert} SELECT n.id, c.id, c.company_id, n.due_at
  FROM old_rows o JOIN new_rows n ON n.id = o.id {from_limits} AND ({limit_changed});
  RETURN NULL;
END $$""",
            f"""CREATE OR REPLACE FUNCTION complaints_limits_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM {LIMITS} l USING old_rows o WHERE l.deadline_id = o.id;
  RETURN NULL;
END $$""",
            f"""CREATE OR REPLACE FUNCTION complaints_limits_case_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM {LIMITS} l USING old_rows o JOIN new_rows n ON n.id = o.id
  WHERE l.complaint_id = n.id AND ({case_changed});
  {insert} SELECT d.id, n.id, n.company_id, d.due_at
  FROM old_rows o JOIN new_rows n ON n.id = o.id
  JOIN deadlines_deadline d ON d.content_type_id = {_CT} AND d.object_id = n.id::text
  WHERE ({case_changed}) AND n.status IN {is_open} AND d.state IN {_RUNNING};
  RETURN NULL;
END $$""",
            "DROP TRIGGER IF EXISTS complaint_limits_insert ON deadlines_deadline",
            "CREATE TRIGGER complaint_limits_insert AFTER INSERT ON deadlines_deadline "
            "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
            "EXECUTE FUNCTION complaints_limits_inserted()",
            "DROP TRIGGER IF EXISTS complaint_limits_update ON deadlines_deadline",
            "CREATE TRIGGER complaint_limits_update AFTER UPDATE ON deadlines_deadline "
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
            "EXECUTE FUNCTION complaints_limits_updated()",
            "DROP TRIGGER IF EXISTS complaint_limits_delete ON deadlines_deadline",
            "CREATE TRIGGER complaint_limits_delete AFTER DELETE ON deadlines_deadline "
            "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
            "EXECUTE FUNCTION complaints_limits_deleted()",
            "DROP TRIGGER IF EXISTS complaint_limits_case ON complaints_complaint",
            "CREATE TRIGGER complaint_limits_case AFTER UPDATE ON complaints_complaint "
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
            "EXECUTE FUNCTION complaints_limits_case_updated()",
        ]
    new_limit = (
        f"{insert} SELECT NEW.id, c.id, c.company_id, NEW.due_at FROM complaints_complaint c "
        f"WHERE NEW.content_type_id = {_CT} AND NEW.state IN {_RUNNING} "
        f"AND c.id = CAST(NEW.object_id AS INTEGER) AND c.status IN {is_open};"
    )
    limit_changed = " OR ".join(
        f"OLD.{c} IS NOT NEW.{c}" for c in ("state", "due_at", "object_id", "content_type_id")
    )
    return [
        "DROP TRIGGER IF EXISTS complaint_limits_insert",
        f"CREATE TRIGGER complaint_limits_insert AFTER INSERT ON deadlines_deadline BEGIN "
        f"{new_limit} END",
        "DROP TRIGGER IF EXISTS complaint_limits_update",
        "CREATE TRIGGER complaint_limits_update AFTER UPDATE OF state, due_at, object_id, "
        f"content_type_id ON deadlines_deadline WHEN {limit_changed} BEGIN "
        f"DELETE FROM {LIMITS} WHERE deadline_id = OLD.id; {new_limit} END",
        "DROP TRIGGER IF EXISTS complaint_limits_delete",
        "CREATE TRIGGER complaint_limits_delete AFTER DELETE ON deadlines_deadline BEGIN "
        f"DELETE FROM {LIMITS} WHERE deadline_id = OLD.id; END",
        "DROP TRIGGER IF EXISTS complaint_limits_case",
        "CREATE TRIGGER complaint_limits_case AFTER UPDATE OF status, company_id "
        "ON complaints_complaint WHEN OLD.status IS NOT NEW.status "
        "OR OLD.company_id IS NOT NEW.company_id BEGIN "
        f"DELETE FROM {LIMITS} WHERE complaint_id = NEW.id; "
        f"{insert} SELECT d.id, NEW.id, NEW.company_id, d.due_at FROM deadlines_deadline d "
        f"WHERE NEW.status IN {is_open} AND d.content_type_id = {_CT} "
        f"AND d.object_id = CAST(NEW.id AS TEXT) AND d.state IN {_RUNNING}; END",
    ]


def drop_limit_trigger_sql(vendor: str) -> list[str]:
    names = [
        ("complaint_limits_insert", "deadlines_deadline"),
        ("complaint_limits_update", "deadlines_deadline"),
        ("complaint_limits_delete", "deadlines_deadline"),
        ("complaint_limits_case", "complaints_complaint"),
    ]
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in names] + [
            f"DROP FUNCTION IF EXISTS complaints_limits_{f}()"
            for f in ("inserted", "updated", "deleted", "case_updated")
        ]
    return [f"DROP TRIGGER IF EXISTS {name}" for name, _table in names]


def limits_backfill_sql(vendor: str) -> str:
    """INSERT … SELECT of the running limits of the open complaints."""
    key = "c.id::text" if vendor == "postgresql" else "CAST(c.id AS TEXT)"
    return (
        f"INSERT INTO {LIMITS} (deadline_id, complaint_id, company_id, due_at) "
        f"SELECT d.id, c.id, c.company_id, d.due_at FROM deadlines_deadline d "
        f"JOIN complaints_complaint c ON {key} = d.object_id "
        f"WHERE d.content_type_id = {_CT} AND d.state IN {_RUNNING} "
        f"AND c.status IN {_open_sql()}"
    )


def limits_rebuild() -> int:
    """Recount the running limits of the open complaints from the deadlines (one statement
    on PostgreSQL, under SQLite's one writer lock elsewhere); returns the rows written."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH gone AS (DELETE FROM {LIMITS} RETURNING 1) "
                + limits_backfill_sql(connection.vendor)
            )
            return cursor.rowcount
        cursor.execute(f"DELETE FROM {LIMITS}")
        cursor.execute(limits_backfill_sql(connection.vendor))
        return cursor.rowcount


def triggers_installed() -> set[str]:
    """The names of the triggers on the complaints and deadlines present in the database (a
    migration that rebuilds either table on SQLite would drop them: a test checks they
    survive)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'complaints_complaint'::regclass "
                "AND NOT tgisinternal "
                "UNION SELECT tgname FROM pg_trigger "
                "WHERE tgrelid = 'deadlines_deadline'::regclass AND NOT tgisinternal"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name IN ('complaints_complaint', 'deadlines_deadline')"
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


def overdue_count(*, company_id: int | None, at: datetime) -> int:
    """The open complaints (of one company, or of all) with a running limit due by `at`."""
    from pinzhi.complaints.models import RunningLimit

    rows = RunningLimit.objects.filter(due_at__lte=at)
    if company_id is not None:
        rows = rows.filter(company_id=company_id)
    return rows.values("complaint_id").distinct().count()
