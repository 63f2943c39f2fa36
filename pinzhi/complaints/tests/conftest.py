from types import SimpleNamespace

import pytest
import time_machine

from pinzhi.complaints import repeats, services
from pinzhi.complaints.models import Category, Channel, Severity
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
    """A small property company: HQ with 客服部 and 安保部, one estate, and the people of
    a complaint's life."""
    pack_load(code="property")
    hq = UnitFactory(company=company, code="HQ", name="总部")
    kf = UnitFactory(company=company, code="KF", name="客服部", parent=hq)
    ab = UnitFactory(company=company, code="AB", name="安保部", parent=hq)
    estate = UnitFactory(
        company=company, code="CH", name="翠湖花园", parent=hq, kind=Unit.Kind.ESTATE
    )

    person = person_in_role
    o = SimpleNamespace(company=company, hq=hq, kf=kf, ab=ab, estate=estate)
    o.registrar = person("registrar", "complaint_handler", kf, [estate])
    o.head = person("head", "department_manager", ab)
    o.handler = person("handler", "service_staff", ab)
    o.guard = person("guard", "service_staff", ab)
    o.committee = person("committee", "quality_committee", hq, [])
    o.chairman = person("chairman", "leadership", hq, [])
    o.quality = person("quality", "quality_department", hq, [])
    o.other_head = person("otherhead", "department_manager", kf)
    return o


@pytest.fixture
def register(org):
    def make(**kwargs):
        fields = dict(
            company=org.company,
            channel=Channel.HOTLINE,
            category=Category.SECURITY,
            severity=Severity.GENERAL,
            title="夜间巡逻不到位",
            content="连续三晚没有看到保安巡逻，单车被偷。",
            request="加强夜间巡逻并调取监控",
            customer_name="李业主",
            customer_phone="13912345678",
            customer_address="翠湖花园3栋1单元502",
            location=org.estate,
            registered_by=org.registrar,
        )
        fields.update(kwargs)
        complaint = services.complaint_register(**fields)
        # CMP-8: the worker's topic check, run as it would once the registration commits.
        repeats.topic_find.call(complaint.pk)
        complaint.refresh_from_db()
        return complaint

    return make
