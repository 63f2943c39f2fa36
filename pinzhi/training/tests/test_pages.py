"""Training pages (TRN-1): my training, courses, sessions with the attendance sheet,
cancellation with confirmation, assignments and who is behind."""

from datetime import date

from django.urls import reverse

from pinzhi.training import services
from pinzhi.training.models import (
    AssignmentReason,
    AssignmentStatus,
    Attendance,
    Course,
    SessionStatus,
    TrainingAssignment,
)
from pinzhi.training.tests.conftest import at


def _session(o, course=None, when="2026-03-10 08:00"):
    return services.session_create(
        course=course or o.inspection_course,
        starts_at=at(when),
        ends_at=at(when).replace(hour=at(when).hour + 1),
        location="三楼会议室",
        trainer="品质部 周老师",
    )


def test_it_shows_a_person_their_training_or_an_empty_state(org, client):
    """TRN-1: my training — assignments and sessions with scores, in Chinese."""
    client.force_login(org.staff)
    empty = client.get(reverse("training:mine"))
    assert empty.status_code == 200
    assert "暂无布置给您的培训" in empty.content.decode()
    services.assignment_create(
        company=org.company,
        person=org.staff,
        reason=AssignmentReason.REGULAR,
        due_on=date(2026, 4, 1),
        course=org.service_course,
    )
    page = client.get(reverse("training:mine")).content.decode()
    assert "服务意识" in page and "2026-04-01" in page and "员工常规培训" in page


def test_it_adds_a_course_with_specific_messages_for_bad_input(org, client):
    """TRN-1: courses with topics; a taken code and a pass score over 100 are named."""
    client.force_login(org.quality)
    bad = client.post(
        reverse("training:course_create"),
        {
            "code": "JC-01",
            "title": "应急演练",
            "topic": "emergency",
            "hours": "2",
            "pass_score": "120",
        },
    )
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "JC-01" in text and "0 至 100" in text
    good = client.post(
        reverse("training:course_create"),
        {
            "code": "YJ-01",
            "title": "应急演练",
            "topic": "emergency",
            "hours": "2",
            "is_active": "on",
        },
    )
    assert good.status_code == 302
    assert Course.objects.get(code="YJ-01").topic == "emergency"
    listed = client.get(reverse("training:courses"), {"topic": "emergency"}).content.decode()
    assert "应急演练" in listed and "监督检查业务培训" not in listed


def test_it_records_the_attendance_sheet_and_names_a_bad_score(org, client):
    """TRN-1: the sheet records attendance and scores in one go; a score that is not a
    number is refused naming the person, with nothing written."""
    session = _session(org)
    client.force_login(org.quality)
    page = client.get(reverse("training:session", args=[session.pk]), {"add": [org.inspector.pk]})
    assert "陈检查" in page.content.decode()
    url = reverse("training:session_attendance", args=[session.pk])
    bad = client.post(
        url,
        {
            "person": [org.inspector.pk, org.inspector2.pk],
            f"attended_{org.inspector.pk}": "on",
            f"score_{org.inspector.pk}": "八十",
            f"attended_{org.inspector2.pk}": "on",
            f"score_{org.inspector2.pk}": "70",
        },
    )
    assert bad.status_code == 400
    assert "陈检查" in bad.content.decode() and "八十" in bad.content.decode()
    assert not Attendance.objects.exists()
    good = client.post(
        url,
        {
            "person": [org.inspector.pk, org.inspector2.pk],
            f"attended_{org.inspector.pk}": "on",
            f"score_{org.inspector.pk}": "80",
            f"score_{org.inspector2.pk}": "",
        },
    )
    assert good.status_code == 302
    rows = {a.person: (a.attended, a.passed) for a in Attendance.objects.all()}
    assert rows == {org.inspector: (True, True), org.inspector2: (False, False)}


def test_it_cancels_a_session_after_a_confirmation_page(org, client):
    """TRN-1: cancelling asks first and needs a reason."""
    session = _session(org, when="2026-03-20 09:00")
    client.force_login(org.quality)
    url = reverse("training:session_cancel", args=[session.pk])
    confirm = client.get(url).content.decode()
    assert "取消后不能恢复" in confirm
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "讲师出差"}).status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED


def test_it_lists_who_is_behind_for_the_quality_department_only_to_read(org, client, clock):
    """TRN-1: the inspectors behind on their annual training, for the quality department;
    service staff may not open the page."""
    services.annual_assignments_ensure()
    clock.move_to(at("2026-12-10 09:00"))
    client.force_login(org.quality)
    page = client.get(reverse("training:behind")).content.decode()
    assert "陈检查" in page and "王检查" in page and "2026-12-31" in page
    client.force_login(org.staff)
    assert client.get(reverse("training:behind")).status_code == 403


def test_it_assigns_and_cancels_a_training(org, client):
    client.force_login(org.quality)
    response = client.post(
        reverse("training:assignment_create"),
        {"person": org.staff.pk, "reason": "regular", "due_on": "2026-02-01", "note": ""},
    )
    assert response.status_code == 400 and "不能早于今天" in response.content.decode()
    client.post(
        reverse("training:assignment_create"),
        {"person": org.staff.pk, "reason": "regular", "due_on": "2026-05-01"},
    )
    assignment = TrainingAssignment.objects.get(person=org.staff)
    url = reverse("training:assignment_cancel", args=[assignment.pk])
    assert client.post(url, {"reason": "已离职"}).status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CANCELLED
    listed = client.get(reverse("training:assignments"), {"q": "李保洁"}).content.decode()
    assert "已取消" in listed
