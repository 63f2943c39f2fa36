"""Checklist templates through the API (INS-4, issue 10 item 9)."""

from pinzhi.inspections import checklists
from pinzhi.orgs.tests.factories import CompanyFactory

READ = "checklists:read"


def _installed(org):
    return {
        t.code: t for t in checklists.checklists_install_pack(company=org.company, pack="property")
    }


def test_it_lists_the_company_checklists_with_the_version_in_use(api_client, make_token, org):
    """INS-4: an integration reads the company's checklists."""
    _installed(org)
    _token, secret = make_token(READ)
    response = api_client(secret).get("/api/checklists")
    assert response.status_code == 200, response.content
    body = response.json()
    codes = {item["code"]: item for item in body["items"]}
    assert {"XJB", "CLN-D", "CLN-W", "CLN-M"} <= set(codes)
    assert codes["CLN-D"]["cadence"] == "daily" and codes["CLN-D"]["current_version"] == 1


def test_it_gives_the_items_of_the_version_in_use(api_client, make_token, org):
    """INS-4: weights, scoring, critical items, photo required and follow-ups."""
    template = _installed(org)["XJB"]
    _token, secret = make_token(READ)
    body = api_client(secret).get(f"/api/checklists/{template.pk}").json()
    items = {item["code"]: item for item in body["current"]["items"]}
    assert items["D2"]["critical"] and items["D2"]["photo_on_failure"]
    assert items["C2a"]["follow_up_of"] == "C2"
    assert items["E3"]["scoring"] == "scale" and items["E3"]["max_score"] == 5


def test_a_completed_inspection_version_stays_readable(api_client, make_token, org):
    """INS-4: a retired version is still read by its id."""
    template = _installed(org)["CLN-W"]
    first = checklists.template_version_current(template)
    draft = checklists.version_draft_create(template=template)
    checklists.version_publish(version=draft)
    _token, secret = make_token(READ)
    body = api_client(secret).get(f"/api/checklists/versions/{first.pk}").json()
    assert body["status"] == "retired" and body["number"] == 1 and body["items"]


def test_another_company_checklist_is_not_found(api_client, make_token, org):
    """ORG-2: a token reads its own company's checklists only."""
    template = _installed(org)["XJB"]
    other = CompanyFactory(name="别家物业")
    _token, secret = make_token(READ, company=other)
    assert api_client(secret).get(f"/api/checklists/{template.pk}").status_code == 404
    version = checklists.template_version_current(template)
    assert api_client(secret).get(f"/api/checklists/versions/{version.pk}").status_code == 404
    assert api_client(secret).get("/api/checklists").json()["items"] == []


def test_it_needs_the_scope(api_client, make_token, org):
    _token, secret = make_token("complaints:read")
    response = api_client(secret).get("/api/checklists")
    assert response.status_code == 403
