from types import SimpleNamespace

import pytest
import time_machine

from pinzhi.inspections.tests.factories import template_published
from pinzhi.orgs.models import Company, Unit
from pinzhi.orgs.tests.factories import UnitFactory, person_in_role
from pinzhi.policy.services import pack_load

MONDAY_MORNING = "2026-11-23 09:00 +0800"

CLEANING_ITEMS = [
    {"code": "C1", "section": "大堂", "text": "大堂地面无污渍"},
    {"code": "C2", "section": "楼道", "text": "楼道无杂物"},
]


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def org(db, company, clock):
    """A property company with three estates, the people of a rectification's life and a
    cleaning contractor."""
    pack_load(code="property")
    hq = UnitFactory(company=company, code="HQ", name="总部")
    estates = [
        UnitFactory(company=company, code=code, name=name, parent=hq, kind=Unit.Kind.ESTATE)
        for code, name in [("CH", "翠湖花园"), ("BJM", "滨江名苑"), ("JG", "金桂苑")]
    ]
    o = SimpleNamespace(company=company, hq=hq, estates=estates, estate=estates[0])
    o.quality = person_in_role("quality", "quality_department", hq, [])
    o.leader = person_in_role("leader", "leadership", hq, [])
    o.inspector = person_in_role("inspector", "inspector", hq, estates)
    o.manager = person_in_role("manager", "department_manager", o.estate)
    o.unitqa = person_in_role("unitqa", "unit_quality_admin", o.estate)
    o.other_unitqa = person_in_role("other", "unit_quality_admin", estates[1])
    o.supplier = Company.objects.create(
        name="洁美保洁", kind=Company.Kind.SUPPLIER, operator=company
    )
    supplier_unit = UnitFactory(company=o.supplier, code="JM", name="洁美项目部")
    o.cleaner = person_in_role("cleaner", "supplier", supplier_unit)
    o.other_supplier = Company.objects.create(name="他家保洁", kind=Company.Kind.SUPPLIER)
    other_unit = UnitFactory(company=o.other_supplier, code="TJ", name="他家项目部")
    o.stranger = person_in_role("stranger", "supplier", other_unit)
    o.version = template_published(company)
    o.cleaning = template_published(
        company, code="QJ-D", name="清洁服务日检查表", cadence="daily", items=CLEANING_ITEMS
    )
    return o
