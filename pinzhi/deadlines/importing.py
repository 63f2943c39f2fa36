"""Importing a year's public holidays and make-up working days into a calendar (X-5, X-4)
from a CSV or XLSX file with the columns 日期/date, 类型/kind (放假/holiday or
调休上班/workday) and 名称/name. The import is all or nothing: every bad row is reported
with its row number and the reason, and nothing is written unless every row is good. The
days of each year the file covers replace the calendar's days of that year. The file is
read within the shared reading limits (pinzhi.core.spreadsheets, issue 6 item 3).
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from pinzhi.core import tabular
from pinzhi.core.imports import (
    error_row,
    import_batch_apply,
    import_batch_create,
    import_batch_fail,
    import_batch_plan,
)
from pinzhi.core.models import ImportBatch
from pinzhi.core.spreadsheets import SpreadsheetRefused
from pinzhi.deadlines.events import CalendarEvent
from pinzhi.deadlines.models import Calendar, CalendarDay
from pinzhi.orgs.models import Person
from pinzhi.timeline.services import event_record

KIND = "calendar"
MAX_ROWS = 2000
MAX_BYTES = 2 * 1024 * 1024

FILE_TOO_BIG = _("The file is larger than 2 MB; a year of holidays fits in far less.")
NO_HEADER = _(
    "The first row must name the columns 日期 (date), 类型 (kind) and optionally 名称 (name); "
    "it has: %(found)s."
)
NO_ROWS = _("The file has no days below its header row.")
TOO_MANY_ROWS = _("The file has more than %(max)s rows.")
ROW_DATE = _("Row %(row)s: “%(value)s” is not a date; write it as 2026-10-01.")
ROW_KIND = _(
    "Row %(row)s: “%(value)s” is not a kind; write 放假 (holiday) or 调休上班 (make-up "
    "working day)."
)
ROW_NAME = _("Row %(row)s: the name is longer than 60 characters.")
ROW_DUPLICATE = _("Row %(row)s: %(date)s is already given in row %(first)s.")
ROW_NUL = _(
    "Row %(row)s: the column “%(column)s” contains a NUL character (a zero byte), which "
    "cannot be stored; remove it."
)

HEADERS = {
    "date": {"日期", "date", "day"},
    "kind": {"类型", "kind", "type", "类别"},
    "name": {"名称", "name", "节日", "说明", "holiday name"},
}
KINDS = {
    "放假": CalendarDay.Kind.HOLIDAY,
    "休假": CalendarDay.Kind.HOLIDAY,
    "休息": CalendarDay.Kind.HOLIDAY,
    "假日": CalendarDay.Kind.HOLIDAY,
    "节假日": CalendarDay.Kind.HOLIDAY,
    "holiday": CalendarDay.Kind.HOLIDAY,
    "调休上班": CalendarDay.Kind.WORKDAY,
    "调休": CalendarDay.Kind.WORKDAY,
    "上班": CalendarDay.Kind.WORKDAY,
    "补班": CalendarDay.Kind.WORKDAY,
    "workday": CalendarDay.Kind.WORKDAY,
    "make-up workday": CalendarDay.Kind.WORKDAY,
}
_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


class CalendarImportError(SpreadsheetRefused):
    """The file was refused; `problems` lists every problem found, row by row, and `rows`
    the same as [line, column, value, reason] for the error report; `batch` is the import
    batch that keeps them (None when the file itself was refused)."""

    code = "calendar_import_refused"

    def __init__(self, errors: list[str], rows: list[list] | None = None):
        super().__init__("; ".join(errors))
        self.problems = errors
        self.rows = rows or [error_row(None, "", "", e) for e in errors]
        self.batch: ImportBatch | None = None


@dataclass
class ImportSummary:
    created: int = 0
    replaced: int = 0
    years: list[int] = field(default_factory=list)
    batch: ImportBatch | None = None


def _header_key(value: Any) -> str:
    return _text(value).lower()


def rows_read(name: str, content: bytes) -> list[tuple[int, list]]:
    """(line, cells) of the header row and of at most MAX_ROWS + 1 data rows of a CSV or
    XLSX file (first sheet), read by the shared reader (issue 7 item 3): the header found
    below any title row, merged cells, a blank tail ended, the reading limits applied. One
    data row more than allowed is read, so that days_parse refuses the file naming the limit
    without the rest being read."""
    if len(content) > MAX_BYTES:
        raise CalendarImportError([str(FILE_TOO_BIG)])
    expected = [label for labels in HEADERS.values() for label in labels]
    try:
        with tabular.tabular_open(content, filename=name or "") as source:
            table = source.table(expected=expected, key=_header_key)
            kept: list[tuple[int, list]] = []
            if table.header_line is not None:
                kept.append((table.header_line, list(table.raw_headers)))
            for line, cells in table.rows:
                kept.append((line, list(cells)))
                if len(kept) > MAX_ROWS + 1:
                    break
    except SpreadsheetRefused as error:
        if isinstance(error, CalendarImportError):
            raise
        raise CalendarImportError([error.reason]) from error
    return kept


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _DATE.match(_text(value))
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def _columns(header: list) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        label = _text(cell).lower()
        for key, names in HEADERS.items():
            if label in names and key not in found:
                found[key] = index
    if "date" not in found or "kind" not in found:
        shown = ", ".join(_text(c) for c in header if _text(c)) or "—"
        raise CalendarImportError([str(NO_HEADER % {"found": shown})])
    return found


def days_parse(rows: list[tuple[int, list]]) -> list[CalendarDay]:
    """Check every row; raise CalendarImportError listing all bad rows, or return the days
    (not saved, no calendar yet). Row numbers are those a spreadsheet shows."""
    if not rows:
        raise CalendarImportError([str(NO_ROWS)])
    header_line, header = rows[0]
    columns = _columns(header)
    if len(rows) - 1 > MAX_ROWS:
        raise CalendarImportError([str(TOO_MANY_ROWS % {"max": MAX_ROWS})])
    errors: list[str] = []
    located: list[list] = []
    days: list[CalendarDay] = []
    first_row: dict[date, int] = {}

    def cell(row: list, key: str) -> Any:
        index = columns.get(key)
        return row[index] if index is not None and index < len(row) else None

    def where(key: str) -> str:
        index = columns[key]
        return f"{_text(header[index])} ({tabular.column_letter(index)})"

    def refuse(number: int, key: str, value: Any, message: Any) -> None:
        errors.append(str(message))
        located.append(error_row(number, where(key), _text(value), message))

    for number, row in rows[1:]:
        if not any(_text(c) for c in row):
            continue
        with_nul = [key for key in columns if "\x00" in _text(cell(row, key))]
        if with_nul:  # issue 6 item 8: a database refuses NUL; say so instead of a 500
            for key in with_nul:
                label = _text(header[columns[key]])
                refuse(number, key, "", ROW_NUL % {"row": number, "column": label})
            continue
        raw_date, raw_kind, name = cell(row, "date"), cell(row, "kind"), _text(cell(row, "name"))
        day = _date(raw_date)
        kind = KINDS.get(_text(raw_kind).lower())
        if day is None:
            refuse(number, "date", raw_date, ROW_DATE % {"row": number, "value": _text(raw_date)})
        if kind is None:
            refuse(number, "kind", raw_kind, ROW_KIND % {"row": number, "value": _text(raw_kind)})
        if len(name) > 60:
            refuse(number, "name", name, ROW_NAME % {"row": number})
        if day is not None:
            if day in first_row:
                message = ROW_DUPLICATE % {"row": number, "date": day, "first": first_row[day]}
                refuse(number, "date", raw_date, message)
            else:
                first_row[day] = number
        if day is not None and kind is not None and len(name) <= 60:
            days.append(CalendarDay(date=day, kind=kind, name=name))
    if errors:
        raise CalendarImportError(errors, located)
    if not days:
        raise CalendarImportError([str(NO_ROWS)])
    return days


def calendar_days_import(
    *, calendar: Calendar, name: str, content: bytes, actor: Person | None = None
) -> ImportSummary:
    """Import holidays and make-up working days from a CSV/XLSX file into `calendar` (X-5)
    as an import batch (issue 7 item 3): all rows or none; the file's years replace the
    calendar's days of those years. A file with bad rows leaves a failed batch whose error
    report names each row (`error.batch`); a file refused as a whole leaves nothing."""
    rows = rows_read(name, content)
    batch = import_batch_create(
        company=calendar.company,
        kind=KIND,
        created_by=actor,
        filename=Path(name or "").name,
        content=content,
        meta={"calendar": calendar.pk},
    )
    try:
        days = days_parse(rows)
    except CalendarImportError as error:
        import_batch_plan(batch, errors=error.rows, counts={"rows": len(rows) - 1})
        import_batch_fail(batch, error="; ".join(error.problems)[:500])
        error.batch = batch
        raise
    years = sorted({day.date.year for day in days})
    import_batch_plan(batch, counts={"rows": len(rows) - 1, "days": len(days), "years": years})

    def apply(_batch: ImportBatch) -> dict:
        replaced, _ = CalendarDay.objects.filter(calendar=calendar, date__year__in=years).delete()
        for day in days:
            day.calendar = calendar
        CalendarDay.objects.bulk_create(days)
        event_record(
            subject=calendar,
            action=CalendarEvent.DAYS_IMPORTED,
            actor=actor,
            data={
                "file": Path(name).name[:200],
                "years": years,
                "created": len(days),
                "replaced": replaced,
                "holidays": sum(1 for d in days if d.kind == CalendarDay.Kind.HOLIDAY),
                "workdays": sum(1 for d in days if d.kind == CalendarDay.Kind.WORKDAY),
            },
        )
        return {"created": len(days), "replaced": replaced}

    result = import_batch_apply(batch, apply)
    return ImportSummary(
        created=result["created"], replaced=result["replaced"], years=years, batch=batch
    )
