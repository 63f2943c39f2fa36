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

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from pinzhi.core.spreadsheets import (
    SpreadsheetRefused,
    SpreadsheetUnreadable,
    csv_rows,
    xlsx_open,
    xlsx_rows,
)
from pinzhi.deadlines.events import CalendarEvent
from pinzhi.deadlines.models import Calendar, CalendarDay
from pinzhi.timeline.services import event_record

MAX_ROWS = 2000
MAX_BYTES = 2 * 1024 * 1024

FILE_TYPE = _("“%(name)s” is not a CSV or XLSX file.")
FILE_TOO_BIG = _("The file is larger than 2 MB; a year of holidays fits in far less.")
FILE_UNREADABLE = _("The file could not be read: %(reason)s")
FILE_ENCODING = _("The CSV file is neither UTF-8 nor GB18030 text.")
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


class CalendarImportError(Exception):
    """The file was refused; `errors` lists every problem found, row by row."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


@dataclass
class ImportSummary:
    created: int = 0
    replaced: int = 0
    years: list[int] = field(default_factory=list)


def _bounded(rows) -> list[list]:
    """The rows, header included, but at most MAX_ROWS + 2 of them: one more than allowed,
    so that days_parse refuses the file naming the limit without the rest being read."""
    kept: list[list] = []
    for _number, cells in rows:
        kept.append(list(cells))
        if len(kept) > MAX_ROWS + 1:
            break
    return kept


def _cells_csv(content: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise CalendarImportError([str(FILE_ENCODING)])
    try:
        return _bounded(csv_rows(text))
    except SpreadsheetRefused as error:
        raise CalendarImportError([error.message]) from error


def _cells_xlsx(content: bytes) -> list[list]:
    try:
        workbook = xlsx_open(content)
    except SpreadsheetUnreadable as error:
        reason = error.__cause__ or error.message
        raise CalendarImportError([str(FILE_UNREADABLE % {"reason": reason})]) from error
    except SpreadsheetRefused as error:
        raise CalendarImportError([error.message]) from error
    try:
        return _bounded(xlsx_rows(workbook.worksheets[0]))
    except SpreadsheetRefused as error:
        raise CalendarImportError([error.message]) from error
    finally:
        workbook.close()


def rows_read(name: str, content: bytes) -> list[list]:
    """The cells of a CSV or XLSX file, first sheet, as lists (within the reading limits)."""
    if len(content) > MAX_BYTES:
        raise CalendarImportError([str(FILE_TOO_BIG)])
    suffix = Path(name or "").suffix.lower()
    if suffix == ".csv":
        return _cells_csv(content)
    if suffix == ".xlsx":
        return _cells_xlsx(content)
    raise CalendarImportError([str(FILE_TYPE % {"name": name})])


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _date(value) -> date | None:
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
    found = {}
    for index, cell in enumerate(header):
        label = _text(cell).lower()
        for key, names in HEADERS.items():
            if label in names and key not in found:
                found[key] = index
    if "date" not in found or "kind" not in found:
        shown = ", ".join(_text(c) for c in header if _text(c)) or "—"
        raise CalendarImportError([str(NO_HEADER % {"found": shown})])
    return found


def days_parse(rows: list[list]) -> list[CalendarDay]:
    """Check every row; raise CalendarImportError listing all bad rows, or return the days
    (not saved, no calendar yet). Row numbers are those a spreadsheet shows (header = 1)."""
    if not rows:
        raise CalendarImportError([str(NO_ROWS)])
    columns = _columns(rows[0])
    if len(rows) - 1 > MAX_ROWS:
        raise CalendarImportError([str(TOO_MANY_ROWS % {"max": MAX_ROWS})])
    errors: list[str] = []
    days: list[CalendarDay] = []
    first_row: dict[date, int] = {}

    def cell(row: list, key: str):
        index = columns.get(key)
        return row[index] if index is not None and index < len(row) else None

    for number, row in enumerate(rows[1:], start=2):
        if not any(_text(c) for c in row):
            continue
        with_nul = [key for key in columns if "\x00" in _text(cell(row, key))]
        if with_nul:  # issue 6 item 8: a database refuses NUL; say so instead of a 500
            for key in with_nul:
                label = _text(rows[0][columns[key]])
                errors.append(str(ROW_NUL % {"row": number, "column": label}))
            continue
        raw_date, raw_kind, name = cell(row, "date"), cell(row, "kind"), _text(cell(row, "name"))
        day = _date(raw_date)
        kind = KINDS.get(_text(raw_kind).lower())
        if day is None:
            errors.append(str(ROW_DATE % {"row": number, "value": _text(raw_date)}))
        if kind is None:
            errors.append(str(ROW_KIND % {"row": number, "value": _text(raw_kind)}))
        if len(name) > 60:
            errors.append(str(ROW_NAME % {"row": number}))
        if day is not None:
            if day in first_row:
                errors.append(
                    str(ROW_DUPLICATE % {"row": number, "date": day, "first": first_row[day]})
                )
            else:
                first_row[day] = number
        if day is not None and kind is not None and len(name) <= 60:
            days.append(CalendarDay(date=day, kind=kind, name=name))
    if errors:
        raise CalendarImportError(errors)
    if not days:
        raise CalendarImportError([str(NO_ROWS)])
    return days


@transaction.atomic
def calendar_days_import(
    *, calendar: Calendar, name: str, content: bytes, actor=None
) -> ImportSummary:
    """Import holidays and make-up working days from a CSV/XLSX file into `calendar` (X-5):
    all rows or none; the file's years replace the calendar's days of those years."""
    days = days_parse(rows_read(name, content))
    years = sorted({day.date.year for day in days})
    replaced, _ = CalendarDay.objects.filter(calendar=calendar, date__year__in=years).delete()
    for day in days:
        day.calendar = calendar
    CalendarDay.objects.bulk_create(days)
    summary = ImportSummary(created=len(days), replaced=replaced, years=years)
    event_record(
        subject=calendar,
        action=CalendarEvent.DAYS_IMPORTED,
        actor=actor,
        data={
            "file": Path(name).name[:200],
            "years": years,
            "created": summary.created,
            "replaced": summary.replaced,
            "holidays": sum(1 for d in days if d.kind == CalendarDay.Kind.HOLIDAY),
            "workdays": sum(1 for d in days if d.kind == CalendarDay.Kind.WORKDAY),
        },
    )
    return summary
