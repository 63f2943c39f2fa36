"""Issue 9 item 4: the fast export (rows read with `values_list`, labels and masking decided
once per export, the workbook streamed by `XlsxStream`) writes the same cells as the export
did before — the complaint objects, `shown_customer` per row and openpyxl's writer — for
every kind of viewer, and its query count does not grow with the rows."""

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override, pgettext
from openpyxl import Workbook, load_workbook

from pinzhi.complaints import export, search
from pinzhi.complaints.models import Complaint, Severity
from pinzhi.complaints.tests.steps import route, route_and_assign
from pinzhi.complaints.tests.test_print import handled
from pinzhi.core.spreadsheets import XlsxTable
from pinzhi.orgs.tests.factories import person_in_role


def _before_row(user, complaint: Complaint) -> list:
    """The row as the export wrote it before issue 9 (kept here as the reference)."""
    shown = search.shown_customer(user, complaint)
    return [
        complaint.tracking_code,
        complaint.received_at,
        complaint.get_status_display(),
        complaint.get_channel_display(),
        complaint.get_category_display(),
        complaint.get_severity_display(),
        complaint.location.name if complaint.location else "",
        complaint.department.name if complaint.department else "",
        shown["title"],
        shown["content"],
        shown["request"],
        shown["name"],
        shown["phone"],
        shown["email"],
        shown["address"],
        str(complaint.owner or ""),
        str(complaint.handler or ""),
        complaint.resolved_at,
        complaint.closed_at,
        _("yes") if getattr(complaint, "is_overdue", False) else "",
        complaint.repeat_of.tracking_code if complaint.repeat_of else "",
    ]


def before_workbook(user) -> bytes:
    """The workbook the export wrote before issue 9: openpyxl, one object per complaint."""
    workbook = Workbook(write_only=True)
    headers = [
        _("tracking code"),
        _("received at"),
        _("status"),
        _("channel"),
        _("category"),
        _("severity"),
        _("estate / site"),
        _("department complained about"),
        pgettext("complaint", "subject"),
        _("complaint content"),
        _("customer's request"),
        _("customer name"),
        _("contact phone"),
        _("e-mail"),
        _("address"),
        _("first-contact owner"),
        _("handler"),
        _("resolved at"),
        _("closed at"),
        _("overdue"),
        _("repeat of"),
    ]
    table = XlsxTable(workbook, title=_("Complaints"), headers=headers)
    complaints = search.complaints_filtered(user, {}).qs
    queryset = complaints.select_related(
        "location", "department", "owner", "handler", "repeat_of"
    ).prefetch_related("letters")
    for complaint in queryset:
        table.append(_before_row(user, complaint))
    table.close()
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def cells(content: bytes) -> list[list[tuple]]:
    """Every cell's value, type and number format (an empty cell has no type)."""
    sheet = load_workbook(io.BytesIO(content)).active
    return [
        [
            (cell.value, cell.data_type if cell.value is not None else None, cell.number_format)
            for cell in row
        ]
        for row in sheet.iter_rows()
    ]


def layout(content: bytes) -> dict:
    sheet = load_workbook(io.BytesIO(content)).active
    return {
        "title": sheet.title,
        "frozen": sheet.freeze_panes,
        "filter": sheet.auto_filter.ref,
        "widths": {key: dim.width for key, dim in sheet.column_dimensions.items()},
        "bold": [cell.font.bold for cell in sheet[1]],
    }


@pytest.fixture
def cases(clock, org, register):
    """Cases in every situation a row can be in: new at the estate; routed to 安保部 and
    handled by its staff; routed to 安保部, then routed again to 客服部 (the first head no
    longer handles it); closed; urgent, with a formula and odd characters in its text; a
    repeat; without an estate; and overdue (the clock moved past the first-contact limit)."""
    register(
        title="独孤求败 13933330001 漏水",
        content="业主独孤求败（电话13933330001）反映翠湖花园3栋1单元502楼上漏水",
        customer_name="独孤求败",
        customer_phone="13933330001",
        customer_email="dugu@example.com",
    )
    route_and_assign(org, register(customer_phone="13600000001"))
    rerouted = register(customer_phone="13600000002", content="门禁卡失灵，保安不给开门")
    route(org, rerouted)
    route(org, rerouted, department=org.kf, head=org.other_head)
    handled(org, register(customer_phone="13600000003", content="车库道闸坏了三天"))
    register(
        title='=HYPERLINK("http://evil.example/","点")',
        content=" 前后有空格 & <标签> \x07 ",
        customer_name="=2+3",
        severity=Severity.URGENT,
        customer_phone="0571-87654321",
    )
    register()  # the same customer and text again: a repeat
    register(location=None, customer_phone="13600000004", customer_address="")
    clock.shift(timedelta(hours=2))
    assert Complaint.objects.exclude(repeat_of=None).exists()


VIEWERS = ["quality", "committee", "head", "other_head", "handler", "registrar", "inspector"]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_it_exports_the_same_cells_as_before_for_every_viewer(clock, org, client, cases, viewer):
    """Issue 9 item 4, ORG-3: for the quality department (every customer in clear), the
    committee (every customer masked), the head a letter went to, the head of a superseded
    letter, the handler, the estate's front line and an inspector, the fast export's
    workbook holds exactly the cells — values, types, date formats — and the layout of the
    workbook written before, masked row by row as before."""
    if viewer == "inspector":
        user = person_in_role("inspector", "inspector", org.hq, [org.estate])
    else:
        user = getattr(org, viewer)
    with override("zh-hans"):
        expected = before_workbook(user)
    client.force_login(user)
    response = client.get(reverse("complaints:export"))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert cells(content) == cells(expected)
    assert layout(content) == layout(expected)
    assert len(cells(content)) > 1


def test_it_masks_some_rows_and_not_others_for_the_same_viewer(clock, org, client, cases):
    """Issue 9 item 4, ORG-3: masking is still decided per row for a viewer who handles some
    cases only: the head sees the customer of the case he handles, not the others'."""
    client.force_login(org.head)
    rows = cells(b"".join(client.get(reverse("complaints:export")).streaming_content))[1:]
    phones = {row[12][0] for row in rows}
    assert "13600000001" in phones  # routed to him and assigned by him
    assert "136********" in phones  # the others' customers


def test_its_query_count_does_not_grow_with_the_rows(clock, org, client, register):
    """Issue 9 item 4: no query per row (labels, people, units, letters, deadlines are read
    in the one query of the rows), for a viewer seeing everything and one masked per row."""
    for viewer in (org.quality, org.head):
        client.force_login(viewer)
        counts = []
        for _round in range(2):
            for number in range(5):
                complaint = register(customer_phone=f"1360000{len(counts)}{number:03d}")
                route(org, complaint)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(reverse("complaints:export"))
                b"".join(response.streaming_content)
            counts.append(len(queries))
        assert counts[0] == counts[1]


def test_the_service_writes_the_rows_it_counts_and_reports_progress(clock, org, cases, monkeypatch):
    """Issue 9 item 4: `complaints_workbook` returns the rows written and calls `progress`
    every PROGRESS_EVERY rows (a worker's export shows it)."""
    monkeypatch.setattr(export, "PROGRESS_EVERY", 2)
    seen = []
    buffer = io.BytesIO()
    complaints = search.complaints_filtered(org.quality, {}).qs
    written = export.complaints_workbook(org.quality, complaints, buffer, progress=seen.append)
    assert written == complaints.count() == len(cells(buffer.getvalue())) - 1
    assert seen == list(range(2, written + 1, 2))


def test_it_holds_at_most_the_cap(clock, org, cases, settings):
    """Issue 9 item 4: an export never holds more than PINZHI_EXPORT_MAX_ROWS rows."""
    settings.PINZHI_EXPORT_MAX_ROWS = 3
    buffer = io.BytesIO()
    complaints = search.complaints_filtered(org.quality, {}).qs
    assert export.complaints_workbook(org.quality, complaints, buffer) == 3


def test_a_status_unknown_to_the_choices_is_written_as_stored(clock, org, register):
    """Issue 9 item 4: a value the choices do not know (an older policy's status) appears
    as stored, as `get_status_display` showed it."""
    complaint = register()
    Complaint.objects.filter(pk=complaint.pk).update(status="legacy")
    buffer = io.BytesIO()
    complaints = search.complaints_filtered(org.quality, {}).qs
    export.complaints_workbook(org.quality, complaints, buffer)
    assert cells(buffer.getvalue())[1][2][0] == "legacy"
