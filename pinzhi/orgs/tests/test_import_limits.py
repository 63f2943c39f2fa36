"""ORG-1 / X-4: reading an organisation workbook is bounded by what it contains, not by
what it claims: a tiny file with one formatted cell on the last row of the sheet is read
in a few dozen rows, long sheets are refused with the sheet and the limit named, and the
file is planned at upload and at confirmation only."""

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook
from openpyxl.styles import Font

from pinzhi.core.models import ImportBatch
from pinzhi.core.tests.bombs import shared_string_xlsx_bytes
from pinzhi.orgs import spreadsheets
from pinzhi.orgs.models import Unit
from pinzhi.orgs.spreadsheets import MAX_EMPTY_RUN, org_import_plan
from pinzhi.orgs.tests.conftest import UNIT_HEADERS, make_workbook

pytestmark = pytest.mark.django_db


def pending_batches():
    """The organisation import batches waiting for their confirmation (issue 7 item 3)."""
    return ImportBatch.objects.filter(kind="orgs", state=ImportBatch.State.PLANNED)


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
    digest = pending_batches().get().meta["digest"]
    client.post(reverse("orgs:import_confirm"), {"digest": digest})
    assert len(calls) == 2 and Unit.objects.filter(code="HQ").exists()


def test_a_second_confirmation_says_the_file_was_imported_already(signed_in):
    """A confirmation of an upload claimed meanwhile gets a clear message, not an error."""
    client = signed_in("quality_department")
    content = make_workbook([["HQ", "总部", "部门", "", "", ""]])
    client.post(reverse("orgs:import_upload"), {"file": SimpleUploadedFile("o.xlsx", content)})
    pending = pending_batches().get()
    spreadsheets.org_import_confirm(
        user=client.person, pending=pending, expected_digest=pending.meta["digest"]
    )
    with pytest.raises(spreadsheets.ImportAlreadyDone):
        spreadsheets.org_import_confirm(
            user=client.person, pending=pending, expected_digest=pending.meta["digest"]
        )
    assert Unit.objects.filter(code="HQ").count() == 1


def test_a_decompression_bomb_is_refused_before_it_is_unpacked(person_with, company, signed_in):
    """Issue 6 item 3: the workbook's archive is checked before openpyxl unpacks it; the
    preview shows the shared refusal, naming the part and the limit."""
    content = shared_string_xlsx_bytes(size=2 * 1024 * 1024)
    qd = person_with("quality_department")
    plan = org_import_plan(user=qd, company=company, content=content)
    [issue] = plan.issues
    assert "xl/sharedStrings.xml" in issue.message and "100" in issue.message
    client = signed_in("quality_department")
    client.post(reverse("orgs:import_upload"), {"file": SimpleUploadedFile("org.xlsx", content)})
    html = client.get(reverse("orgs:import_preview")).content.decode()
    assert "xl/sharedStrings.xml" in html


def test_a_cell_too_long_is_located_by_sheet_row_and_column(person_with, company, settings):
    """Issue 6 item 3: a cell over PINZHI_IMPORT_MAX_CELL_CHARS stops the reading, with the
    sheet, row and column."""
    settings.PINZHI_IMPORT_MAX_CELL_CHARS = 50
    rows = [["HQ", "总部", "部门", "", "", ""], ["GL", "管" * 51, "管理处", "HQ", "", ""]]
    qd = person_with("quality_department")
    plan = org_import_plan(user=qd, company=company, content=make_workbook(rows))
    [issue] = plan.issues
    assert (issue.sheet, issue.row, issue.column) == ("单位", 3, "B")
    assert "50" in issue.message


def test_a_long_cell_quoted_in_many_problems_is_kept_short(person_with, company):
    """Issue 6 item 3: the plan is stored with the upload; a long value quoted by a
    problem's message is cut, so one long text in many rows cannot make it huge."""
    rows = [[f"U{i}", f"单位{i}", "类" * 20_000, "", "", ""] for i in range(5)]
    qd = person_with("quality_department")
    plan = org_import_plan(user=qd, company=company, content=make_workbook(rows))
    assert len(plan.issues) == 5
    assert all(len(issue.message) <= spreadsheets.MAX_MESSAGE for issue in plan.issues)


def test_a_unit_too_deep_for_its_path_is_reported_on_its_row(person_with, company):
    """Issue 6 item 8: the unit's materialised path is a column of at most 1000 characters
    (a database error on PostgreSQL); a unit that would sit deeper is its row's problem."""
    codes = [f"{i:02d}" + "X" * 37 for i in range(30)]  # 39 characters each
    rows = [
        [code, f"单位{i}", "部门", codes[i - 1] if i else "", "", ""]
        for i, code in enumerate(codes)
    ]
    qd = person_with("quality_department")
    plan = org_import_plan(user=qd, company=company, content=make_workbook(rows))
    # "/" + 40 characters per level: level 25 (row 26) is the first beyond 1000.
    assert [(i.row, i.column) for i in plan.issues] == [(r, "上级单位编码") for r in range(26, 32)]
    assert "1001" in plan.issues[0].message and "1000" in plan.issues[0].message


def test_a_chain_of_thousands_of_units_is_planned_quickly(person_with, company):
    """Issue 6 item 3: each unit is walked once to find cycles, depths and paths (a walk
    per unit up its whole chain was quadratic, cubic with the cycle check)."""
    rows = [[f"U{i}", f"单位{i}", "部门", f"U{i - 1}" if i else "", "", ""] for i in range(3000)]
    rows[0][3] = "U2999"  # and a cycle through all of them
    qd = person_with("quality_department")
    started = time.monotonic()
    plan = org_import_plan(user=qd, company=company, content=make_workbook(rows))
    assert time.monotonic() - started < 10
    [issue] = plan.issues
    assert issue.row == 2 and "U0 → U2999 → U2998 → " in issue.message


def test_a_file_of_millions_of_bad_values_lists_a_few_hundred_problems(person_with, company):
    """Issue 6 item 3: every unknown value of a roles cell is a problem; the preview lists the
    first few hundred and counts the rest, so memory and the stored preview stay small."""
    roles = ",".join(f"r{n}" for n in range(3000))
    people = [[f"user{n}", "张三", "", "HQ", "", "", "", roles, "", "是"] for n in range(3)]
    plan = org_import_plan(
        content=make_workbook(units=[["HQ", "总部", "部门", "", "", "是"]], people=people),
        user=person_with("quality_department"),
        company=company,
    )
    assert len(plan.issues) == spreadsheets.MAX_ISSUES + 1
    assert "8500" in plan.issues[-1].message
    assert len(str(spreadsheets.plan_summary(plan))) < 500_000
