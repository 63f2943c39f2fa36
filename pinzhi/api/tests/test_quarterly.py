"""The quarterly assessment through the API (ASM-2, ASM-9, SAT-2): an HR or reporting system
reads the issued plans and their results, with each indicator's sample."""

import pytest

from pinzhi.api.services import api_token_create
from pinzhi.assessment.services import quarterly
from pinzhi.assessment.tests.conftest import clock, org  # noqa: F401 (fixtures)
from pinzhi.assessment.tests.test_quarterly_plan import computed, quarter  # noqa: F401
from pinzhi.orgs.tests.factories import CompanyFactory

URL_PLANS = "/api/assessment/quarterly/plans"


@pytest.fixture
def quarterly_api(org, api_client):  # noqa: F811 (the imported fixture)
    def make(*scopes, company=None):
        _token, secret = api_token_create(
            name="人力资源系统",
            company=company or org.company,
            scopes=list(scopes),
            actor=org.quality,
        )
        return api_client(secret)

    return make


def test_it_reads_the_issued_plans_and_their_results(quarterly_api, quarter):  # noqa: F811
    """ASM-9: the issued plan's results by level and rank, with each indicator's sample; a plan
    not yet issued is not read."""
    plan = computed(quarter)
    api = quarterly_api("quarterly:read")
    assert api.get(URL_PLANS).json()["count"] == 0  # computed, not issued
    assert api.get(f"{URL_PLANS}/{plan.pk}/results").status_code == 404
    quarterly.plan_report(plan=plan, actor=quarter.quality)
    (item,) = api.get(URL_PLANS, year=2026).json()["items"]
    assert item["quarter"] == 1 and item["weights"]["satisfaction"] == "30"
    units = api.get(f"{URL_PLANS}/{plan.pk}/results", level="unit").json()["items"]
    assert [(u["unit_name"], u["score"], u["band"]) for u in units] == [
        ("滨江名苑", "100.00", "benchmark"),
        ("翠湖花园", "61.43", "laggard"),
    ]
    assert units[1]["eligible_branded"] is False
    satisfaction = next(i for i in units[1]["indicators"] if i["code"] == "satisfaction")
    assert (satisfaction["value"], satisfaction["sample"]) == ("33.33", 3)
    people = api.get(f"{URL_PLANS}/{plan.pk}/results", level="person").json()["items"]
    staff = next(p for p in people if p["employee_no"] == "E001")
    assert (staff["score"], staff["passed"]) == ("55.71", False)
    assert {i["code"] for i in staff["indicators"]} >= {"satisfaction", "complaints"}


def test_it_refuses_bad_input_a_missing_scope_and_another_company(quarterly_api, quarter):  # noqa: F811
    """ORG-2: a token reads its own company's plans only; bad input is a 422 naming the
    field; a token without quarterly:read gets a 403."""
    plan = computed(quarter)
    quarterly.plan_report(plan=plan, actor=quarter.quality)
    assert quarterly_api("quarterly:read").get(URL_PLANS, year="twenty").status_code == 422
    bad = quarterly_api("quarterly:read").get(f"{URL_PLANS}/{plan.pk}/results", level="x")
    assert bad.status_code == 422 and "level" in bad.text
    assert quarterly_api("complaints:read").get(URL_PLANS).status_code == 403
    other = quarterly_api("quarterly:read", company=CompanyFactory(name="别家物业服务有限公司"))
    assert other.get(URL_PLANS).json()["count"] == 0
    assert other.get(f"{URL_PLANS}/{plan.pk}/results").status_code == 404
