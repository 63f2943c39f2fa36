from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from pinzhi.orgs.models import Unit
from pinzhi.orgs.tests.factories import UnitFactory, person_in_role
from pinzhi.policy.services import pack_load
from pinzhi.training.models import Course, Topic

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """A Shanghai wall-clock time, "2026-03-10 10:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    with time_machine.travel(at("2026-03-10 10:00"), tick=False) as traveller:
        yield traveller


@pytest.fixture
def org(db, company, clock):
    """A property company: the quality department at HQ, an estate 翠湖花园 (CH) with its
    department manager and a service staff member, two inspectors; an inspection course
    (pass 60) and a service course without a test."""
    pack_load(code="property")
    hq = UnitFactory(company=company, code="HQ", name="总部")
    pz = UnitFactory(company=company, code="PZ", name="品质部", parent=hq)
    ch = UnitFactory(company=company, code="CH", name="翠湖花园", parent=hq, kind=Unit.Kind.ESTATE)
    o = SimpleNamespace(company=company, hq=hq, pz=pz, ch=ch)
    o.quality = person_in_role("quality", "quality_department", pz, [])
    o.leader = person_in_role("leader", "leadership", hq, [])
    o.manager = person_in_role("manager", "department_manager", ch, [ch])
    o.staff = person_in_role("staff", "service_staff", ch)
    o.inspector = person_in_role("inspector", "inspector", pz, [])
    o.inspector2 = person_in_role("inspector2", "inspector", pz, [])
    for person, name, number in [
        (o.quality, "周品质", "Q001"),
        (o.leader, "赵总", "L001"),
        (o.manager, "钱经理", "M001"),
        (o.staff, "李保洁", "E001"),
        (o.inspector, "陈检查", "I001"),
        (o.inspector2, "王检查", "I002"),
    ]:
        person.full_name, person.employee_no = name, number
        person.save(update_fields=["full_name", "employee_no"])
    o.inspection_course = Course.objects.create(
        company=company,
        code="JC-01",
        title="监督检查业务培训",
        topic=Topic.INSPECTION,
        hours=Decimal("8"),
        pass_score=Decimal("60"),
    )
    o.service_course = Course.objects.create(
        company=company, code="FW-01", title="服务意识", topic=Topic.SERVICE_AWARENESS, hours=2
    )
    return o
