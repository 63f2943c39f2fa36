"""The organisation the public portal and the API are tested against; both conftests
import these fixtures."""

import pytest
import time_machine

from pinzhi.orgs.models import Unit
from pinzhi.orgs.services import role_assign
from pinzhi.orgs.tests.factories import PersonFactory, UnitFactory
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

    def person(username, role, unit, scope=None):
        p = PersonFactory(username=username, unit=unit, company=company)
        role_assign(person=p, role=role, scope=scope if scope is not None else [unit])
        return p

    class Org:
        pass

    o = Org()
    o.company, o.hq, o.kf, o.pz, o.ab, o.estate, o.other = company, hq, kf, pz, ab, estate, other
    o.quality = person("quality", "quality_department", pz, [])
    o.desk = person("desk", "service_desk", kf, [estate])
    o.head = person("head", "department_manager", ab)
    o.handler = person("handler", "service_staff", ab)
    o.committee = person("committee", "quality_committee", hq, [])
    o.chairman = person("chairman", "leadership", hq, [])
    return o
