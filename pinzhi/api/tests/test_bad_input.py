"""Issue 6 item 8: input that made the API answer 500 (on PostgreSQL, or on every database)
gets a 4xx that names the field."""

from datetime import UTC, datetime

import pytest

from pinzhi.complaints.models import Complaint

pytestmark = pytest.mark.django_db

WRITE, READ = "complaints:write", "complaints:read"
TEXT_FIELDS = [
    "title",
    "content",
    "request",
    "customer_name",
    "customer_phone",
    "customer_email",
    "customer_address",
    "location_code",
    "external_id",
]


@pytest.fixture
def api(api_client, make_token, clock):
    _token, secret = make_token(WRITE, READ)
    return api_client(secret)


def _field_of(response) -> list:
    assert 400 <= response.status_code < 500, response.content[:300]
    return [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize("offset", ["+16:00", "-16:00", "+23:59", "-23:59"])
def test_an_updated_since_with_an_offset_beyond_15_59_is_refused_naming_the_field(api, offset):
    """Issue 6 item 8: PostgreSQL cannot store such an offset; it made the list fail."""
    response = api.get("/api/complaints", updated_since=f"2026-11-01T00:00:00{offset}")

    assert response.status_code == 422
    assert _field_of(response) == ["updated_since"]
    assert "15:59" in response.json()["errors"][0]["detail"]


@pytest.mark.parametrize("offset", ["+16:00", "-23:59"])
def test_a_received_at_with_an_offset_beyond_15_59_is_refused_naming_the_field(
    api, payload, offset
):
    """Issue 6 item 8: the registration failed in the database; nothing is stored now."""
    response = api.post("/api/complaints", payload(received_at=f"2026-11-20T09:00:00{offset}"))

    assert response.status_code == 422
    assert _field_of(response) == ["received_at"]
    assert not Complaint.objects.exists()


def test_an_offset_up_to_15_59_is_accepted(api, payload):
    created = api.post("/api/complaints", payload(received_at="2026-11-23T15:00:00+15:59"))
    listed = api.get("/api/complaints", updated_since="2026-11-01T00:00:00-15:59")

    assert created.status_code == 201
    assert Complaint.objects.get().received_at == datetime(2026, 11, 22, 23, 1, tzinfo=UTC)
    assert listed.json()["count"] == 1


@pytest.mark.parametrize(
    "moment",
    [
        "0001-01-01T00:00:00",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "0000-01-01T00:00:00",
        "10000-01-01T00:00:00",
    ],
)
def test_a_time_at_the_edge_of_the_calendar_is_refused_naming_the_field(api, payload, moment):
    """Issue 6 item 8: converting such a time to UTC overflowed (500 on SQLite)."""
    listed = api.get("/api/complaints", updated_since=moment)
    created = api.post("/api/complaints", payload(received_at=moment))

    assert listed.status_code == 422 and _field_of(listed) == ["updated_since"]
    assert created.status_code == 422 and _field_of(created) == ["received_at"]
    assert not Complaint.objects.exists()


def test_a_received_at_before_the_policy_pack_took_effect_is_refused_naming_the_field(api, payload):
    """Issue 6 item 8: without time limits in force at `received_at` the registration
    failed with a server error (RuleNotFound); it is a 422 on received_at and nothing is
    stored."""
    from pinzhi.policy.models import RuleVersion
    from pinzhi.policy.selectors import rule_cache_clear

    RuleVersion.objects.update(effective_from=datetime(2026, 1, 1, tzinfo=UTC))
    rule_cache_clear()

    response = api.post("/api/complaints", payload(received_at="2025-12-30T10:00:00+08:00"))

    assert response.status_code == 422
    assert _field_of(response) == ["received_at"]
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_a_nul_byte_in_any_text_field_is_refused_naming_the_field(api, payload, field):
    """Issue 6 item 8: location_code let a NUL byte through to the database."""
    response = api.post("/api/complaints", payload(**{field: "CH\x00X"}))

    assert response.status_code == 422
    assert _field_of(response) == [field]
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    "code", ["TS\x00123456", "TS1234%00", "ＴＳ１２３４５６７８", "TS" + "9" * 40]
)
def test_a_malformed_tracking_code_is_refused_naming_the_path_parameter(api, code):
    """Issue 6 item 8: a NUL byte in the tracking code made the lookup fail."""
    response = api.get(f"/api/complaints/{code}")

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["path", "tracking_code"]


def test_a_lower_case_or_spaced_tracking_code_still_finds_the_case(api, payload):
    code = api.post("/api/complaints", payload()).json()["tracking_code"]

    assert api.get(f"/api/complaints/ {code.lower()} ").status_code == 200


def test_a_body_over_the_upload_limit_is_a_413_in_json(api, payload, settings):
    """Issue 6 item 8: Django's plain HTML 400 became a JSON answer (a problem document, issue
    7 item 2) like every API error."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000

    response = api.post("/api/complaints", payload(content="长" * 10_000))

    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert "10000 字节" in response.json()["detail"]
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("body", [b'{"content": "\xff\xfe"}', b"\x00\x01", b"[1, 2"])
def test_a_body_that_is_not_utf8_json_is_a_400(client, make_token, body):
    _token, secret = make_token(WRITE)

    response = client.post(
        "/api/complaints",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )

    assert response.status_code == 400
    assert not Complaint.objects.exists()
