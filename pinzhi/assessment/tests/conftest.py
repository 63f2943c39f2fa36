from types import SimpleNamespace

import pytest
import time_machine

from pinzhi.orgs.models import Unit
from pinzhi.orgs.tests.factories import UnitFactory, person_in_role
from pinzhi.policy.services import pack_load

# 2026-03-10 10:00 in Shanghai: the worked examples of issue 11 are in March.
MARCH = "2026-03-10 10:00 +0800"


@pytest.fixture
def clock():
    with time_machine.travel(MARCH, tick=False) as traveller:
        yield traveller


@pytest.fixture
def org(db, company, clock):
    """A property company: HQ with the quality department, two estates; at 翠湖花园 (CH) a
    service staff member, their direct supervisor (scope CH), the estate's department
    manager, and the group leader in charge of CH (leadership scoped to CH); a second
    staff member at 滨江名苑 (BJM)."""
    pack_load(code="property")
    hq = UnitFactory(company=company, code="HQ", name="总部")
    pz = UnitFactory(company=company, code="PZ", name="品质部", parent=hq)
    ch = UnitFactory(company=company, code="CH", name="翠湖花园", parent=hq, kind=Unit.Kind.ESTATE)
    bjm = UnitFactory(
        company=company, code="BJM", name="滨江名苑", parent=hq, kind=Unit.Kind.ESTATE
    )
    o = SimpleNamespace(company=company, hq=hq, pz=pz, ch=ch, bjm=bjm)
    o.quality = person_in_role("quality", "quality_department", pz, [])
    o.leader = person_in_role("leader", "leadership", hq, [ch])
    o.manager = person_in_role("manager", "department_manager", ch, [ch])
    o.supervisor = person_in_role("supervisor", "supervisor", ch, [ch])
    o.staff = person_in_role("staff", "service_staff", ch)
    o.other = person_in_role("other", "service_staff", bjm)
    for person, name, number in [
        (o.quality, "周品质", "Q001"),
        (o.leader, "赵总", "L001"),
        (o.manager, "钱经理", "M001"),
        (o.supervisor, "孙主管", "S001"),
        (o.staff, "李保洁", "E001"),
        (o.other, "吴秩序", "E002"),
    ]:
        person.full_name, person.employee_no = name, number
        person.save(update_fields=["full_name", "employee_no"])
    return o
