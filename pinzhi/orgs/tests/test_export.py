"""X-4 / ORG-1: the organisation exported to Excel, scoped to the exporter, and back."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from pinzhi.orgs import services
from pinzhi.orgs.spreadsheets import (
    org_import_plan,
    org_workbook_export,
    org_workbook_template,
)
from pinzhi.orgs.tests.conftest import PEOPLE_HEADERS, UNIT_HEADERS, read_workbook
from pinzhi.orgs.tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staffed(tree, person_with):
    post = PostFactory(unit=tree["XQ1"], code="GJ", name="管家")
    housekeeper = person_with(
        "service_staff", unit=tree["XQ1"], post=post, full_name="管家乙", phone="13700001111"
    )
    services.role_assign(person=housekeeper, role="inspector", scope=[tree["KF1"], tree["XQ1"]])
    person_with("customer", unit=tree["XQ1"], full_name="王小明", phone="13912345678")
    person_with(unit=tree["KF1"], full_name="无角色", phone="")
    return tree


def test_it_exports_units_posts_and_people_with_chinese_headers(staffed, person_with, company):
    qd = person_with("quality_department")
    sheets = read_workbook(org_workbook_export(user=qd, company=company))
    assert list(sheets) == ["单位", "岗位", "人员"]
    assert sheets["单位"][0] == UNIT_HEADERS
    assert ["XQ1", "阳光花园", "小区", "WY", "否", "是"] in sheets["单位"]
    assert sheets["岗位"][1] == ["XQ1", "GJ", "管家", None]
    assert sheets["人员"][0] == PEOPLE_HEADERS
    rows = [row for row in sheets["人员"] if row[1] == "管家乙"]
    assert sorted((row[7], row[8]) for row in rows) == [
        ("服务人员", "XQ1"),
        ("监督检查人员", "KF1,XQ1"),
    ]


def test_it_masks_customers_in_the_export(staffed, person_with, company):
    """ORG-3: customers' personal data leaves the system masked."""
    qd = person_with("quality_department")
    people = read_workbook(org_workbook_export(user=qd, company=company))["人员"]
    [customer] = [row for row in people if row[7] == "客户"]
    assert (customer[1], customer[5]) == ("王**", "139********")


def test_it_exports_only_what_the_exporter_sees(staffed, person_with, company):
    """ORG-2: a department manager's export holds their subtree only."""
    manager = person_with("department_manager", unit=staffed["KF"])
    sheets = read_workbook(org_workbook_export(user=manager, company=company))
    assert [row[0] for row in sheets["单位"][1:]] == ["KF", "KF1"]
    assert sheets["岗位"][1:] == []
    assert "管家乙" not in {row[1] for row in sheets["人员"]}


def test_it_imports_its_own_export_without_changes(staffed, person_with, company):
    """Round trip: export → import = no changes, masked customers included."""
    qd = person_with("quality_department")
    plan = org_import_plan(
        user=qd, company=company, content=org_workbook_export(user=qd, company=company)
    )
    assert plan.ok, plan.issues
    assert not plan.has_changes, [(s.name, s.changed_rows) for s in plan.sheets]
    assert plan.sheet("people").unchanged >= 4


def test_it_offers_a_blank_template_that_imports_as_nothing(person_with, company):
    qd = person_with("quality_department")
    content = org_workbook_template()
    sheets = read_workbook(content)
    assert sheets["单位"] == [UNIT_HEADERS] and "说明" in sheets
    plan = org_import_plan(user=qd, company=company, content=content)
    assert plan.ok and not plan.has_changes


def test_it_downloads_the_export_as_xlsx(staffed, signed_in):
    client = signed_in("leadership")
    response = client.get(reverse("orgs:export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert "单位" in read_workbook(response.content)


def test_a_name_like_a_formula_is_exported_as_text(tree, person_with, company):
    """Issue 6 item 6: a name "=2+3" or "=HYPERLINK(…)" is a text cell in the export,
    shown verbatim, never a live formula; so is every other text cell."""
    person_with(unit=tree["KF1"], full_name="=2+3", employee_no='=HYPERLINK("http://x")')
    qd = person_with("quality_department")
    content = org_workbook_export(user=qd, company=company)
    workbook = load_workbook(io.BytesIO(content))
    cells = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row]
    assert {c.data_type for c in cells if c.value is not None} == {"s"}
    values = {c.value for c in cells}
    assert "=2+3" in values and '=HYPERLINK("http://x")' in values


def test_each_sheet_of_the_export_is_a_frozen_filtered_table(staffed, person_with, company):
    """Issue 8 item 6: every sheet of the organisation export has its header frozen and
    filtered and its columns measured (the name column fits 管家乙, the phone column its
    number); codes stay text."""
    qd = person_with("quality_department")
    workbook = load_workbook(io.BytesIO(org_workbook_export(user=qd, company=company)))
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref.startswith("A1:")
        assert sheet["A1"].font.bold
    people = workbook["人员"]
    assert people.auto_filter.ref.endswith(str(people.max_row))
    assert all(people.column_dimensions[c].width >= 8 for c in "ABCDEFG")
    template = load_workbook(io.BytesIO(org_workbook_template()))
    assert all(sheet.freeze_panes == "A2" for sheet in template.worksheets)
