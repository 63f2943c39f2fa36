"""Training through the API (TRN-1): what an HR or e-learning system reads — the company's
courses, sessions with their attendance and scores, and the assignments people must complete
(training:read) — and what it records: a held session's attendance and test scores
(training:write), attributed to the token's creator, who must be of the quality department
as on the session's page."""

from decimal import Decimal

from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _
from ninja import Query, Schema
from pydantic import Field

from pinzhi.api.api import ErrorOut, _require, api
from pinzhi.api.models import SCOPE_TRAINING_READ, SCOPE_TRAINING_WRITE, ApiToken
from pinzhi.api.problems import InvalidInput, NotFound
from pinzhi.lib.errors import DomainError
from pinzhi.orgs.models import Person
from pinzhi.training import services
from pinzhi.training.models import (
    AssignmentReason,
    AssignmentStatus,
    Course,
    SessionStatus,
    TrainingAssignment,
    TrainingSession,
)
from pinzhi.training.selectors import MANAGE_ROLES

PAGE_SIZE = 50
NO_SESSION = _("There is no such training session.")
NO_PERSON = _("Row %(row)s: nobody of your company has the employee number “%(number)s”.")
NOT_MANAGER = _(
    "Attendance is recorded by the quality department: the token's creator is not of it."
)
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
WRITE_ERRORS = {**READ_ERRORS, 409: ErrorOut}


class ApiRefused(DomainError):
    code = "forbidden"
    status = 403


class PageFilter(Schema):
    page: int = Field(1, ge=1, le=100000)


class SessionFilter(Schema):
    status: SessionStatus | None = Field(None, description="planned, held or cancelled.")
    course: str | None = Field(None, max_length=40, description="Only this course code.")
    page: int = Field(1, ge=1, le=100000)


class AssignmentFilter(Schema):
    status: AssignmentStatus | None = Field(None, description="open, completed or cancelled.")
    reason: AssignmentReason | None = Field(None, description="annual, retraining or regular.")
    employee_no: str | None = Field(None, max_length=40, description="Only this person.")
    page: int = Field(1, ge=1, le=100000)


class CourseOut(Schema):
    code: str
    title: str
    topic: str = Field(description="service_awareness, process, communication, emergency, …")
    hours: Decimal
    pass_score: Decimal | None = Field(description="Out of 100; null: no test.")
    active: bool


class AttendanceOut(Schema):
    name: str
    employee_no: str
    attended: bool
    score: Decimal | None
    passed: bool | None = Field(description="null while a tested course's score is missing.")


class SessionOut(Schema):
    id: int
    course: str = Field(description="The course code.")
    starts_at: str
    ends_at: str
    location: str
    trainer: str
    status: str
    attendance: list[AttendanceOut]


class AssignmentOut(Schema):
    id: int
    name: str
    employee_no: str
    course: str | None = Field(description="The course code, or null: any course.")
    reason: str
    due_on: str
    status: str
    completed_at: str | None


class CoursePage(Schema):
    count: int
    page: int
    pages: int
    items: list[CourseOut]


class SessionPage(Schema):
    count: int
    page: int
    pages: int
    items: list[SessionOut]


class AssignmentPage(Schema):
    count: int
    page: int
    pages: int
    items: list[AssignmentOut]


class AttendanceIn(Schema):
    employee_no: str = Field(min_length=1, max_length=40)
    attended: bool
    score: Decimal | None = Field(None, ge=0, le=100, max_digits=4, decimal_places=1)


class AttendanceRecordIn(Schema):
    rows: list[AttendanceIn] = Field(min_length=1, max_length=500)


def _page(queryset, number: int):
    paginator = Paginator(queryset, PAGE_SIZE)
    page = paginator.page(min(number, paginator.num_pages))
    return {"count": paginator.count, "page": page.number, "pages": paginator.num_pages}, page


def _session_out(session: TrainingSession) -> dict:
    return {
        "id": session.pk,
        "course": session.course.code,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "location": session.location,
        "trainer": session.trainer,
        "status": session.status,
        "attendance": [
            {
                "name": a.person.full_name or a.person.username,
                "employee_no": a.person.employee_no,
                "attended": a.attended,
                "score": a.score,
                "passed": a.passed,
            }
            for a in session.attendances.all()
        ],
    }


@api.get(
    "/training/courses",
    response={200: CoursePage, **READ_ERRORS},
    url_name="training_courses",
    summary="Training courses",
)
def course_list(request, filters: Query[PageFilter]):
    """TRN-1: the company's courses by code, 50 a page (training:read)."""
    token = _require(request, SCOPE_TRAINING_READ)
    courses = Course.objects.filter(company_id=token.company_id).order_by("code", "pk")
    head, page = _page(courses, filters.page)
    return {
        **head,
        "items": [
            {
                "code": c.code,
                "title": c.title,
                "topic": c.topic,
                "hours": c.hours,
                "pass_score": c.pass_score,
                "active": c.is_active,
            }
            for c in page.object_list
        ],
    }


@api.get(
    "/training/sessions",
    response={200: SessionPage, **READ_ERRORS},
    url_name="training_sessions",
    summary="Training sessions with attendance and scores",
)
def session_list(request, filters: Query[SessionFilter]):
    """TRN-1: the company's sessions, latest first, each with who attended, their score and
    whether they passed; 50 a page (training:read)."""
    token = _require(request, SCOPE_TRAINING_READ)
    sessions = TrainingSession.objects.filter(company_id=token.company_id)
    if filters.status:
        sessions = sessions.filter(status=filters.status)
    if filters.course:
        sessions = sessions.filter(course__code=filters.course.strip())
    sessions = (
        sessions.select_related("course")
        .prefetch_related("attendances__person")
        .order_by("-starts_at", "-pk")
    )
    head, page = _page(sessions, filters.page)
    return {**head, "items": [_session_out(s) for s in page.object_list]}


@api.get(
    "/training/assignments",
    response={200: AssignmentPage, **READ_ERRORS},
    url_name="training_assignments",
    summary="Training people must complete",
)
def assignment_list(request, filters: Query[AssignmentFilter]):
    """TRN-1 / ASM-8: the inspectors' annual training, retraining after a failed assessment
    and regular training, earliest due first, 50 a page (training:read)."""
    token = _require(request, SCOPE_TRAINING_READ)
    rows = TrainingAssignment.objects.filter(company_id=token.company_id)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.reason:
        rows = rows.filter(reason=filters.reason)
    if filters.employee_no:
        rows = rows.filter(person__employee_no=filters.employee_no.strip())
    rows = rows.select_related("person", "course").order_by("due_on", "pk")
    head, page = _page(rows, filters.page)
    return {
        **head,
        "items": [
            {
                "id": a.pk,
                "name": a.person.full_name or a.person.username,
                "employee_no": a.person.employee_no,
                "course": a.course.code if a.course else None,
                "reason": a.reason,
                "due_on": a.due_on.isoformat(),
                "status": a.status,
                "completed_at": a.completed_at.isoformat() if a.completed_at else None,
            }
            for a in page.object_list
        ],
    }


def _session(token: ApiToken, pk: int) -> TrainingSession:
    session = (
        TrainingSession.objects.filter(company_id=token.company_id, pk=pk)
        .select_related("course")
        .first()
    )
    if session is None:
        raise NotFound(NO_SESSION)
    return session


@api.post(
    "/training/sessions/{session_id}/attendance",
    response={200: SessionOut, **WRITE_ERRORS},
    url_name="training_attendance",
    summary="Record a held session's attendance and test scores",
)
def attendance_record(request, session_id: int, payload: AttendanceRecordIn):
    """TRN-1: who attended and their scores, by employee number; passed follows from the
    course's pass score and completes the assignments it satisfies. Recording again replaces
    a person's row (training:write; the token's creator must be of the quality department)."""
    token = _require(request, SCOPE_TRAINING_WRITE)
    actor = token.created_by
    if not (actor.is_superuser or actor.role_codes & MANAGE_ROLES):
        raise ApiRefused(NOT_MANAGER)
    session = _session(token, session_id)
    numbers = [row.employee_no.strip() for row in payload.rows]
    people = {
        p.employee_no: p
        for p in Person.objects.filter(
            company_id=token.company_id, employee_no__in=numbers, is_active=True
        )
    }
    rows = []
    for index, row in enumerate(payload.rows, start=1):
        person = people.get(row.employee_no.strip())
        if person is None:
            raise InvalidInput(NO_PERSON, field="rows", row=index, number=row.employee_no)
        rows.append(services.AttendanceRow(person=person, attended=row.attended, score=row.score))
    services.attendance_record(session=session, rows=rows, actor=actor)
    session = (
        TrainingSession.objects.filter(pk=session.pk)
        .select_related("course")
        .prefetch_related("attendances__person")
        .get()
    )
    return _session_out(session)
