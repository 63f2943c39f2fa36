"""ORG-1/ORG-2: the organisation tree and its people imported from Excel — previewed,
then all or nothing, with every bad row reported by sheet, row, column and reason."""

import io

import pytest
from openpyxl import Workbook

from pinzhi.orgs.models import Person, Post, Unit
from pinzhi.orgs.spreadsheets import ImportRejected, org_import_apply, org_import_plan
from pinzhi.orgs.tests.conftest import make_workbook
from pinzhi.timeline.models import Event

pytestmark = pytest.mark.django_db

UNITS = [
    ["HQ", "总部", "部门", "", "否", "是"],
    ["ZL", "质量管理部", "部门", "HQ", "是", "是"],
    ["GL1", "第一管理处", "管理处", "HQ", "", ""],
    ["XQ1", "阳光花园", "小区", "GL1", "", ""],
]
POSTS = [
    ["GL1", "JL", "管理处经理", "全面负责"],
    ["XQ1", "GJ", "管家", ""],
]
PEOPLE = [
    ["zhangsan", "张三", "1001", "GL1", "JL", 13800138000.0, "", "部门经理", "GL1", "是"],
    ["zhangsan", "张三", "1001", "GL1", "JL", 13800138000.0, "", "inspector", "XQ1，GL1", "是"],
    ["lisi", "李四", 1002, "XQ1", "GJ", "0755-12345678", "lisi@example.com", "服务人员", "", ""],
]


@pytest.fixture
def qd(person_with, company):
    return person_with("quality_department")


def good_file():
    return make_workbook(UNITS, POSTS, PEOPLE)


def test_it_previews_a_good_file_without_writing(qd, company):
    plan = org_import_plan(user=qd, company=company, content=good_file())
    assert plan.ok, plan.issues
    assert plan.sheet("units").to_create == 4
    assert plan.sheet("posts").to_create == 2
    assert plan.sheet("people").to_create == 2
    assert not Unit.objects.filter(code="HQ").exists()


def test_it_imports_a_good_file(qd, company):
    """ORG-1: units, posts and people land in the tree; ORG-2: roles with their scopes."""
    org_import_apply(user=qd, company=company, content=good_file())
    xq1 = Unit.objects.get(company=company, code="XQ1")
    assert xq1.path == "/HQ/GL1/XQ1/" and xq1.kind == "estate"
    assert Unit.objects.get(code="ZL").is_quality_department
    zhangsan = Person.objects.get(username="zhangsan")
    assert zhangsan.phone == "13800138000"  # typed as a number in Excel
    assert zhangsan.post == Post.objects.get(unit__code="GL1", code="JL")
    assert zhangsan.company == company
    scopes = {
        a.role: sorted(u.code for u in a.scope.all()) for a in zhangsan.role_assignments.all()
    }
    assert scopes == {"department_manager": ["GL1"], "inspector": ["GL1", "XQ1"]}
    lisi = Person.objects.get(username="lisi")
    assert lisi.employee_no == "1002" and lisi.role_codes == {"service_staff"}
    assert not lisi.has_usable_password()
    assert Event.objects.filter(action="org.imported", actor=qd).exists()
    assert Event.objects.filter(action="unit.created", actor=qd).count() == 4


def test_it_reports_a_bad_row_and_imports_nothing(qd, company):
    """ORG-1: one bad row (an unknown parent) gives its sheet, row, column and reason, and
    nothing of the file is written."""
    units = [*UNITS, ["XQ2", "月亮湾", "小区", "GL9", "", ""]]
    content = make_workbook(units, POSTS, PEOPLE)
    with pytest.raises(ImportRejected) as rejected:
        org_import_apply(user=qd, company=company, content=content)
    [issue] = rejected.value.plan.issues
    assert (issue.sheet, issue.row, issue.column) == ("单位", 6, "上级单位编码")
    assert "GL9" in issue.message
    assert not Unit.objects.filter(code__in=["HQ", "XQ2"]).exists()
    assert not Person.objects.filter(username__in=["zhangsan", "lisi"]).exists()
    assert not Event.objects.filter(action="org.imported").exists()


@pytest.mark.parametrize(
    ("sheets", "where"),
    [
        ({"units": [*UNITS, ["HQ", "重复", "部门", "", "", ""]]}, ("单位", 6, "单位编码")),
        ({"units": [*UNITS, ["X1", "", "部门", "", "", ""]]}, ("单位", 6, "单位名称")),
        ({"units": [*UNITS, ["X1", "某处", "食堂", "", "", ""]]}, ("单位", 6, "类型")),
        ({"units": [*UNITS, ["X1", "某处", "部门", "", "也许", ""]]}, ("单位", 6, "质量管理部门")),
        ({"units": [*UNITS, ["X/1", "某处", "部门", "", "", ""]]}, ("单位", 6, "单位编码")),
        ({"posts": [*POSTS, ["ZZ", "GJ", "管家", ""]]}, ("岗位", 4, "单位编码")),
        ({"posts": [*POSTS, ["XQ1", "GJ", "管家", ""]]}, ("岗位", 4, "岗位编码")),
        (
            {"people": [*PEOPLE, ["wangwu", "王五", "", "XQ1", "BA", "", "", "", "", ""]]},
            ("人员", 5, "岗位编码"),
        ),
        (
            {"people": [*PEOPLE, ["wangwu", "王五", "", "XQ1", "", "1380013800", "", "", "", ""]]},
            ("人员", 5, "电话"),
        ),
        (
            {"people": [*PEOPLE, ["wangwu", "王五", "", "XQ1", "", "", "", "保安队长", "", ""]]},
            ("人员", 5, "角色"),
        ),
        (
            {"people": [*PEOPLE, ["wangwu", "", "", "XQ1", "", "", "", "", "", ""]]},
            ("人员", 5, "姓名"),
        ),
        (
            {"people": [*PEOPLE, ["wangwu", "王五", "", "XQ1", "", "", "", "巡检员", "XQ9", ""]]},
            ("人员", 5, "角色范围"),
        ),
        (
            {"people": [*PEOPLE, ["wangwu", "王五", "", "", "", "", "bad@", "", "", ""]]},
            ("人员", 5, "电子邮箱"),
        ),
        (
            {
                "people": [
                    *PEOPLE,
                    ["zhangsan", "张叁", "1001", "GL1", "JL", 13800138000, "", "", "", ""],
                ]
            },
            ("人员", 5, "姓名"),
        ),
    ],
)
def test_it_locates_each_kind_of_bad_row(qd, company, sheets, where):
    """ORG-1: duplicate codes, missing fields, unknown kinds, units, posts, roles and
    scopes, bad phones and e-mails, conflicting rows — each reported where it is."""
    content = make_workbook(
        sheets.get("units", UNITS), sheets.get("posts", POSTS), sheets.get("people", PEOPLE)
    )
    plan = org_import_plan(user=qd, company=company, content=content)
    assert [(i.sheet, i.row, i.column) for i in plan.issues] == [where], plan.issues
    assert plan.issues[0].message


def test_it_reports_a_cycle_in_the_parents(qd, company, tree):
    """ORG-1: the tree stays a tree: A under B under A is refused, also when one of the
    two is already in the database."""
    units = [["A", "甲", "部门", "B", "", ""], ["B", "乙", "部门", "A", "", ""]]
    plan = org_import_plan(user=qd, company=company, content=make_workbook(units))
    assert len(plan.issues) == 1 and plan.issues[0].column == "上级单位编码"
    assert "A → B → A" in plan.issues[0].message
    # Moving KF below its own child KF1 (existing in the database).
    plan = org_import_plan(
        user=qd, company=company, content=make_workbook([["KF", "客服部", "部门", "KF1", "", ""]])
    )
    assert [(i.row, i.column) for i in plan.issues] == [(2, "上级单位编码")]


def test_it_changes_nothing_when_the_same_file_is_imported_again(qd, company):
    """Idempotent: upserts by unit code, unit + post code and username."""
    org_import_apply(user=qd, company=company, content=good_file())
    changes = Event.objects.exclude(action="org.imported").count()
    plan = org_import_plan(user=qd, company=company, content=good_file())
    assert plan.ok and not plan.has_changes
    assert [s.unchanged for s in plan.sheets] == [4, 2, 2]
    org_import_apply(user=qd, company=company, content=good_file())
    assert Event.objects.exclude(action="org.imported").count() == changes


def test_it_updates_and_moves_existing_units(qd, company, tree):
    units = [
        ["XQ1", "阳光花园（新）", "小区", "KF", "", ""],
        ["WY", "物业部", "部门", "", "", "否"],
    ]
    plan = org_import_apply(user=qd, company=company, content=make_workbook(units))
    assert plan.sheet("units").to_update == 2
    xq1 = Unit.objects.get(pk=tree["XQ1"].pk)
    assert (xq1.name, xq1.path) == ("阳光花园（新）", "/KF/XQ1/")
    assert not Unit.objects.get(pk=tree["WY"].pk).is_active


def test_it_reparents_both_ways_in_one_file(qd, company, tree):
    """Swapping a parent and its child is applied parents first."""
    units = [["KF1", "客服一组", "班组", "", "", ""], ["KF", "客服部", "部门", "KF1", "", ""]]
    org_import_apply(user=qd, company=company, content=make_workbook(units))
    assert Unit.objects.get(pk=tree["KF"].pk).path == "/KF1/KF/"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "文件为空"),
        ("用户名,姓名\nzhangsan,张三\n".encode("gbk"), ".xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
        (b"PK\x03\x04 not really a zip", ".xlsx"),
    ],
)
def test_it_explains_files_that_are_not_xlsx(qd, company, content, fragment):
    """A GBK CSV renamed .xlsx, an old .xls, a broken zip: one clear error, no crash."""
    with pytest.raises(ImportRejected) as rejected:
        org_import_apply(user=qd, company=company, content=content)
    [issue] = rejected.value.plan.issues
    assert fragment in issue.message


def test_it_accepts_files_with_only_some_sheets(qd, company, tree):
    plan = org_import_plan(
        user=qd, company=company, content=make_workbook(people=[PEOPLE[2][:3] + ["KF"]])
    )
    assert plan.ok, plan.issues
    assert not plan.sheet("units").present and plan.sheet("units").note
    assert plan.sheet("people").to_create == 1


def test_it_refuses_a_workbook_without_known_sheets(qd, company):
    workbook = Workbook()
    workbook.active.title = "Sheet1"
    buffer = io.BytesIO()
    workbook.save(buffer)
    plan = org_import_plan(user=qd, company=company, content=buffer.getvalue())
    assert len(plan.issues) == 1 and "单位" in plan.issues[0].message


def test_it_reports_empty_sheets_and_missing_columns(qd, company):
    content = make_workbook(
        units=[],
        posts=[["GL1", "JL", "经理"]],
        headers={"岗位": ["单位编码", "岗位编码", "备注"], "单位": []},
    )
    plan = org_import_plan(user=qd, company=company, content=content)
    assert plan.sheet("units").note
    assert [(i.sheet, i.column) for i in plan.issues] == [("岗位", "岗位名称")]


def test_it_reads_title_rows_merged_headers_extra_columns_and_aliases(qd, company):
    """A title row merged across the sheet, a header with '*' and English aliases, an
    extra column, a merged data cell and codes typed as numbers all read as meant."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Units"
    ws.append(["组织架构导入表"])
    ws.merge_cells("A1:G1")
    ws.append(["Code*", "名称*", "Kind", "上级单位编码", "备注", "启用", ""])
    ws.append([1001, "一部", "department", "", "随便写", "Y"])
    ws.append([1002, "二部", "部门", 1001.0, "", "是"])
    ws.append([1003, "三部", "部门", None, "", "是"])
    ws.merge_cells("D4:D5")  # the parent cell spans two rows
    buffer = io.BytesIO()
    workbook.save(buffer)
    plan = org_import_plan(user=qd, company=company, content=buffer.getvalue())
    assert plan.ok, plan.issues
    units = {row.key: row.values for row in plan.sheet("units").rows}
    assert units["1002"]["parent"] == "1001" and units["1003"]["parent"] == "1001"
    assert plan.sheet("units").ignored_columns == ["备注"]


def test_it_refuses_usernames_of_people_outside_the_importers_organisation(
    qd, company, person_with
):
    from pinzhi.orgs.tests.factories import CompanyFactory, PersonFactory, UnitFactory

    other_unit = UnitFactory(company=CompanyFactory(name="别家公司"), code="X")
    stranger = PersonFactory(unit=other_unit, username="stranger")
    people = [["stranger", "冒名", "", "", "", "", "", "", "", ""]]
    plan = org_import_plan(user=qd, company=company, content=make_workbook(people=people))
    assert [(i.row, i.column) for i in plan.issues] == [(2, "用户名")]
    stranger.refresh_from_db()
    assert stranger.full_name != "冒名"
