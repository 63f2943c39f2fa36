"""The standards through the API (STD-1 … STD-4): reads of the token's company, a draft in
the name of a person checked like on the page, the services' refusals as problems."""

import pytest

from pinzhi.orgs.tests.factories import CompanyFactory
from pinzhi.standards import services
from pinzhi.standards.models import Standard, VersionState

READ, WRITE = "standards:read", "standards:write"
PROBLEM = "application/problem+json"


@pytest.fixture
def catalogue(org):
    services.catalogue_install_pack(company=org.company, actor=org.quality)
    return org


def test_it_reads_the_catalogue_filtered(api_client, make_token, catalogue):
    """STD-1: the catalogue of the token's company, filtered by kind of service."""
    _token, secret = make_token(READ)
    body = api_client(secret).get("/api/standards", category="cleaning").json()
    codes = [item["code"] for item in body["items"]]
    assert body["count"] == len(codes) and codes == sorted(codes)
    assert "CLN-01" in codes and not [c for c in codes if not c.startswith("CLN-")]
    one = api_client(secret).get("/api/standards/cln-01").json()
    assert one["source"] == "《物业管理公司服务工作制度》第1篇 三.1"
    assert [v["state"] for v in one["versions"]] == ["published"]


def test_it_finds_nothing_of_another_company(api_client, make_token, catalogue):
    """STD-1, ORG-2: another company's token sees none of the catalogue."""
    other = CompanyFactory(name="别家物业")
    _token, secret = make_token(READ, company=other)
    assert api_client(secret).get("/api/standards").json()["count"] == 0
    missing = api_client(secret).get("/api/standards/CLN-01")
    assert missing.status_code == 404 and missing["Content-Type"] == PROBLEM


def test_it_needs_the_scope(api_client, make_token, catalogue):
    """A token without standards:read is refused with 403."""
    _token, secret = make_token("complaints:read")
    assert api_client(secret).get("/api/standards").status_code == 403


def test_it_drafts_a_standard_in_the_name_of_the_working_group(api_client, make_token, catalogue):
    """STD-2: a draft through the API is a draft like on the page (not in force), in the
    name of the person the payload names — refused (403) for someone outside the working
    group, 422 for an unknown person or a taken code."""
    _token, secret = make_token(WRITE, READ)
    client = api_client(secret)
    body = {
        "item_code": "CS",
        "code": "CS-20",
        "title": "前台等候不超过 5 分钟",
        "requirement": "业主到前台办理业务，等候不超过 5 分钟。",
        "dimension": "efficiency",
        "measure": "≤ 5 分钟",
    }
    refused = client.post("/api/standards", {**body, "drafted_by": "desk"})
    assert refused.status_code == 403 and refused["Content-Type"] == PROBLEM
    unknown = client.post("/api/standards", {**body, "drafted_by": "nobody"})
    assert unknown.status_code == 422 and "nobody" in unknown.json()["detail"]
    created = client.post("/api/standards", {**body, "drafted_by": "head"})
    assert created.status_code == 201, created.content
    standard = Standard.objects.get(company=catalogue.company, code="CS-20")
    version = standard.versions.get()
    assert version.state == VersionState.DRAFT and version.drafted_by == catalogue.head
    taken = client.post("/api/standards", body)
    assert taken.status_code == 422


def test_it_adds_a_service_item(api_client, make_token, org):
    """STD-1: a service item through the API; a taken code is a 422 naming the field."""
    _token, secret = make_token(WRITE)
    client = api_client(secret)
    item = {"code": "WIN", "name": "服务窗口", "category": "window_service"}
    assert client.post("/api/service-items", item).status_code == 201
    again = client.post("/api/service-items", item)
    assert again.status_code == 422


def test_it_reads_goals_slas_and_published_commitments(api_client, make_token, org):
    """STD-3, STD-4: the goals in force, the SLAs, and only the published commitments."""
    from datetime import date
    from decimal import Decimal

    services.goal_set(
        unit=org.estate,
        metric="satisfaction_rate",
        period="quarter",
        target=Decimal("90"),
        effective_from=date(2026, 1, 1),
        actor=org.quality,
    )
    services.sla_record(
        company=org.company,
        actor=org.quality,
        customer="某银行",
        contract_number="YW-1",
        valid_from=date(2026, 1, 1),
        response_minutes=15,
    )
    shown = services.commitment_write(
        company=org.company, post_name="门卫", text="文明服务。", actor=org.quality
    )
    services.commitment_publish(commitment=shown, actor=org.quality)
    services.commitment_write(company=org.company, post_name="草稿", text="x", actor=org.quality)
    _token, secret = make_token(READ)
    client = api_client(secret)
    goals = client.get("/api/quality-goals", on="2026-06-01").json()
    assert [(g["unit_code"], g["target"]) for g in goals] == [("CH", "90.00")]
    assert client.get("/api/slas").json()[0]["response_minutes"] == 15
    assert [c["post"] for c in client.get("/api/commitments").json()] == ["门卫"]
