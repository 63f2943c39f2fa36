from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine

from pinzhi.inspections.tests.factories import inspection_submitted, template_published
from pinzhi.orgs.models import Company, Unit
from pinzhi.orgs.tests.factories import CompanyFactory, UnitFactory, person_in_role
from pinzhi.policy.services import pack_load
from pinzhi.suppliers import services

# 2026-11-20 10:00 in Shanghai.
MID_NOVEMBER = "2026-11-20 10:00 +0800"


@pytest.fixture
def clock():
    with time_machine.travel(MID_NOVEMBER, tick=False) as traveller:
        yield traveller


def _supplier(company, name, code):
    supplier = CompanyFactory(name=name, kind=Company.Kind.SUPPLIER, operator=company)
    unit = UnitFactory(company=supplier, code=code, name=f"{name}项目部", kind=Unit.Kind.PROJECT)
    return supplier, person_in_role(f"{code.lower()}.boss", "supplier", unit, [unit])


@pytest.fixture
def sup(db, company, clock):
    """A property company with two estates, its cleaning contractor 洁美保洁 (contract over
    both estates), another supplier 净洁 with no contract, and the people told."""
    pack_load(code="property")
    hq = UnitFactory(company=company, code="HQ", name="总部")
    gc = UnitFactory(company=company, code="GC", name="工程部", parent=hq)
    pz = UnitFactory(company=company, code="PZ", name="品质部", parent=hq)
    ch = UnitFactory(company=company, code="CH", name="翠湖花园", parent=hq, kind=Unit.Kind.ESTATE)
    bjm = UnitFactory(
        company=company, code="BJM", name="滨江名苑", parent=hq, kind=Unit.Kind.ESTATE
    )
    o = SimpleNamespace(company=company, hq=hq, gc=gc, ch=ch, bjm=bjm)
    o.quality = person_in_role("quality", "quality_department", pz, [])
    o.manager = person_in_role("manager", "department_manager", ch, [ch])
    o.engineer = person_in_role("engineer", "service_staff", gc)
    o.staff = person_in_role("staff", "service_staff", ch)
    o.supplier, o.supplier_person = _supplier(company, "洁美保洁服务有限公司", "JM")
    o.other, o.other_person = _supplier(company, "净洁保洁有限公司", "JJ")
    o.versions = {
        cadence: template_published(company, code=code, name=name, cadence=cadence)
        for cadence, code, name in [
            ("daily", "RJ", "清洁服务日检查表"),
            ("weekly", "ZJ", "清洁服务周检表"),
            ("monthly", "YJ", "清洁服务质量月检表"),
        ]
    }
    o.contract = services.contract_create(
        company=company,
        terms=services.ContractTerms(
            supplier=o.supplier,
            number="BJ-2026-01",
            title="清洁服务委托合同",
            units=[ch, bjm],
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
            monthly_fee=Decimal("50000"),
            standards=[],
            manager=o.manager,
            technical_department=gc,
        ),
        actor=o.quality,
    )
    return o


@pytest.fixture
def check(sup):
    """check("daily", failed=True, at="2026-11-03 09:00 +0800", unit=…, supplier=…): a
    submitted check of the supplier's service, folded by the consumer."""

    def make(cadence, *, failed=False, at=None, unit=None, supplier=None, fold=True):
        moment = at or MID_NOVEMBER
        with time_machine.travel(moment, tick=False):
            inspection = inspection_submitted(
                version=sup.versions[cadence],
                unit=unit or sup.ch,
                results={"A1": "fail"} if failed else {},
                supplier=supplier or sup.supplier,
            )
            if fold:
                services.checks_fold_pending()
        return inspection

    return make
