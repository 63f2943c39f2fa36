"""ORG-4: external companies with their registration data, validated, with licences
that expired or expire within 90 days standing out."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from pinzhi.orgs import services
from pinzhi.orgs.models import Company
from pinzhi.orgs.selectors import licence_status, licences_expiring
from pinzhi.orgs.services import OrgError
from pinzhi.orgs.tests.factories import CompanyFactory
from pinzhi.timeline.models import Event

pytestmark = pytest.mark.django_db

VALID_CODE = "91350100M000100Y43"


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        (VALID_CODE, True),
        ("91350100m000100y43", True),  # normalised to capitals
        ("91350100M000100Y4", False),  # 17 characters
        ("91350100M000100I43", False),  # I is not in the GB 32100 alphabet
        ("91350100M000100Y44", False),  # wrong check character
        ("", True),
    ],
)
def test_it_validates_the_unified_social_credit_code(code, ok):
    """ORG-4: 18 characters of the GB 32100 alphabet with a matching check character."""
    if ok:
        company = services.company_create(name="某公司", kind="supplier", credit_code=code)
        assert company.credit_code == code.upper()
    else:
        with pytest.raises(OrgError) as error:
            services.company_create(name="某公司", kind="supplier", credit_code=code)
        assert "credit_code" in [e.field for e in error.value.field_errors]


def test_it_refuses_a_negative_registered_capital():
    with pytest.raises(OrgError) as error:
        services.company_create(name="某公司", registered_capital=Decimal("-1"))
    assert "registered_capital" in [e.field for e in error.value.field_errors]


@time_machine.travel(dt.datetime(2026, 6, 1, 4, tzinfo=dt.UTC))
def test_it_tells_expired_and_expiring_licences_apart(property_pack):
    """ORG-4: the warning period comes from the policy pack (90 days by default)."""
    today = dt.date(2026, 6, 1)

    def status(days):
        return licence_status(Company(licence_valid_until=today + dt.timedelta(days=days)))

    assert status(-1) == "expired"
    assert status(0) == status(90) == "expiring"
    assert status(91) == "valid"
    assert licence_status(Company()) == "unknown"


@time_machine.travel(dt.datetime(2026, 6, 1, 4, tzinfo=dt.UTC))
def test_it_highlights_licences_in_the_list_and_the_tile(signed_in, company, property_pack):
    """ORG-4: expired licences in red, those expiring within 90 days in amber."""
    CompanyFactory(name="过期公司", operator=company, licence_valid_until=dt.date(2026, 5, 1))
    CompanyFactory(name="将到期公司", operator=company, licence_valid_until=dt.date(2026, 8, 1))
    CompanyFactory(name="有效公司", operator=company, licence_valid_until=dt.date(2027, 8, 1))
    client = signed_in("quality_department")
    html = client.get(reverse("orgs:companies")).content.decode()
    assert html.count('data-testid="licence-expired"') == 1
    assert html.count('data-testid="licence-expiring"') == 1
    assert [c.name for c in licences_expiring(client.person)] == ["过期公司", "将到期公司"]
    home = client.get(reverse("core:home")).content.decode()
    assert "过期公司" in home and "有效公司" not in home


def test_it_registers_and_edits_a_company_through_the_form(signed_in):
    client = signed_in("quality_department")
    data = {
        "name": "洁美保洁有限公司",
        "kind": "supplier",
        "credit_code": VALID_CODE,
        "registered_capital": "500",
        "licence_number": "L-001",
        "licence_valid_until": "2027-12-31",
    }
    response = client.post(reverse("orgs:company_create"), data)
    company = Company.objects.get(name="洁美保洁有限公司")
    assert response.url == reverse("orgs:company_detail", args=[company.pk])
    assert company.operator == client.person.company
    assert Event.objects.filter(action="company.created").exists()
    data["registered_capital"] = "-5"
    response = client.post(reverse("orgs:company_edit", args=[company.pk]), data)
    assert response.status_code == 200
    company.refresh_from_db()
    assert company.registered_capital == Decimal("500")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("licence_valid_until", "2027-02-30"),
        ("credit_code", "ABC"),
        ("registered_capital", "-1"),
        ("contact_phone", "call me"),
    ],
)
def test_it_explains_bad_company_data(signed_in, field, value):
    client = signed_in("quality_department")
    data = {"name": "某公司", "kind": "supplier", field: value}
    response = client.post(reverse("orgs:company_create"), data)
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert not Company.objects.filter(name="某公司").exists()


def test_it_does_not_let_others_edit_companies(signed_in, company):
    client = signed_in("leadership")
    assert client.get(reverse("orgs:company_edit", args=[company.pk])).status_code == 403
    assert client.get(reverse("orgs:company_detail", args=[company.pk])).status_code == 200


def test_it_lets_the_quality_department_set_a_supplier_s_contracted_service(signed_in, company):
    """Issue 8 item 6, ORG-2: the quality department records on the supplier's page the
    units it serves and the complaint categories of its service; the page shows them in
    words, and setting the same service again replaces them."""
    from pinzhi.orgs.models import ContractorScope, Unit
    from pinzhi.orgs.tests.factories import UnitFactory

    client = signed_in("quality_department")
    estate = UnitFactory(company=company, code="CH", name="翠湖花园", kind=Unit.Kind.ESTATE)
    other = UnitFactory(company=company, code="JG", name="金桂苑", kind=Unit.Kind.ESTATE)
    supplier = services.company_create(
        name="洁美保洁服务有限公司", kind=Company.Kind.SUPPLIER, operator=company
    )
    url = reverse("orgs:contractor_scope", args=[supplier.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"service": "保洁服务", "units": [estate.pk], "categories": ["environment"]}
    )
    assert response.status_code == 302
    client.post(url, {"service": "保洁服务", "units": [other.pk], "categories": []})
    scope = ContractorScope.objects.get(contractor=supplier)
    assert list(scope.units.all()) == [other] and scope.categories == []
    page = client.get(reverse("orgs:company_detail", args=[supplier.pk])).content.decode()
    assert "保洁服务" in page and "金桂苑" in page
    client.post(url, {"service": "保洁服务", "units": [other.pk], "categories": ["environment"]})
    page = client.get(reverse("orgs:company_detail", args=[supplier.pk])).content.decode()
    assert "环境卫生" in page and "environment" not in page
