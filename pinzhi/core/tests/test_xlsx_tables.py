"""Issue 8 item 6: every exported sheet is a table a quality manager can work with at once:
dates as Excel dates in local time, numbers as numbers, columns as wide as their text
(a Chinese character counting twice), the header frozen and filtered."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

from openpyxl import Workbook, load_workbook

from pinzhi.core.spreadsheets import WIDTH_MAX, XlsxTable, text_width

UTC = dt.UTC


def written(rows, *, write_only=True, headers=("跟踪码", "受理时间", "件数", "主题")):
    workbook = Workbook(write_only=write_only)
    table = XlsxTable(
        workbook,
        title="投诉",
        headers=headers,
        sheet=None if write_only else workbook.active,
    )
    for row in rows:
        table.append(row)
    table.close()
    buffer = io.BytesIO()
    workbook.save(buffer)
    return load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]


def test_it_writes_times_as_local_excel_dates_with_a_date_format():
    """Issue 8 item 6: an aware time is written in the company's local time (Asia/Shanghai),
    as a date cell with a date format, never as text; a date keeps a date format."""
    received = dt.datetime(2026, 11, 20, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
    sheet = written(
        [["TS-1", received, 3, "夜间巡逻不到位"], ["TS-2", dt.date(2026, 11, 21), 4.5, ""]]
    )
    first, second = sheet["B2"], sheet["B3"]
    assert first.is_date and first.value == dt.datetime(2026, 11, 20, 9, 30)
    assert first.number_format == "yyyy-mm-dd hh:mm"
    assert second.is_date and second.number_format == "yyyy-mm-dd"
    assert received.astimezone(ZoneInfo("Asia/Shanghai")).hour == first.value.hour


def test_it_writes_numbers_as_numbers_and_text_as_text():
    """Issue 8 item 6: counts are numbers Excel can sum; text stays text."""
    sheet = written([["TS-1", None, 3, "=2+3"], ["TS-2", None, 4.5, "0012"]])
    assert sheet["C2"].data_type == "n" and sheet["C2"].value == 3
    assert sheet["C3"].value == 4.5
    assert sheet["D2"].data_type == "s" and sheet["D2"].value == "=2+3"
    assert sheet["D3"].value == "0012"


def test_it_freezes_and_filters_the_header_row():
    """Issue 8 item 6: the header stays in view while scrolling and every column filters."""
    for write_only in (True, False):
        sheet = written([["TS-1", None, 1, "a"], ["TS-2", None, 2, "b"]], write_only=write_only)
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == "A1:D3"
        assert sheet["A1"].font.bold


def test_it_measures_column_widths_counting_a_chinese_character_twice():
    """Issue 8 item 6: a column is as wide as its longest text among the first rows, a
    Chinese character taking two widths, within a sensible maximum."""
    subject = "地下车库入口道闸坏了三天"  # 12 characters, 24 widths
    sheet = written(
        [
            ["TS-0001", dt.datetime(2026, 11, 20, tzinfo=UTC), 1, subject],
            ["TS-0002", None, 2, "长" * 200],
        ],
        headers=("跟踪码", "受理时间", "件数", "主题"),
    )
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCD"}
    assert widths["B"] >= len("2026-11-20 09:30")
    assert widths["A"] >= text_width("跟踪码") and widths["A"] < 20
    assert widths["D"] == WIDTH_MAX
    shorter = written([["TS-1", None, 1, subject]])
    assert shorter.column_dimensions["D"].width >= text_width(subject) == 24
    assert shorter.column_dimensions["D"].width < 30


def test_an_empty_table_still_has_its_header_frozen_and_filtered():
    sheet = written([])
    assert [cell.value for cell in sheet[1]] == ["跟踪码", "受理时间", "件数", "主题"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:D1"
