"""Idempotency-Key on every write of the API (issue 8 item 5)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from pinzhi.api.idempotency import HEADER
from pinzhi.api.models import IdempotencyKey
from pinzhi.api.services import idempotency_purge
from pinzhi.complaints.models import Complaint
from pinzhi.portal.tests.test_form import PNG
from pinzhi.timeline.models import Attachment

WRITE, READ = "complaints:write", "complaints:read"
KEY = {HEADER: "0f8fad5b-d9cb-469f-a165-70867728950e"}


@pytest.fixture
def hotline(make_token, api_client, org, clock):
    _token, secret = make_token(WRITE, READ)
    return api_client(secret)


def test_it_registers_once_when_a_complaint_is_sent_again_with_its_key(hotline, payload):
    """Issue 8 item 5: a registration retried with the same key (the answer was lost) is not
    registered twice; the first answer is sent again."""
    first = hotline.post("/api/complaints", payload(), **KEY)
    again = hotline.post("/api/complaints", payload(), **KEY)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Complaint.objects.count() == 1


def test_it_takes_the_same_json_written_differently_as_the_same_request(hotline, payload):
    body = payload()
    first = hotline.post("/api/complaints", body, **KEY)
    reordered = dict(reversed(list(body.items())))
    again = hotline.post("/api/complaints", reordered, **KEY)
    assert again.status_code == 201 and again.json() == first.json()
    assert Complaint.objects.count() == 1


def test_it_refuses_the_same_key_with_another_request(hotline, payload):
    """Issue 8 item 5: the same key with a different body is refused (422 problem), and the
    other request is not carried out."""
    hotline.post("/api/complaints", payload(), **KEY)
    response = hotline.post("/api/complaints", payload(content="另一件事：电梯停运"), **KEY)
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "urn:pinzhi:problem:idempotency_key_reused"
    assert problem["field"] == HEADER and "Idempotency-Key" in problem["detail"]
    assert response["Content-Type"] == "application/problem+json"
    assert Complaint.objects.count() == 1


def test_it_keeps_keys_apart_per_token(hotline, payload, make_token, api_client):
    """Issue 8 item 5: keys belong to the token: another integration's same key is its own."""
    hotline.post("/api/complaints", payload(), **KEY)
    _token, other = make_token(WRITE)
    response = api_client(other).post("/api/complaints", payload(), **KEY)
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Complaint.objects.count() == 2


@override_settings(PINZHI_API_IDEMPOTENCY_HOURS=24)
def test_it_forgets_a_key_after_the_retention_set(hotline, payload, clock):
    """Issue 8 item 5: keys are kept PINZHI_API_IDEMPOTENCY_HOURS; then forgotten (and
    purged by the hourly job)."""
    hotline.post("/api/complaints", payload(), **KEY)
    clock.shift(timedelta(hours=23))
    assert hotline.post("/api/complaints", payload(), **KEY)["Idempotent-Replayed"] == "true"
    clock.shift(timedelta(hours=2))
    response = hotline.post("/api/complaints", payload(), **KEY)
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Complaint.objects.count() == 2
    clock.shift(timedelta(hours=25))
    assert idempotency_purge() == 1
    assert not IdempotencyKey.objects.exists()


def test_it_does_not_keep_a_refused_write(hotline, payload):
    """A refused write changed nothing: sent again with its key once corrected, it is done."""
    refused = hotline.post("/api/complaints", payload(location_code="NOPE"), **KEY)
    assert refused.status_code == 422
    assert not IdempotencyKey.objects.exists()
    assert hotline.post("/api/complaints", payload(location_code="NOPE"), **KEY).status_code == 422


@pytest.mark.parametrize("key", ["", "x" * 256, "中文键", "a b"])
def test_it_refuses_a_key_that_is_not_one(hotline, payload, key):
    response = hotline.post("/api/complaints", payload(), **{HEADER: key})
    assert response.status_code == 422
    assert response.json()["type"] == "urn:pinzhi:problem:invalid_idempotency_key"
    assert response.json()["errors"][0]["loc"] == ["header", HEADER]
    assert not Complaint.objects.exists()


def test_it_replays_a_photo_upload(hotline, payload):
    """Issue 8 item 5: a multipart upload sent again with its key attaches the photo once."""
    code = hotline.post("/api/complaints", payload()).json()["tracking_code"]
    path = f"/api/complaints/{code}/photos"
    for _attempt in range(2):
        photo = SimpleUploadedFile("bike.png", PNG, content_type="image/png")
        response = hotline.upload(path, {"photo": photo}, **KEY)
        assert response.status_code == 201, response.content
    assert response["Idempotent-Replayed"] == "true"
    assert Attachment.objects.count() == 1


def test_it_leaves_a_request_without_a_token_to_the_api(api_client, payload, org):
    response = api_client(None).post("/api/complaints", payload(), **KEY)
    assert response.status_code == 401
    assert not IdempotencyKey.objects.exists()


def test_the_schema_documents_the_key_on_every_write(client):
    """Issue 8 item 5: every write operation of the schema takes the header."""
    schema = client.get("/api/openapi.json").json()
    writes = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if method in ("post", "put", "patch", "delete")
    ]
    assert len(writes) >= 8
    for path, method, operation in writes:
        names = [(p["in"], p["name"]) for p in operation.get("parameters", [])]
        assert ("header", HEADER) in names, (method, path)
