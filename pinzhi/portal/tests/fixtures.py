"""The organisation the public portal and the API are tested against; both conftests
import these fixtures."""

from types import SimpleNamespace

import pytest
import time_machine

from pinzhi.orgs.models import Unit
from pinzhi.orgs.tests.factories import UnitFactory, person_in_role
from pinzhi.policy.services import pack_load

MONDAY_MORNING = "2026-11-23 09:00 +0800"


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def org(db, company):
    """An operator company with 客服部, 品质部, 安保部 and two estates; a service desk for
    翠湖花园 only, and a quality-department person."""
    pack_load(code="property")
    company.contact_phone = "400-123-4567"
    company.save()
    hq = UnitFactory(company=company, code="HQ", name="总部")
    kf = UnitFactory(company=company, code="KF", name="客服部", parent=hq)
    pz = UnitFactory(company=company, code="PZ", name="品质部", parent=hq)
    ab = UnitFactory(company=company, code="AB", name="安保部", parent=hq)
    estate = UnitFactory(
        company=company, code="CH", name="翠湖花园", parent=hq, kind=Unit.Kind.ESTATE
    )
    other = UnitFactory(
        company=company, code="LY", name="绿洋小区", parent=hq, kind=Unit.Kind.ESTATE
    )

    person = person_in_role
    o = SimpleNamespace(company=company, hq=hq, kf=kf, pz=pz, ab=ab, estate=estate, other=other)
    o.quality = person("quality", "quality_department", pz, [])
    o.desk = person("desk", "service_desk", kf, [estate])
    o.head = person("head", "department_manager", ab)
    o.handler = person("handler", "service_staff", ab)
    o.committee = person("committee", "quality_committee", hq, [])
    o.chairman = person("chairman", "leadership", hq, [])
    return o
