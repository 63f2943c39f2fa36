"""The monthly assessment through the API for a payroll or HR system (ASM-3)."""

from datetime import date

import pytest

from pinzhi.api.services import api_token_create
from pinzhi.assessment.models import EntryKind
from pinzhi.assessment.services import cycle
from pinzhi.assessment.services.ledger import entry_book
from pinzhi.assessment.tests.conftest import clock, org  # noqa: F401 (fixtures)
from pinzhi.lib.clock import now
from pinzhi.orgs.tests.factories import CompanyFactory

URL_MONTHS = "/api/assessment/months"
URL_TOTALS = "/api/assessment/months/2026-03/totals"


@pytest.fixture
def payroll_api(org, api_client):  # noqa: F811 (the imported fixture)
    def make(*scopes, company=None):
        _token, secret = api_token_create(
            name="工资系统", company=company or org.company, scopes=list(scopes), actor=org.quality
        )
        return api_client(secret)

    return make


@pytest.fixture
def closed_march(org, clock):  # noqa: F811 (the imported fixtures)
    entry_book(
        company=org.company,
        person=org.staff,
        kind=EntryKind.SERVICE_STAR,
        occurred_at=now(),
        points=0,
        amount=500,
    )
    entry_book(
        company=org.company,
        person=org.staff,
        kind=EntryKind.DAILY_RECORD,
        occurred_at=now(),
        points=-3,
    )
    clock.move_to("2026-04-01 09:00 +0800")
    month = cycle.month_compute(company=org.company, month=date(2026, 3, 1))
    cycle.month_send_review(assessment_month=month, actor=org.quality)
    cycle.department_review(assessment_month=month, unit=org.ch, actor=org.manager)
    cycle.month_publish(assessment_month=month, actor=org.quality)
    clock.move_to("2026-04-05 09:00 +0800")
    cycle.month_approve(assessment_month=month, actor=org.quality)
    return cycle.month_close(assessment_month=month, actor=org.quality)


def test_it_reads_a_closed_months_totals_for_payroll(payroll_api, closed_march):
    """ASM-3: a payroll system reads the months, then a closed month's totals: person,
    employee number, unit, points, score and amount, paginated."""
    api = payroll_api("payroll:read")
    months = api.get(URL_MONTHS).json()
    assert months["count"] == 1 and months["items"][0]["status"] == "closed"
    response = api.get(URL_TOTALS)
    assert response.status_code == 200
    body = response.json()
    assert body["month"] == "2026-03" and body["pages"] == 1
    staff = next(item for item in body["items"] if item["employee_no"] == "E001")
    assert staff["person"] == "李保洁" and staff["unit"] == "翠湖花园"
    assert (staff["base"], staff["points"], staff["score"], staff["amount"]) == (
        100,
        -3,
        97,
        "500.00",
    )
    only_ch = api.get(URL_TOTALS, unit="CH").json()
    assert {item["unit_code"] for item in only_ch["items"]} == {"CH"}


def test_a_month_not_closed_is_not_served(payroll_api, org, clock):  # noqa: F811
    """ASM-3: only a closed month is final; a month still open is a 404 saying so."""
    cycle.month_compute(company=org.company, month=date(2026, 2, 1))
    api = payroll_api("payroll:read")
    response = api.get("/api/assessment/months/2026-02/totals")
    assert response.status_code == 404 and "2026-02" in response.text


def test_it_refuses_a_bad_month_and_a_token_without_the_scope(payroll_api, closed_march):
    """ASM-3: a month not written YYYY-MM is a 422 naming it; without payroll:read a 403."""
    bad = payroll_api("payroll:read").get("/api/assessment/months/03-2026/totals")
    assert bad.status_code == 422 and "month" in bad.text
    assert payroll_api("complaints:read").get(URL_MONTHS).status_code == 403


def test_another_company_reads_none_of_them(payroll_api, closed_march):
    """ASM-3, ORG-2: a token reads its own company's months only."""
    other = CompanyFactory(name="别家物业服务有限公司")
    api = payroll_api("payroll:read", company=other)
    assert api.get(URL_MONTHS).json()["count"] == 0
    assert api.get(URL_TOTALS).status_code == 404
