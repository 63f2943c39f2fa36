"""Issue 9 item 4: `XlsxStream` writes the same table as `XlsxTable` (issue 8 item 6) —
values, types, date formats, widths, the frozen and filtered bold header — without
openpyxl's object per cell, and in flat memory."""

import datetime as dt
import io
from decimal import Decimal

from openpyxl import Workbook, load_workbook

from pinzhi.core.spreadsheets import XlsxStream, XlsxTable

UTC = dt.UTC
HEADERS = ("跟踪码", "受理时间", "件数", "主题", "备注", "日期", "金额", "是否")
ROWS = [
    ["TS-1", dt.datetime(2026, 11, 20, 1, 30, tzinfo=UTC), 3, "=2+3", " 空格 ", None, 4.5, True],
    ["TS-2", None, 0, "#N/A", "a & b < c > d\x07", dt.date(2026, 11, 21), Decimal("3.50"), False],
    ["TS-3", dt.time(9, 30), -1, "", "地下车库入口道闸坏了三天" * 3, None, None, None],
    ["TS-4"],
]


def table_cells(content: bytes):
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return {
        "title": sheet.title,
        "frozen": sheet.freeze_panes,
        "filter": sheet.auto_filter.ref,
        "bold": [cell.font.bold for cell in sheet[1]],
        "widths": {key: dim.width for key, dim in sheet.column_dimensions.items()},
        "cells": [
            [(c.value, c.data_type if c.value is not None else None, c.number_format) for c in row]
            for row in sheet.iter_rows()
        ],
    }


def through_table(rows, **options) -> bytes:
    workbook = Workbook(write_only=True)
    table = XlsxTable(workbook, title="投诉", headers=HEADERS, **options)
    for row in rows:
        table.append(row)
    table.close()
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def through_stream(rows, **options) -> bytes:
    buffer = io.BytesIO()
    with XlsxStream(buffer, title="投诉", headers=HEADERS, **options) as table:
        for row in rows:
            table.append(row)
    return buffer.getvalue()


def test_it_writes_the_same_table_as_the_openpyxl_writer():
    """Issue 9 item 4: same values (local dates, text as text — a formula or an error value
    stays text, a control character becomes U+FFFD), types, formats, widths and header."""
    assert table_cells(through_stream(ROWS)) == table_cells(through_table(ROWS))


def test_it_writes_the_same_table_marked_as_text():
    """Issue 9 item 4: with number_format="@" every cell but dates is marked as text."""
    assert table_cells(through_stream(ROWS, number_format="@")) == table_cells(
        through_table(ROWS, number_format="@")
    )


def test_it_writes_the_same_table_beyond_the_measured_rows():
    """Issue 9 item 4: rows after the first WIDTH_SAMPLE_ROWS (held back to measure the
    widths) and over several blocks are written alike, and the filter covers them all."""
    rows = [[f"TS-{n}", None, n, f"第{n}行"] for n in range(1, 1_300)]
    stream = table_cells(through_stream(rows))
    assert stream == table_cells(through_table(rows))
    assert stream["filter"] == "A1:H1300"


def test_an_empty_stream_still_has_its_header_frozen_and_filtered():
    sheet = table_cells(through_stream([]))
    assert [cell[0] for cell in sheet["cells"][0]] == list(HEADERS)
    assert sheet["frozen"] == "A2" and sheet["filter"] == "A1:H1"


class Unseekable(io.RawIOBase):
    """A response body or a pipe: written to, never sought."""

    def __init__(self):
        self.data = bytearray()

    def writable(self):
        return True

    def write(self, chunk):
        self.data += chunk
        return len(chunk)


def test_it_streams_into_a_file_that_cannot_seek():
    """Issue 9 item 4: the archive can be written straight into a stream."""
    target = Unseekable()
    with XlsxStream(target, title="投诉", headers=HEADERS) as table:
        for row in ROWS:
            table.append(row)
    assert table_cells(bytes(target.data)) == table_cells(through_table(ROWS))
