"""The one reading pipeline of every tabular import (issue 7 item 3): organisation
workbooks, historical complaints and holiday calendars are all read here, so that the same
file is read the same way and the same bad file gets the same refusal whichever import
reads it.

`tabular_open(content, filename=…)` looks at the bytes, not only at the name:

- an old Excel 97–2003 file (OLE2, starting D0 CF 11 E0) is refused, telling the person to
  save it as .xlsx; an empty file and a file that is neither a workbook nor text are
  refused;
- an .xlsx workbook goes through the bounded archive checks of `core/spreadsheets.py`
  (parts, ratios, unpacked size, text runs, shared strings, PINZHI_IMPORT_MAX_*) before
  openpyxl reads it, streamed, read-only;
- a .csv or .txt file is decoded deterministically: UTF-8 (with or without BOM) strictly,
  else GB18030 (a superset of GBK, which Chinese Excel writes); its delimiter is the one of
  comma, tab and semicolon that splits the first records most consistently (a full-width
  comma "，" is text, never a delimiter).

`source.table(sheet, expected=…)` finds the header: among the first HEADER_ROWS rows, the
row naming most of the expected column names (title rows such as 「2025年投诉台账」 and blank
rows above it are skipped), else the first row of two or more filled cells. Merged cells
are read as openpyxl's read-only mode does not: a header merged down over two rows keeps its
name, a value merged over several rows or columns is copied into every cell of its range.
Rows are streamed with their line number as the person sees it in Excel (the physical line
a CSV record starts on); empty rows are skipped and EMPTY_RUN empty rows in a row end the
table, so that a sheet whose dimension claims 65,000 or 1,048,576 rows but holds a few is
read in bounded time and memory.

Every refusal is a `SpreadsheetRefused` (a `DomainError`), with the row and column letter
when one is concerned; `locate(line, index)` gives importers the column's header and
letter for their own per-row errors.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from pinzhi.core.spreadsheets import (
    Limits,
    SpreadsheetRefused,
    SpreadsheetUnreadable,
    csv_rows,
    import_limits,
    xlsx_open,
    xlsx_rows,
)

# Consecutive empty rows that end a table: a sheet's blank tail, however long it claims to be.
EMPTY_RUN = 50
# The header is looked for among the first rows.
HEADER_ROWS = 10
# Merged ranges read from one sheet at most.
MAX_MERGED = 2_000
OLE2_MAGIC = b"\xd0\xcf\x11\xe0"
DELIMITERS = (",", "\t", ";")

FILE_EMPTY = _("The file is empty.")
FILE_OLD_XLS = _(
    "The file is in the old Excel 97–2003 format (.xls). Save it as “Excel Workbook "
    "(*.xlsx)” and upload it again."
)
FILE_NOT_XLSX = _(
    "The file is not an Excel workbook (.xlsx). A CSV or text file renamed to .xlsx does "
    "not work: open it in Excel or WPS and save it as “Excel Workbook (*.xlsx)”."
)
FILE_TYPE = _("Upload a .csv or .xlsx file (an old .xls must be saved as .xlsx first).")
FILE_ONLY_XLSX = _("Upload an Excel workbook (.xlsx).")
FILE_ENCODING = _(
    "The file's encoding is not UTF-8, GBK or GB18030; save it as UTF-8 and upload it again."
)

XLSX, CSV = "xlsx", "csv"


def header_key(text: Any) -> str:
    """Header comparison: case-, space-, '*'- and punctuation-insensitive, full-width
    brackets and colons as their half-width forms."""
    text = str(text or "").replace("（", "(").replace("）", ")")
    return re.sub(r"[\s*＊:：_\-?？()]+", "", text).casefold()


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index (0 → A)."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _empty(cells: Iterable[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


# --- text files ----------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str]:
    """Text and encoding label of a CSV file: UTF-8 (BOM or not), else GB18030 (labelled
    GBK when the file is plain GBK). A multi-byte character cut at the very end (a
    truncated file) does not disqualify an encoding. Raises SpreadsheetRefused."""
    for codec in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(codec)()
        try:
            text = decoder.decode(data, final=False)
        except UnicodeDecodeError:
            continue
        if codec == "utf-8-sig":
            label = "UTF-8 (BOM)" if data.startswith(codecs.BOM_UTF8) else "UTF-8"
        else:
            try:
                data.decode("gbk")
                label = "GBK"
            except UnicodeDecodeError:
                label = "GB18030"
        return text, label
    raise SpreadsheetRefused(FILE_ENCODING)


def sniff_delimiter(text: str) -> str:
    """The delimiter among comma, tab and semicolon that splits the first records into the
    same number (two or more) of cells most often; comma when none does."""
    sample = text[:65536]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        counts: dict[int, int] = {}
        try:
            for number, cells in enumerate(reader):
                if number >= 50:
                    break
                if len(cells) > 1:
                    counts[len(cells)] = counts.get(len(cells), 0) + 1
        except csv.Error:
            pass
        if not counts:
            continue
        width, times = max(counts.items(), key=lambda item: (item[1], item[0]))
        score = (times, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


# --- merged cells --------------------------------------------------------------------------

_MERGE_CELL = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]+[0-9]+):([A-Z]+[0-9]+)\"")
_COORDINATE = re.compile(r"([A-Z]+)([0-9]+)")


def _coordinate(text: str) -> tuple[int, int]:
    match = _COORDINATE.fullmatch(text)
    if match is None:  # the scanning pattern only captures well-formed coordinates
        raise SpreadsheetRefused(FILE_NOT_XLSX)
    letters, digits = match.groups()
    col = 0
    for letter in letters:
        col = col * 26 + ord(letter) - 64
    return int(digits), col


def _merged_ranges(workbook: Any, ws: Any) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a sheet as (min_row, min_col, max_row, max_col), 1-based:
    read-only worksheets do not parse them, so the sheet's XML is scanned for them
    (streamed in chunks, at most MAX_MERGED ranges)."""
    archive = getattr(workbook, "_archive", None)
    path = getattr(ws, "_worksheet_path", None)
    if archive is None or path is None:
        return []
    ranges: list[tuple[int, int, int, int]] = []
    tail = b""
    try:
        with archive.open(path) as source:
            while len(ranges) < MAX_MERGED:
                chunk = source.read(1 << 20)
                if not chunk:
                    break
                data = tail + chunk
                last_end = 0
                for match in _MERGE_CELL.finditer(data):
                    (r1, c1), (r2, c2) = (_coordinate(g.decode()) for g in match.groups())
                    ranges.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))
                    last_end = match.end()
                tail = data[max(last_end, len(data) - 200) :]
    except (KeyError, OSError, zipfile.BadZipFile):
        return []
    return ranges[:MAX_MERGED]


class _Merged:
    """Lookups in a sheet's merged ranges: the anchor (top-left cell) covering a cell."""

    def __init__(self, ranges: Iterable[tuple[int, int, int, int]], *, columns: int) -> None:
        self.by_column: dict[int, list[tuple[int, int, int, int]]] = {}
        self.anchors: set[tuple[int, int]] = set()
        for rng in ranges:
            min_row, min_col, max_row, max_col = rng
            self.anchors.add((min_row, min_col))
            for c in range(min_col, min(max_col, columns) + 1):
                self.by_column.setdefault(c, []).append(rng)
        self.values: dict[tuple[int, int], Any] = {}

    def remember(self, r: int, row: tuple) -> None:
        """Keep the values of the anchors in row `r` (rows are read once, in order)."""
        if not self.anchors:
            return
        for c, value in enumerate(row, start=1):
            if (r, c) in self.anchors:
                self.values[(r, c)] = value

    def anchor(self, r: int, c: int) -> tuple[int, int] | None:
        for min_row, min_col, max_row, _max_col in self.by_column.get(c, ()):
            if min_row <= r <= max_row and (r, c) != (min_row, min_col):
                return (min_row, min_col)
        return None

    def header_row(self, r: int, row: list) -> list:
        """A header cell inside a vertically merged range takes the range's value; a
        horizontally merged one stays empty (so a merge does not repeat a column)."""
        if not self.anchors:
            return row
        out = list(row)
        for c in range(1, len(out) + 1):
            if out[c - 1] is None:
                anchor = self.anchor(r, c)
                if anchor is not None and anchor[1] == c:
                    out[c - 1] = self.values.get(anchor)
        return out

    def data_row(self, r: int, row: list, *, header_line: int) -> list:
        """A merged data cell repeats its range's value — not a header merged down into
        the data rows."""
        if not self.anchors:
            return row
        out = list(row)
        width = max([len(out)] + [c for c in self.by_column if self.by_column[c]])
        out += [None] * (width - len(out))
        for c in range(1, len(out) + 1):
            if out[c - 1] is None:
                anchor = self.anchor(r, c)
                if anchor is not None and anchor[0] > header_line:
                    out[c - 1] = self.values.get(anchor)
        return out


# --- tables --------------------------------------------------------------------------------


@dataclass
class Table:
    """One sheet (or the CSV file) below its header row. `rows` streams (line, cells) of
    the data rows once; `rows_scanned` counts every row read, empty ones included."""

    sheet: str
    header_line: int | None
    headers: list[str]
    raw_headers: list[Any]
    _rows: Iterator[tuple[int, list]] = field(repr=False, default_factory=lambda: iter(()))
    rows_scanned: int = 0

    @property
    def rows(self) -> Iterator[tuple[int, list]]:
        return self._rows

    def locate(self, index: int) -> str:
        """ "header (letter)" of a 0-based column, for a per-row error."""
        letter = column_letter(index)
        header = self.headers[index] if index < len(self.headers) else ""
        return f"{header} ({letter})" if header else letter


class TabularSource:
    """An opened upload: `kind` (xlsx or csv), `encoding` and `delimiter` for text,
    `sheet_names`, and `table(sheet=…, expected=…)`. Close it (or use `with`)."""

    def __init__(self, *, kind: str, limits: Limits, text: str = "", workbook: Any = None) -> None:
        self.kind = kind
        self.limits = limits
        self.text = text
        self.workbook = workbook
        self.encoding = ""
        self.delimiter = ""

    def __enter__(self) -> TabularSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.workbook is not None:
            self.workbook.close()

    @property
    def sheet_names(self) -> list[str]:
        if self.workbook is None:
            return [""]
        return [ws.title for ws in self.workbook.worksheets]

    def table(
        self,
        sheet: str | None = None,
        *,
        expected: Iterable[str] = (),
        key: Callable[[Any], str] = header_key,
        header: bool = True,
    ) -> Table:
        """The table of `sheet` (the workbook's first sheet when None). `expected`: column
        names and aliases, compared through `key`, that find the header row. With
        `header=False`, every row is data (line 1 included). Raises SpreadsheetRefused when
        a reading limit is met (now or while rows are streamed)."""
        if self.workbook is None:
            raw = csv_rows(self.text, delimiter=self.delimiter, limits=self.limits)
            merged = _Merged([], columns=self.limits.columns)
            name = ""
        else:
            ws = self.workbook.worksheets[0]
            if sheet is not None:
                ws = next(w for w in self.workbook.worksheets if w.title == sheet)
            raw = ((n, list(cells)) for n, cells in xlsx_rows(ws, limits=self.limits))
            merged = _Merged(_merged_ranges(self.workbook, ws), columns=self.limits.columns)
            name = ws.title
        return _table(
            name, raw, merged, expected={key(e) for e in expected}, key=key, header=header
        )


def _table(
    name: str,
    raw: Iterable[tuple[int, list]],
    merged: _Merged,
    *,
    expected: set[str],
    key: Callable[[Any], str],
    header: bool,
) -> Table:
    table = Table(sheet=name, header_line=None, headers=[], raw_headers=[])
    head: list[tuple[int, list]] = []
    if header:
        for number, cells in raw:
            table.rows_scanned += 1
            merged.remember(number, tuple(cells))
            head.append((number, cells))
            if len(head) >= HEADER_ROWS:
                break
        named = [(number, merged.header_row(number, cells)) for number, cells in head]
        best, best_score = None, 0
        if expected:
            for number, cells in named:
                score = sum(1 for c in cells if c is not None and key(c) in expected)
                if score > best_score:
                    best, best_score = number, score
        if best is None:
            for number, cells in named:
                filled = sum(1 for c in cells if not _empty([c]))
                if filled >= 2 or (filled == 1 and len(cells) == 1):
                    best = number
                    break
        if best is not None:
            table.header_line = best
            row = next(cells for number, cells in named if number == best)
            table.raw_headers = list(row)
            table.headers = ["" if c is None else str(c).strip() for c in row]
            while table.headers and not table.headers[-1]:
                table.headers.pop()
    header_line = table.header_line or 0

    def stream() -> Iterator[tuple[int, list]]:
        pending = [(n, c) for n, c in head if n > header_line] if header else []

        def source() -> Iterator[tuple[int, list]]:
            yield from pending
            for number, cells in raw:
                table.rows_scanned += 1
                merged.remember(number, tuple(cells))
                yield number, cells

        empties = 0
        for number, cells in source():
            cells = merged.data_row(number, list(cells), header_line=header_line)
            if _empty(cells):
                empties += 1
                if empties >= EMPTY_RUN:
                    return
                continue
            empties = 0
            yield number, cells

    table._rows = stream()
    return table


def tabular_open(
    content: bytes,
    *,
    filename: str,
    kinds: tuple[str, ...] = (XLSX, CSV),
    limits: Limits | None = None,
) -> TabularSource:
    """Open an upload for reading (see the module docstring). `kinds` are the kinds the
    import accepts. Raises SpreadsheetRefused with the same text for the same bad file,
    whichever import calls it."""
    limits = limits or import_limits()
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""
    if not content:
        raise SpreadsheetRefused(FILE_EMPTY)
    if content.startswith(OLE2_MAGIC):
        raise SpreadsheetRefused(FILE_OLD_XLS)
    only_xlsx = kinds == (XLSX,)
    if content.startswith(b"PK\x03\x04") or suffix == "xlsx" or only_xlsx:
        if XLSX not in kinds:
            raise SpreadsheetRefused(FILE_TYPE)
        if not content.startswith(b"PK"):
            raise SpreadsheetRefused(FILE_NOT_XLSX)
        try:
            workbook = xlsx_open(content, limits=limits)
        except SpreadsheetUnreadable as error:
            raise SpreadsheetRefused(FILE_NOT_XLSX) from error
        return TabularSource(kind=XLSX, limits=limits, workbook=workbook)
    if CSV not in kinds or suffix not in ("csv", "txt"):
        raise SpreadsheetRefused(FILE_ONLY_XLSX if only_xlsx else FILE_TYPE)
    text, label = decode_text(content)
    source = TabularSource(kind=CSV, limits=limits, text=text)
    source.encoding = label
    source.delimiter = sniff_delimiter(text)
    return source
