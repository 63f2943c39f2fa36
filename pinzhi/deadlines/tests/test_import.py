"""X-5, X-4: importing a year's holidays — all rows or none, every bad row explained."""

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from pinzhi.deadlines.importing import CalendarImportError, calendar_days_import
from pinzhi.deadlines.models import Calendar, CalendarDay

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "cn-holidays-2026.csv"


@pytest.fixture
def calendar(db):
    return Calendar.objects.create(code="office", name="办公时间")


def csv_bytes(text: str) -> bytes:
    return text.encode("utf-8")


def test_it_imports_the_shipped_2026_arrangement(calendar):
    """X-5: the State Council's 2026 holidays ship with the package."""
    summary = calendar_days_import(
        calendar=calendar, name=SHIPPED.name, content=SHIPPED.read_bytes()
    )
    assert summary.years == [2026]
    days = {d.date: (d.kind, d.name) for d in calendar.days.all()}
    assert days[date(2026, 1, 1)] == ("holiday", "元旦")
    assert days[date(2026, 1, 4)][0] == "workday"
    assert all(days[date(2026, 2, d)][0] == "holiday" for d in range(15, 24))
    assert {d for d, (k, _) in days.items() if k == "workday"} == {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    }
    assert sum(1 for k, _ in days.values() if k == "holiday") == 33
    assert all(days[date(2026, 10, d)][0] == "holiday" for d in range(1, 8))


def test_it_reads_xlsx_with_english_headers_and_date_cells(calendar):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["date", "kind", "name"])
    sheet.append([date(2027, 1, 1), "holiday", "New Year"])
    sheet.append(["2027/2/6", "workday", "make-up"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    summary = calendar_days_import(calendar=calendar, name="2027.xlsx", content=buffer.getvalue())
    assert summary.created == 2
    assert calendar.days.get(date=date(2027, 2, 6)).kind == CalendarDay.Kind.WORKDAY


def test_it_reports_every_bad_row_and_imports_nothing(calendar):
    CalendarDay.objects.create(
        calendar=calendar, date=date(2026, 1, 1), kind="holiday", name="元旦"
    )
    content = csv_bytes(
        "日期,类型,名称\n"
        "2026-05-01,放假,劳动节\n"
        "2026-13-01,放假,坏日期\n"
        "2026-05-09,上课,调休\n"
        "\n"
        "2026-05-01,放假,重复\n"
    )
    with pytest.raises(CalendarImportError) as refused:
        calendar_days_import(calendar=calendar, name="days.csv", content=content)
    assert refused.value.problems == [
        "Row 3: “2026-13-01” is not a date; write it as 2026-10-01.",
        "Row 4: “上课” is not a kind; write 放假 (holiday) or 调休上班 (make-up working day).",
        "Row 6: 2026-05-01 is already given in row 2.",
    ]
    assert list(calendar.days.values_list("name", flat=True)) == ["元旦"]


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("days.pdf", b"x", r"Upload a \.csv or \.xlsx file"),
        ("days.csv", "时间,备注\n".encode(), "must name the columns"),
        ("days.csv", "日期,类型\n".encode(), "no days"),
        ("days.csv", b"\xff\xfe\x00\x00\xff", "encoding is not UTF-8, GBK or GB18030"),
        ("days.xlsx", b"not a zip", "is not an Excel workbook"),
        ("days.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "old Excel 97"),
    ],
)
def test_it_refuses_an_unusable_file(calendar, name, content, message):
    with pytest.raises(CalendarImportError, match=message):
        calendar_days_import(calendar=calendar, name=name, content=content)


def test_a_new_file_replaces_the_days_of_its_year_only(calendar):
    CalendarDay.objects.create(calendar=calendar, date=date(2026, 3, 3), kind="holiday")
    CalendarDay.objects.create(calendar=calendar, date=date(2025, 10, 1), kind="holiday")
    content = "日期,类型,名称\n2026-10-01,放假,国庆节\n".encode("gb18030")
    summary = calendar_days_import(calendar=calendar, name="d.csv", content=content)
    assert summary.replaced == 1
    assert sorted(calendar.days.values_list("date", flat=True)) == [
        date(2025, 10, 1),
        date(2026, 10, 1),
    ]


def test_the_command_imports_a_file(db, capsys):
    call_command("calendar", "import", "office", str(SHIPPED), "--create", "办公时间")
    assert Calendar.objects.get(code="office").days.count() == 39
    assert "imported 39 days for 2026" in capsys.readouterr().out


def test_the_command_explains_a_refused_file(db, tmp_path):
    call_command("calendar", "create", "office", "办公时间")
    bad = tmp_path / "bad.csv"
    bad.write_text("日期,类型\n2026-02-30,放假\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Row 2: “2026-02-30” is not a date"):
        call_command("calendar", "import", "office", str(bad))
    with pytest.raises(CommandError, match="No shared calendar with code 'nope'"):
        call_command("calendar", "import", "nope", str(bad))
