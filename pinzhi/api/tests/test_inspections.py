"""Inspections through the API (INS-5; issue 10 item 9): read the company's inspections, and
submit a whole one with answers, photos and signatures — idempotently, in the name of a
person allowed to conduct it, with the same refusals as the phone page."""

import base64
import uuid

import pytest

from pinzhi.inspections.models import Answer, Inspection, Photo, Signature
from pinzhi.inspections.tests.factories import inspection_planned, template_published
from pinzhi.inspections.tests.test_conduct import JPEG, PNG
from pinzhi.orgs.tests.factories import CompanyFactory, PersonFactory
from pinzhi.timeline.models import Event


@pytest.fixture
def inspector(org):
    return PersonFactory(unit=org.hq, roles=["inspector"], full_name="巡检员小王")


@pytest.fixture
def task(org, inspector):
    return inspection_planned(
        version=template_published(org.company), unit=org.estate, inspector=inspector
    )


def bearer(make_token, *scopes):
    _token, secret = make_token(*scopes)
    return {"Authorization": f"Bearer {secret}"}


def b64(data):
    return base64.b64encode(data).decode()


def submission(**extra):
    fail_key = str(uuid.uuid4())
    body = {
        "declared_no_conflict": True,
        "credentials_shown": True,
        "consent_by": "王经理",
        "answers": [
            {"client_key": str(uuid.uuid4()), "item": "A1", "result": "pass"},
            {"client_key": str(uuid.uuid4()), "item": "A2", "result": "pass"},
            {
                "client_key": fail_key,
                "item": "B1",
                "result": "fail",
                "severity": "general",
                "note": "楼道有垃圾",
            },
            {"client_key": str(uuid.uuid4()), "item": "B2", "result": "na"},
        ],
        "photos": [
            {
                "client_key": str(uuid.uuid4()),
                "item": "B1",
                "filename": "p.jpg",
                "content_base64": b64(JPEG),
                "annotated": True,
            }
        ],
        "signatures": [
            {
                "client_key": str(uuid.uuid4()),
                "item": "B1",
                "filename": "s.png",
                "content_base64": b64(PNG),
                "signed_by_name": "李主管",
            }
        ],
        "observations": "整体良好",
    }
    body.update(extra)
    return body


def post(client, task, body, headers):
    return client.post(
        f"/api/inspections/{task.pk}/submission",
        body,
        content_type="application/json",
        headers=headers,
    )


def test_a_whole_inspection_is_submitted_once(client, make_token, task):
    """INS-5: one request starts, answers, attaches the photo and the signature and submits;
    sent again (a new Idempotency-Key, the same client keys) it returns the same inspection
    and stores nothing twice."""
    headers = bearer(make_token, "inspections:write", "inspections:read")
    body = submission()
    first = post(client, task, body, headers)
    assert first.status_code == 200, first.content
    data = first.json()
    assert data["status"] == "submitted" and data["percent"] == "66.67" and data["passed"]
    again = post(client, task, body, headers)
    assert again.status_code == 200, again.content
    assert Answer.objects.filter(inspection=task).count() == 4
    assert Photo.objects.count() == 1 and Signature.objects.count() == 1
    assert Event.objects.filter(action="inspection.submitted").count() == 1
    b1 = next(a for a in again.json()["answers"] if a["item"] == "B1")
    assert b1["confirmed_by"] == "李主管" and len(b1["photos"][0]["sha256"]) == 64


def test_a_refused_submission_writes_nothing(client, make_token, task):
    """INS-5: an answer failed without its severity is refused with the field, and nothing of
    the request is kept (all or nothing)."""
    headers = bearer(make_token, "inspections:write")
    body = submission()
    body["answers"][0] = {"client_key": str(uuid.uuid4()), "item": "A1", "result": "fail"}
    response = post(client, task, body, headers)
    assert response.status_code == 422, response.content
    task.refresh_from_db()
    assert task.status == Inspection.Status.PLANNED
    assert not Answer.objects.exists() and not Photo.objects.exists()


def test_the_person_named_must_be_allowed_to_conduct_it(client, make_token, task, org):
    """INS-5: a write is made in the name of a person allowed to take that step: another
    inspector than the assigned one is refused."""
    other = PersonFactory(unit=org.hq, roles=["inspector"])
    headers = bearer(make_token, "inspections:write")
    response = post(client, task, submission(inspector_id=other.pk), headers)
    assert response.status_code == 422 and "inspector_id" in response.content.decode()


def test_a_token_reads_only_its_companys_inspections(client, make_token, task):
    """ORG-2: another company's token finds nothing; a token without the scope is refused."""
    headers = bearer(make_token, "inspections:read")
    listed = client.get("/api/inspections", headers=headers).json()
    assert [i["id"] for i in listed["items"]] == [task.pk]
    assert client.get(f"/api/inspections/{task.pk}", headers=headers).status_code == 200
    other = CompanyFactory(name="另一家物业")
    _token, secret = make_token("inspections:read", company=other)
    foreign = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"/api/inspections/{task.pk}", headers=foreign).status_code == 404
    assert client.get("/api/inspections", headers=foreign).json()["items"] == []
    no_scope = bearer(make_token, "complaints:read")
    assert client.get("/api/inspections", headers=no_scope).status_code == 403
