"""Issue 6 items 3 and 8: the holiday import reads its file within the shared limits and
answers bad input with a row's message and a 400, writing nothing."""

import io
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from pinzhi.core.spreadsheets import PART_RATIO
from pinzhi.core.tests.bombs import shared_string_xlsx_bytes
from pinzhi.deadlines.importing import (
    FILE_TOO_BIG,
    MAX_BYTES,
    MAX_ROWS,
    ROW_NUL,
    TOO_MANY_ROWS,
    CalendarImportError,
    calendar_days_import,
)
from pinzhi.deadlines.models import Calendar

MB = 1024 * 1024


@pytest.fixture
def calendar(unit):
    """A calendar of the company of the people `signed_in` makes."""
    return Calendar.objects.create(code="office", name="办公时间", company=unit.company)


def post(client, name: str, content: bytes):
    upload = SimpleUploadedFile(name, content)
    return client.post(
        reverse("deadlines:calendar_import", args=[Calendar.objects.get(code="office").pk]),
        {"file": upload},
    )


def shown(response, message) -> str:
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        return str(message)


def test_a_nul_in_a_calendar_csv_is_a_row_error_not_a_server_error(signed_in, calendar):
    """Issue 6 item 8: a NUL byte in a row (which PostgreSQL refuses) gets the row, the
    column and why, with a 400; nothing is written."""
    client = signed_in("quality_department")
    content = "日期,类型,名称\n2026-10-01,放假,国庆节\n2026-10-02,放假,国\x00庆\n".encode()
    response = post(client, "2026.csv", content)
    assert response.status_code == 400
    expected = shown(response, ROW_NUL % {"row": 3, "column": "名称"})
    assert expected in response.content.decode()
    assert not calendar.days.exists()


def test_a_decompression_bomb_is_refused_on_the_calendar_page(signed_in, calendar):
    """Issue 6 item 3: a 1000:1 part is refused with the shared message, nothing read."""
    client = signed_in("quality_department")
    response = post(client, "2026.xlsx", shared_string_xlsx_bytes(size=2 * MB))
    assert response.status_code == 400
    (error,) = response.context["import_errors"]
    ratio = re.search(r"\d+", error.split("”", 1)[1]).group()  # about 1000
    assert int(ratio) > 500
    expected = PART_RATIO % {"part": "xl/sharedStrings.xml", "ratio": ratio, "max": 100}
    assert error == shown(response, expected)
    assert not calendar.days.exists()


def test_an_oversized_upload_is_refused_without_being_read_whole(signed_in, calendar):
    """Issue 6 item 3: the page reads one byte more than the limit, not the whole upload."""
    client = signed_in("quality_department")
    response = post(client, "2026.csv", b"x" * (MAX_BYTES + 10))
    assert response.status_code == 400
    assert shown(response, FILE_TOO_BIG) in response.content.decode()


def test_a_sheet_claiming_a_million_rows_is_read_in_a_few_rows(calendar):
    """Issue 6 item 3, issue 7 item 3: one cell on the last row of a sheet does not make the
    reader build a million rows: the shared reader ends the table after a run of empty rows,
    so the stray cell is never reached and the day above it imports."""
    import time

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["日期", "类型"])
    sheet.append([date(2027, 1, 1), "放假"])
    sheet.cell(row=1_048_576, column=1, value="x")
    buffer = io.BytesIO()
    workbook.save(buffer)
    started = time.monotonic()
    summary = calendar_days_import(calendar=calendar, name="2027.xlsx", content=buffer.getvalue())
    assert time.monotonic() - started < 5
    assert summary.created == 1 and summary.years == [2027]


def test_a_file_of_more_rows_than_allowed_is_refused_naming_the_limit(calendar):
    """Issue 6 item 3: a file longer than MAX_ROWS is refused, naming the limit."""
    lines = "".join(f"2026-01-01,放假,{n}\n" for n in range(MAX_ROWS + 5))
    content = ("日期,类型,名称\n" + lines).encode()
    with pytest.raises(CalendarImportError) as refused:
        calendar_days_import(calendar=calendar, name="many.csv", content=content)
    assert refused.value.problems == [str(TOO_MANY_ROWS % {"max": MAX_ROWS})]


def test_a_refused_calendar_file_offers_its_error_report(signed_in, calendar):
    """Issue 7 item 3: the refused rows of a holiday file are kept as a failed import batch
    whose .xlsx report names each row, column, value and reason."""
    from openpyxl import load_workbook

    client = signed_in("quality_department")
    content = (
        "2026年节假日安排\n日期,类型,名称\n2026-10-01,放假,国庆节\n2026-13-01,上课,坏\n".encode()
    )
    response = post(client, "2026.csv", content)
    assert response.status_code == 400
    batch = response.context["import_batch"]
    assert batch.state == batch.State.FAILED and not calendar.days.exists()
    url = reverse("deadlines:calendar_import_errors", args=[calendar.pk, batch.token])
    assert url in response.content.decode()
    report = client.get(url)
    rows = list(load_workbook(io.BytesIO(report.content)).worksheets[0].iter_rows(values_only=True))
    assert [row[:3] for row in rows[1:]] == [(4, "日期 (A)", "2026-13-01"), (4, "类型 (B)", "上课")]
