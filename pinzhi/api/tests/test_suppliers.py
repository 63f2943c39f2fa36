"""Supplier evaluations and deductions through the API (NCR-5, issue 10 item 9)."""

import pytest

from pinzhi.api.services import api_token_create
from pinzhi.orgs.tests.factories import CompanyFactory
from pinzhi.suppliers.tests.conftest import check, clock, sup  # noqa: F401 (fixtures)

URL_EVALUATIONS = "/api/suppliers/evaluations"
URL_DEDUCTIONS = "/api/suppliers/deductions"


@pytest.fixture
def supplier_api(sup, api_client):  # noqa: F811 (the imported fixture)
    def make(*scopes, company=None):
        _token, secret = api_token_create(
            name="财务系统",
            company=company or sup.company,
            scopes=list(scopes),
            actor=sup.quality,
        )
        return api_client(secret)

    return make


@pytest.fixture
def reached(sup, check):  # noqa: F811 (the imported fixtures)
    for day in range(1, 5):
        check("daily", failed=True, at=f"2026-11-{day:02d} 09:00 +0800")
    check("daily", at="2026-10-02 09:00 +0800")


def test_it_reads_the_evaluations_and_the_deductions(supplier_api, reached):
    """NCR-5: an integration reads each month's evaluation with its deductions, and the
    ledger with its evidence."""
    api = supplier_api("suppliers:read")
    response = api.get(URL_EVALUATIONS, month="2026-11")
    assert response.status_code == 200
    (november,) = response.json()["items"]
    assert november["daily_failed"] == 4 and november["threshold_reached"] is True
    assert november["deductions"] == "3300.00"
    assert api.get(URL_EVALUATIONS).json()["count"] == 2
    ledger = api.get(URL_DEDUCTIONS, contract="BJ-2026-01").json()
    (entry,) = ledger["items"]
    assert entry["kind"] == "threshold" and len(entry["evidence"]) == 4


def test_it_refuses_a_month_that_is_not_one_and_a_token_without_the_scope(supplier_api, reached):
    """NCR-5: bad input is a 422 naming the field; a token without suppliers:read a 403."""
    bad = supplier_api("suppliers:read").get(URL_EVALUATIONS, month="11/2026")
    assert bad.status_code == 422 and "month" in bad.text
    assert supplier_api("complaints:read").get(URL_DEDUCTIONS).status_code == 403


def test_another_company_reads_none_of_them(supplier_api, reached):
    """NCR-5, ORG-2: a token reads its own company's evaluations only."""
    other = CompanyFactory(name="别家物业服务有限公司")
    api = supplier_api("suppliers:read", company=other)
    assert api.get(URL_EVALUATIONS).json()["count"] == 0
    assert api.get(URL_DEDUCTIONS).json()["count"] == 0
