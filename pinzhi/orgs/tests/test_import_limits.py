"""ORG-1 / X-4: reading an organisation workbook is bounded by what it contains, not by
what it claims: a tiny file with one formatted cell on the last row of the sheet is read
in a few dozen rows, long sheets are refused with the sheet and the limit named, and the
file is planned at upload and at confirmation only."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook
from openpyxl.styles import Font

from pinzhi.orgs import spreadsheets
from pinzhi.orgs.models import PendingImport, Unit
from pinzhi.orgs.spreadsheets import MAX_EMPTY_RUN, org_import_plan
from pinzhi.orgs.tests.conftest import UNIT_HEADERS, make_workbook

pytestmark = pytest.mark.django_db


def _save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def far_formatted_cell_file() -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.title = "单位"
    ws.append(UNIT_HEADERS)
    ws.append(["HQ", "总部", "部门", "", "", ""])
    ws.cell(row=1_048_576, column=1).font = Font(bold=True)  # formatted, empty
    return _save(workbook)


def test_it_reads_a_file_claiming_a_million_rows_in_a_few_rows(person_with, company):
    """ORG-1: one formatted empty cell at row 1,048,576 does not make the reader walk a
    million rows: it stops after MAX_EMPTY_RUN empty rows and plans the real data."""
    content = far_formatted_cell_file()
    assert len(content) < 10_000
    qd = person_with("quality_department")
    plan = org_import_plan(user=qd, company=company, content=content)
    assert plan.ok, plan.issues
    units = plan.sheet("units")
    assert [row.key for row in units.rows] == ["HQ"]
    assert units.rows_scanned <= 2 + MAX_EMPTY_RUN


def test_it_refuses_a_sheet_longer_than_the_limit(person_with, company, monkeypatch):
    """X-4: a sheet above the row limit is refused with a clear error naming the sheet and
    the limit (the limit is lowered here to keep the test small)."""
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 5)
    rows = [[f"U{i}", f"单位{i}", "部门", "", "", ""] for i in range(8)]
    qd = person_with("quality_department")
    plan = org_import_plan(user=qd, company=company, content=make_workbook(rows))
    [issue] = plan.issues
    assert issue.sheet == "单位" and "单位" in issue.message and "5" in issue.message
    assert plan.sheet("units").rows == []


def test_it_reads_past_short_runs_of_empty_rows(person_with, company):
    rows = [["A", "甲", "部门", "", "", ""], *[[None] * 6] * 10, ["B", "乙", "部门", "", "", ""]]
    qd = person_with("quality_department")
    plan = org_import_plan(user=qd, company=company, content=make_workbook(rows))
    assert plan.ok and [r.key for r in plan.sheet("units").rows] == ["A", "B"]


def test_it_reads_a_header_merged_over_two_rows(person_with, company):
    """Read-only reading keeps merged header cells working: a header cell merged
    vertically over two rows gives its column."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = "单位"
    ws.append(["单位编码", "单位名称", "类型", "上级单位编码"])
    ws.append([None, None, None, None])
    ws.merge_cells("A1:A2")
    ws.merge_cells("B1:B2")
    ws.merge_cells("C1:C2")
    ws.merge_cells("D1:D2")
    ws.append(["HQ", "总部", "部门", ""])
    qd = person_with("quality_department")
    plan = org_import_plan(user=qd, company=company, content=_save(workbook))
    assert plan.ok, plan.issues
    assert [r.key for r in plan.sheet("units").rows] == ["HQ"]


def test_it_plans_the_file_at_upload_and_at_confirmation_only(signed_in, monkeypatch):
    """The preview shows the plan made at upload; the confirmation plans once more."""
    calls = []
    real = spreadsheets.org_import_plan

    def counting(**kwargs):
        calls.append(1)
        return real(**kwargs)

    monkeypatch.setattr(spreadsheets, "org_import_plan", counting)
    client = signed_in("quality_department")
    content = make_workbook([["HQ", "总部", "部门", "", "", ""]])
    client.post(reverse("orgs:import_upload"), {"file": SimpleUploadedFile("o.xlsx", content)})
    html = client.get(reverse("orgs:import_preview")).content.decode()
    assert 'data-testid="create-units">1<' in html
    assert len(calls) == 1
    digest = PendingImport.objects.get().plan_digest
    client.post(reverse("orgs:import_confirm"), {"digest": digest})
    assert len(calls) == 2 and Unit.objects.filter(code="HQ").exists()


def test_a_second_confirmation_says_the_file_was_imported_already(signed_in):
    """A confirmation of an upload claimed meanwhile gets a clear message, not an error."""
    client = signed_in("quality_department")
    content = make_workbook([["HQ", "总部", "部门", "", "", ""]])
    client.post(reverse("orgs:import_upload"), {"file": SimpleUploadedFile("o.xlsx", content)})
    pending = PendingImport.objects.get()
    spreadsheets.org_import_confirm(
        user=client.person, pending=pending, expected_digest=pending.plan_digest
    )
    with pytest.raises(spreadsheets.ImportAlreadyDone):
        spreadsheets.org_import_confirm(
            user=client.person, pending=pending, expected_digest=pending.plan_digest
        )
    assert Unit.objects.filter(code="HQ").count() == 1
