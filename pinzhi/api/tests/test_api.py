"""The complaints REST API for hotline and WeChat integrations (CMP-1, CMP-2, ORG-3)."""

import json
from datetime import timedelta

import pytest

from pinzhi.api.models import ApiToken, token_digest
from pinzhi.api.services import api_token_revoke
from pinzhi.complaints.models import Channel, Complaint
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.lib.clock import now
from pinzhi.orgs.tests.factories import CompanyFactory

WRITE, READ = "complaints:write", "complaints:read"


def test_it_stores_only_the_hash_of_a_token(make_token):
    token, secret = make_token(WRITE)
    assert token.token_hash == token_digest(secret)
    assert secret not in json.dumps(list(ApiToken.objects.values()), default=str)


def test_it_registers_a_complaint_with_its_channel_and_deadlines(
    api_client, make_token, payload, org, clock
):
    """CMP-1/CMP-2: a hotline integration registers a case; its time limits run and the
    service desk of the estate owns it (CMP-3)."""
    _token, secret = make_token(WRITE)
    received = (now() - timedelta(minutes=10)).isoformat()
    response = api_client(secret).post(
        "/api/complaints", payload(channel="wechat", received_at=received)
    )
    assert response.status_code == 201, response.content
    body = response.json()
    complaint = Complaint.objects.get(pk=body["id"])
    assert body["tracking_code"] == complaint.tracking_code
    assert complaint.channel == Channel.WECHAT
    assert complaint.location == org.estate
    assert complaint.received_at == now() - timedelta(minutes=10)
    assert complaint.owner == org.desk
    assert complaint.title.startswith("连续三晚")
    kinds = {d.kind for d in deadlines_for(complaint)}
    assert {"complaint.first_contact", "complaint.resolution"} <= kinds
    assert {d["kind"] for d in body["deadlines"]} == kinds


def test_it_refuses_without_a_token_or_with_a_bad_one(api_client, payload, make_token):
    assert api_client(None).post("/api/complaints", payload()).status_code == 401
    assert api_client("pz_wrong").post("/api/complaints", payload()).status_code == 401
    assert api_client("pz_wrong").get("/api/complaints/TS23456789").status_code == 401


def test_it_refuses_a_revoked_token(api_client, payload, make_token, org):
    token, secret = make_token(WRITE)
    api_token_revoke(token=token, actor=org.quality)
    assert api_client(secret).post("/api/complaints", payload()).status_code == 401


def test_it_refuses_a_token_without_the_scope(api_client, payload, make_token):
    _token, read_only = make_token(READ)
    assert api_client(read_only).post("/api/complaints", payload()).status_code == 403
    _token, write_only = make_token(WRITE)
    assert api_client(write_only).get("/api/complaints").status_code == 403


@pytest.mark.parametrize(
    "field,value",
    [
        ("channel", "walk_in"),
        ("category", "nonsense"),
        ("severity", "apocalyptic"),
        ("customer_phone", "12"),
        ("customer_email", "not-an-email"),
        ("content", ""),
        ("content", "   "),
        ("customer_name", "名" * 61),
        ("location_code", "NOPE"),
        ("received_at", "2099-01-01T00:00:00+08:00"),
        ("received_at", "yesterday"),
        ("content", "坏了\x00"),
    ],
)
def test_it_refuses_invalid_input_with_the_field(
    api_client, make_token, payload, field, value, clock
):
    _token, secret = make_token(WRITE)
    response = api_client(secret).post("/api/complaints", payload(**{field: value}))
    assert response.status_code == 422, response.content
    fields = [error["field"] for error in response.json()["errors"]]
    assert field in fields
    assert not Complaint.objects.exists()


def test_it_refuses_a_missing_field(api_client, make_token, payload):
    _token, secret = make_token(WRITE)
    body = payload()
    del body["customer_phone"]
    response = api_client(secret).post("/api/complaints", body)
    assert response.status_code == 422
    assert "customer_phone" in json.dumps(response.json())


def test_it_refuses_a_location_of_another_company(api_client, make_token, payload, org):
    from pinzhi.orgs.tests.factories import UnitFactory

    UnitFactory(company=CompanyFactory(name="别家"), code="ZZ", kind="estate")
    _token, secret = make_token(WRITE)
    response = api_client(secret).post("/api/complaints", payload(location_code="ZZ"))
    assert response.status_code == 422


def test_it_shows_status_and_milestones_with_masked_data(api_client, make_token, payload, clock):
    """ORG-3: a write-only token sees the status; the personal data stay masked."""
    _token, secret = make_token(WRITE)
    code = api_client(secret).post("/api/complaints", payload()).json()["tracking_code"]
    response = api_client(secret).get(f"/api/complaints/{code.lower()}")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "registered"
    assert [m["key"] for m in body["milestones"]] == ["received"]
    assert body["customer"]["phone"] != "13912345678"
    assert "李业主" != body["customer"]["name"]


def test_it_shows_personal_data_to_the_reading_token_that_sent_them(
    api_client, make_token, payload, clock
):
    """ORG-3: a complaints:read token gets back the data it sent itself, and only those."""
    _token, secret = make_token(WRITE, READ)
    _other, other_secret = make_token(WRITE, READ)
    code = api_client(secret).post("/api/complaints", payload()).json()["tracking_code"]
    mine = api_client(secret).get(f"/api/complaints/{code}").json()["customer"]
    assert mine["phone"] == "13912345678" and mine["name"] == "李业主"
    theirs = api_client(other_secret).get(f"/api/complaints/{code}").json()["customer"]
    assert theirs["phone"] != "13912345678"


def test_it_answers_404_for_an_unknown_or_foreign_code(api_client, make_token, payload):
    _token, secret = make_token(WRITE)
    _foreign, foreign_secret = make_token(WRITE, company=CompanyFactory(name="别家"))
    code = api_client(secret).post("/api/complaints", payload()).json()["tracking_code"]
    assert api_client(secret).get("/api/complaints/TS99999999").status_code == 404
    assert api_client(foreign_secret).get(f"/api/complaints/{code}").status_code == 404


def test_it_lists_the_companys_complaints_changed_since(api_client, make_token, payload, clock):
    _token, secret = make_token(WRITE, READ)
    _foreign, foreign_secret = make_token(WRITE, company=CompanyFactory(name="别家"))
    api_client(secret).post("/api/complaints", payload())
    clock.shift(timedelta(hours=2))
    since = now() - timedelta(hours=1)
    api_client(secret).post("/api/complaints", payload(content="电梯又坏了"))
    api_client(foreign_secret).post("/api/complaints", payload(location_code=None))
    everything = api_client(secret).get("/api/complaints").json()
    assert everything["count"] == 2
    recent = api_client(secret).get("/api/complaints", updated_since=since.isoformat()).json()
    assert recent["count"] == 1 and recent["items"][0]["tracking_code"]
    assert api_client(secret).get("/api/complaints", page="0").status_code == 422


def test_it_limits_a_token_to_its_requests_a_minute(api_client, make_token, clock, settings):
    """The limit is PINZHI_API_REQUESTS_PER_MINUTE (3000 by default, issue 9 item 2)."""
    settings.PINZHI_API_REQUESTS_PER_MINUTE = 120
    _token, secret = make_token(WRITE)
    client = api_client(secret)
    for _ in range(120):
        assert client.get("/api/complaints/TS99999999").status_code == 404
    refused = client.get("/api/complaints/TS99999999")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    clock.shift(timedelta(minutes=1))
    assert client.get("/api/complaints/TS99999999").status_code == 404


def test_it_counts_a_write_with_an_idempotency_key_once(api_client, make_token, clock, settings):
    """Issue 9 item 2: the Idempotency-Key wrapper and the API's authentication share one
    look-up and one count of the token per request."""
    settings.PINZHI_API_REQUESTS_PER_MINUTE = 3
    _token, secret = make_token(WRITE)
    client = api_client(secret)
    for n in range(3):
        response = client.post(
            "/api/complaints/TS99999999/contact", {}, **{"Idempotency-Key": f"k{n}"}
        )
        assert response.status_code == 404
    refused = client.post("/api/complaints/TS99999999/contact", {}, **{"Idempotency-Key": "k4"})
    assert refused.status_code == 429


def test_it_serves_the_openapi_schema_without_a_token(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/complaints" in schema["paths"]
    assert schema["components"]["securitySchemes"]


def test_a_resend_with_the_same_external_id_does_not_duplicate(
    api_client, make_token, payload, clock
):
    """CMP-2: a hotline system that retries after a timeout registers the case once."""
    _token, secret = make_token(WRITE)
    first = api_client(secret).post("/api/complaints", payload(external_id="HL-2026-0001"))
    again = api_client(secret).post("/api/complaints", payload(external_id="HL-2026-0001"))
    assert first.status_code == again.status_code == 201
    assert first.json()["tracking_code"] == again.json()["tracking_code"]
    assert Complaint.objects.count() == 1


def test_it_masks_personal_data_inside_the_milestone_notes(
    api_client, make_token, payload, org, clock
):
    """ORG-3: the explanation of a "not established" judgement carries the caller's name
    and number; a token that did not send the complaint gets them masked, the one that sent
    it gets them as written."""
    from pinzhi.complaints.services import complaint_judge_not_established

    _token, secret = make_token(WRITE, READ)
    _other, other_secret = make_token(WRITE, READ)
    code = api_client(secret).post("/api/complaints", payload()).json()["tracking_code"]
    note = "已致电李业主（13912345678，座机0571-87654321），翠湖花园3栋1单元502非本物业管辖"
    complaint_judge_not_established(
        complaint=Complaint.objects.get(tracking_code=code), actor=org.quality, explanation=note
    )
    theirs = api_client(other_secret).get(f"/api/complaints/{code}").json()["milestones"]
    shown = theirs[-1]["note"]
    assert shown == "已致电李**（139********，座机0571-********），翠湖花园3栋****非本物业管辖"
    mine = api_client(secret).get(f"/api/complaints/{code}").json()["milestones"]
    assert mine[-1]["note"] == note
