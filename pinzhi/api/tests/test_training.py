"""Training through the API (TRN-1): courses, sessions with scores, assignments; recording
attendance attributed like the session's page."""

from datetime import date

import pytest

from pinzhi.api.services import api_token_create
from pinzhi.orgs.tests.factories import CompanyFactory
from pinzhi.training import services
from pinzhi.training.models import AssignmentReason, AssignmentStatus, TrainingAssignment
from pinzhi.training.tests.conftest import at, clock, org  # noqa: F401 (fixtures)


@pytest.fixture
def training_api(org, api_client):  # noqa: F811 (the imported fixture)
    def make(*scopes, company=None, actor=None):
        _token, secret = api_token_create(
            name="培训系统",
            company=company or org.company,
            scopes=list(scopes),
            actor=actor or org.quality,
        )
        return api_client(secret)

    return make


@pytest.fixture
def held(org):  # noqa: F811
    return services.session_create(
        course=org.inspection_course,
        starts_at=at("2026-03-10 08:00"),
        ends_at=at("2026-03-10 09:30"),
        location="培训室",
    )


def test_it_records_attendance_by_employee_number_and_completes_the_assignment(
    org,  # noqa: F811
    training_api,
    held,
):
    """TRN-1: an e-learning system records who attended and their scores; a pass completes
    the person's assignment of the course."""
    assignment = services.assignment_create(
        company=org.company,
        person=org.inspector,
        reason=AssignmentReason.REGULAR,
        due_on=date(2026, 4, 30),
        course=org.inspection_course,
    )
    api = training_api("training:read", "training:write")
    response = api.post(
        f"/api/training/sessions/{held.pk}/attendance",
        {
            "rows": [
                {"employee_no": "I001", "attended": True, "score": "88"},
                {"employee_no": "I002", "attended": True, "score": "40"},
            ]
        },
    )
    assert response.status_code == 200, response.content
    passed = {row["employee_no"]: row["passed"] for row in response.json()["attendance"]}
    assert passed == {"I001": True, "I002": False}
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.COMPLETED
    listed = api.get("/api/training/assignments", employee_no="I001").json()
    assert listed["items"][0]["status"] == "completed"
    sessions = api.get("/api/training/sessions", course="JC-01").json()
    assert sessions["count"] == 1 and sessions["items"][0]["status"] == "held"
    courses = api.get("/api/training/courses").json()
    assert [c["code"] for c in courses["items"]] == ["FW-01", "JC-01"]


def test_it_refuses_an_unknown_person_a_bad_score_and_a_future_session(
    org,  # noqa: F811
    training_api,
    held,
):
    """TRN-1: bad input is a 4xx naming the row; nothing is written."""
    api = training_api("training:write")
    url = f"/api/training/sessions/{held.pk}/attendance"
    unknown = api.post(url, {"rows": [{"employee_no": "X999", "attended": True}]})
    assert unknown.status_code == 422 and "X999" in unknown.text
    bad = api.post(url, {"rows": [{"employee_no": "I001", "attended": True, "score": 150}]})
    assert bad.status_code == 422
    assert not held.attendances.exists()
    future = services.session_create(
        course=org.service_course,
        starts_at=at("2026-04-01 09:00"),
        ends_at=at("2026-04-01 10:00"),
    )
    late = api.post(
        f"/api/training/sessions/{future.pk}/attendance",
        {"rows": [{"employee_no": "I001", "attended": True}]},
    )
    assert late.status_code == 409


def test_it_writes_only_for_the_quality_department_and_reads_only_its_company(
    org,  # noqa: F811
    training_api,
    held,
):
    """TRN-1, ORG-2: attendance is recorded as on the page (the quality department); a
    token reads and writes its own company's training only."""
    by_manager = training_api("training:write", actor=org.manager)
    refused = by_manager.post(
        f"/api/training/sessions/{held.pk}/attendance",
        {"rows": [{"employee_no": "I001", "attended": True}]},
    )
    assert refused.status_code == 403
    other = CompanyFactory(name="别家物业服务有限公司")
    stranger = training_api("training:read", "training:write", company=other)
    assert stranger.get("/api/training/sessions").json()["count"] == 0
    missing = stranger.post(
        f"/api/training/sessions/{held.pk}/attendance",
        {"rows": [{"employee_no": "I001", "attended": True}]},
    )
    assert missing.status_code == 404
    assert training_api("complaints:read").get("/api/training/courses").status_code == 403
    services.annual_assignments_ensure()
    annual = training_api("training:read").get("/api/training/assignments", reason="annual")
    assert annual.json()["count"] == TrainingAssignment.objects.filter(reason="annual").count() == 2
