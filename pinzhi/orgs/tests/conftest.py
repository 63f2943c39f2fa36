import io

import pytest
from openpyxl import Workbook, load_workbook

from pinzhi.orgs.tests.factories import UnitFactory


@pytest.fixture
def tree(company, unit):
    """HQ company tree: KF (客服部) with KF1 below it; WY (物业部) with XQ1 (小区) below it."""
    kf1 = UnitFactory(company=company, code="KF1", name="客服一组", parent=unit, kind="team")
    wy = UnitFactory(company=company, code="WY", name="物业部")
    xq1 = UnitFactory(company=company, code="XQ1", name="阳光花园", parent=wy, kind="estate")
    return {"KF": unit, "KF1": kf1, "WY": wy, "XQ1": xq1}


UNIT_HEADERS = ["单位编码", "单位名称", "类型", "上级单位编码", "质量管理部门", "启用"]
POST_HEADERS = ["单位编码", "岗位编码", "岗位名称", "岗位职责"]
PEOPLE_HEADERS = [
    "用户名",
    "姓名",
    "工号",
    "单位编码",
    "岗位编码",
    "电话",
    "电子邮箱",
    "角色",
    "角色范围",
    "启用",
]


def make_workbook(units=None, posts=None, people=None, *, headers=None) -> bytes:
    """A workbook with the given sheets; each is a list of rows (header row added unless
    `headers` gives its own for that sheet). A sheet given as None is left out."""
    headers = headers or {}
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, default, rows in (
        ("单位", UNIT_HEADERS, units),
        ("岗位", POST_HEADERS, posts),
        ("人员", PEOPLE_HEADERS, people),
    ):
        if rows is None:
            continue
        ws = workbook.create_sheet(name)
        ws.append(headers.get(name, default))
        for row in rows:
            ws.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_workbook(content: bytes) -> dict[str, list[list]]:
    workbook = load_workbook(io.BytesIO(content))
    return {
        ws.title: [list(row) for row in ws.iter_rows(values_only=True)]
        for ws in workbook.worksheets
    }


@pytest.fixture
def property_pack(db):
    """The shipped property policy pack, with `organisation.licence_warning` (ORG-4)."""
    from pinzhi.policy.services import pack_load

    pack_load(code="property")
