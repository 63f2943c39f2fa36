"""Findings and their rectification through the API (issue 10 item 9, NCR-2): the same
scoping, refusals and idempotency as the pages."""

import uuid
from datetime import timedelta

import pytest

from pinzhi.inspections.tests.factories import inspection_submitted, template_published
from pinzhi.lib.clock import now
from pinzhi.orgs.tests.factories import person_in_role
from pinzhi.rectification import services
from pinzhi.rectification.models import Nonconformity


@pytest.fixture
def finding(org):
    inspector = person_in_role("xj", "inspector", org.estate)
    version = template_published(org.company)
    inspection_submitted(
        version=version, unit=org.estate, inspector=inspector, results={"A1": "fail"}
    )
    services.inspections_follow()
    nc = Nonconformity.objects.get()
    nc.inspector = inspector
    return nc


def test_it_lists_and_reads_the_company_s_findings_only_with_the_read_scope(
    finding, make_token, api_client, org
):
    """NCR-1: findings are read with rectification:read; a complaints token is refused."""
    _token, secret = make_token("rectification:read")
    response = api_client(secret).get("/api/rectification/findings")
    assert response.status_code == 200
    assert [item["number"] for item in response.json()["items"]] == [finding.number]
    detail = api_client(secret).get(f"/api/rectification/findings/{finding.number}").json()
    assert detail["deadlines"][0]["kind"] == "rectification.fix"
    _token, other = make_token("complaints:read")
    assert api_client(other).get("/api/rectification/findings").status_code == 403


def test_a_fix_is_reported_once_per_client_key_and_verified(finding, make_token, api_client, org):
    """NCR-2: a resend with the same client_key returns the stored report; the named
    inspector verifies."""
    _token, secret = make_token("rectification:read", "rectification:write")
    api = api_client(secret)
    key = str(uuid.uuid4())
    path = f"/api/rectification/findings/{finding.number}/fix"
    first = api.post(path, {"text": "已处理", "client_key": key})
    again = api.post(path, {"text": "已处理", "client_key": key})
    assert first.status_code == again.status_code == 200
    assert len(again.json()["fix_reports"]) == 1
    response = api.post(
        f"/api/rectification/findings/{finding.number}/verify",
        {
            "accepted": False,
            "note": "仍有污渍",
            "new_due_at": (now() + timedelta(days=1)).isoformat(),
            "by": "xj",
        },
    )
    assert response.status_code == 200 and response.json()["status"] == "open"


def test_a_step_the_named_person_may_not_take_is_refused_as_on_the_page(
    finding, make_token, api_client, org
):
    """NCR-2: verifying before a fix is reported is refused with the workflow's reason (409);
    an unknown person is named on its field (422); another company's number is 404."""
    _token, secret = make_token("rectification:write")
    api = api_client(secret)
    verify = f"/api/rectification/findings/{finding.number}/verify"
    response = api.post(verify, {"accepted": True, "note": "ok", "by": "xj"})
    assert response.status_code == 409
    assert api.post(verify, {"accepted": True, "note": "ok", "by": "nobody"}).status_code == 422
    assert api.post("/api/rectification/findings/ZG-999999/fix", {"text": "x"}).status_code == 404
