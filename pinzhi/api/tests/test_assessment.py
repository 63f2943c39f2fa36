"""The points ledger through the API (issue 11 item 5): entries by person and month, a
person's month, manager entries checked as the pages check them."""

import pytest

from pinzhi.api.services import api_token_create
from pinzhi.assessment.models import EntryKind, PointsEntry
from pinzhi.assessment.services.derive import ledger_follow
from pinzhi.assessment.services.offences import daily_record
from pinzhi.assessment.tests.conftest import clock, org  # noqa: F401 (fixtures)
from pinzhi.assessment.tests.factories import complaint_verified
from pinzhi.orgs.tests.factories import CompanyFactory

URL_ENTRIES = "/api/assessment/entries"


@pytest.fixture
def ledger_api(org, api_client):  # noqa: F811 (the imported fixture)
    def make(*scopes, company=None, creator=None):
        _token, secret = api_token_create(
            name="人事系统",
            company=company or org.company,
            scopes=list(scopes),
            actor=creator or org.quality,
        )
        return api_client(secret)

    return make


def test_it_reads_the_entries_by_person_and_month(ledger_api, org, clock):  # noqa: F811
    """ASM-3: an HR system reads each entry with its rule and clause, by person and month."""
    complaint_verified(staff=org.staff)
    complaint_verified(staff=org.staff)
    ledger_follow()
    api = ledger_api("assessment:read")
    response = api.get(URL_ENTRIES, person="E001", month="2026-03")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["kind"], i["points"], i["count"]) for i in items] == [
        ("complaint", -5, 1),
        ("complaint", -10, 2),
    ]
    assert "第5篇 二.2" in items[0]["citation"] and items[0]["name"] == "李保洁"
    everyone = api.get(URL_ENTRIES).json()["items"]
    assert {i["person"] for i in everyone} == {"staff", "supervisor"}
    assert api.get(URL_ENTRIES, month="2026-13").status_code == 422
    assert api.get(URL_ENTRIES, person="nobody").status_code == 422


def test_it_reads_a_persons_month(ledger_api, org, clock):  # noqa: F811
    daily_record(person=org.staff, points=-4, reason="迟到", actor=org.manager)
    api = ledger_api("assessment:read")
    response = api.get("/api/assessment/people/staff/months/2026-03")
    assert response.status_code == 200
    body = response.json()
    assert (body["base"], body["points"], body["score"]) == (100, -4, 96)
    assert api.get("/api/assessment/people/staff/months/March").status_code == 422


def test_another_company_token_reads_nothing(ledger_api, org, clock):  # noqa: F811
    """ORG-2: a token reads its own company's ledger only."""
    daily_record(person=org.staff, points=-4, reason="迟到", actor=org.manager)
    other = ledger_api("assessment:read", company=CompanyFactory())
    assert other.get(URL_ENTRIES).json()["items"] == []
    assert other.get("/api/assessment/people/staff/months/2026-03").status_code == 404


def test_it_books_an_offence_checked_as_the_pages_check_it(ledger_api, org, clock):  # noqa: F811
    """ASM-5: a write is attributed to `by` (else the token's creator) and refused outside
    the range or the scope, with the problem document."""
    api = ledger_api("assessment:write", "assessment:read")
    created = api.post(
        URL_ENTRIES,
        {
            "person": "staff",
            "kind": "offence_b",
            "points": -20,
            "reason": "隐瞒投诉",
            "by": "supervisor",
        },
    )
    assert created.status_code == 201, created.content
    assert created.json()["citation"].endswith("第4篇 九 第二款")
    entry = PointsEntry.objects.get(kind=EntryKind.OFFENCE_B)
    assert entry.entered_by == org.supervisor
    out_of_range = api.post(
        URL_ENTRIES, {"person": "staff", "kind": "offence_a", "points": -20, "reason": "x"}
    )
    assert out_of_range.status_code == 422
    out_of_scope = api.post(
        URL_ENTRIES,
        {
            "person": "other",
            "kind": "daily_record",
            "points": -1,
            "reason": "x",
            "by": "supervisor",
        },
    )
    assert out_of_scope.status_code == 403
    read_only = ledger_api("assessment:read")
    assert (
        read_only.post(
            URL_ENTRIES, {"person": "staff", "kind": "daily_record", "points": -1, "reason": "x"}
        ).status_code
        == 403
    )
    assert PointsEntry.objects.count() == 1
