"""Training services (TRN-1, ASM-8): courses, sessions, attendance with scores, assignments
completed by a passed session, the inspectors' annual training and its warning."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from pinzhi.notify.models import Notification
from pinzhi.policy.values import Frequency
from pinzhi.training import services
from pinzhi.training.models import (
    AssignmentReason,
    AssignmentStatus,
    SessionStatus,
    TrainingAssignment,
)
from pinzhi.training.services import AttendanceRow, CourseTerms, TrainingError
from pinzhi.training.tests.conftest import at


def _held_session(o, course, when="2026-03-09 09:00"):
    return services.session_create(
        course=course,
        starts_at=at(when),
        ends_at=at(when) + timedelta(hours=2),
        location="会议室",
        actor=o.quality,
    )


def test_it_records_attendance_and_scores_passed_from_the_course_pass_score(org):
    """TRN-1: records of course, attendees and test results; passed from the pass score."""
    session = _held_session(org, org.inspection_course)
    rows = services.attendance_record(
        session=session,
        rows=[
            AttendanceRow(person=org.inspector, attended=True, score=Decimal("85")),
            AttendanceRow(person=org.inspector2, attended=True, score=Decimal("59.5")),
            AttendanceRow(person=org.staff, attended=False),
        ],
        actor=org.quality,
    )
    assert [r.passed for r in rows] == [True, False, False]
    session.refresh_from_db()
    assert session.status == SessionStatus.HELD


def test_it_refuses_bad_scores_and_attendance_before_the_session(org):
    """TRN-1: each row's problem named; nothing written."""
    session = _held_session(org, org.inspection_course)
    with pytest.raises(TrainingError) as refused:
        services.attendance_record(
            session=session,
            rows=[
                AttendanceRow(person=org.inspector, attended=True, score=Decimal("120")),
                AttendanceRow(person=org.staff, attended=False, score=Decimal("50")),
            ],
            actor=org.quality,
        )
    assert "陈检查" in refused.value.reason and "李保洁" in refused.value.reason
    assert not session.attendances.exists()
    future = _held_session(org, org.inspection_course, when="2026-03-20 09:00")
    with pytest.raises(TrainingError):
        services.attendance_record(
            session=future, rows=[AttendanceRow(person=org.inspector, attended=True)], actor=None
        )


def test_it_cancels_a_planned_session_with_a_reason_but_not_a_held_one(org):
    session = _held_session(org, org.service_course, when="2026-03-20 09:00")
    with pytest.raises(TrainingError):
        services.session_cancel(session=session, reason=" ", actor=org.quality)
    services.session_cancel(session=session, reason="讲师请假", actor=org.quality)
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    with pytest.raises(TrainingError):
        services.attendance_record(
            session=session, rows=[AttendanceRow(person=org.staff, attended=True)], actor=None
        )


def test_it_refuses_a_duplicate_course_code_and_bad_figures(org):
    with pytest.raises(TrainingError) as refused:
        services.course_create(
            company=org.company,
            terms=CourseTerms(
                code="JC-01", title="", topic="x", hours=Decimal(0), pass_score=Decimal(101)
            ),
            actor=org.quality,
        )
    fields = {e.field for e in refused.value.field_errors}
    assert fields == {"code", "title", "topic", "hours", "pass_score"}


def test_it_completes_an_assignment_when_the_person_passes_its_course(org):
    """TRN-1 / ASM-8: an assignment is tracked to completion by a passed session."""
    assignment = services.assignment_create(
        company=org.company,
        person=org.staff,
        reason=AssignmentReason.RETRAINING,
        due_on=date(2026, 4, 10),
        course=org.inspection_course,
        actor=org.quality,
    )
    session = services.session_create(
        course=org.inspection_course,
        starts_at=at("2026-03-10 09:00"),
        ends_at=at("2026-03-10 11:00"),
    )
    services.attendance_record(
        session=session,
        rows=[AttendanceRow(person=org.staff, attended=True, score=Decimal("50"))],
        actor=org.quality,
    )
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.OPEN
    services.attendance_record(
        session=session,
        rows=[AttendanceRow(person=org.staff, attended=True, score=Decimal("70"))],
        actor=org.quality,
    )
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.COMPLETED
    assert assignment.attendance.session == session


def test_it_does_not_count_a_session_passed_before_a_retraining_was_assigned(org):
    """ASM-8: retraining means training after the failed assessment."""
    session = _held_session(org, org.service_course, when="2026-03-01 09:00")
    services.attendance_record(
        session=session, rows=[AttendanceRow(person=org.staff, attended=True)], actor=None
    )
    assignment = services.assignment_create(
        company=org.company,
        person=org.staff,
        reason=AssignmentReason.RETRAINING,
        due_on=date(2026, 4, 10),
        course=org.service_course,
    )
    assert assignment.status == AssignmentStatus.OPEN
    assert Notification.objects.filter(recipient=org.staff, kind="training.assigned").exists()


def test_it_refuses_an_assignment_due_in_the_past_or_for_another_company(org):
    from pinzhi.orgs.tests.factories import CompanyFactory, PersonFactory

    stranger = PersonFactory(company=CompanyFactory(name="别家物业"))
    with pytest.raises(TrainingError) as refused:
        services.assignment_create(
            company=org.company,
            person=stranger,
            reason=AssignmentReason.REGULAR,
            due_on=date(2026, 3, 1),
        )
    assert {e.field for e in refused.value.field_errors} == {"person", "due_on"}


def test_it_gives_each_inspector_the_annual_training_once(org):
    """TRN-1 (000 第五部分 3): every inspector's annual training, assigned by the clock job,
    due at the end of the year, created once however often the job runs."""
    assert services.annual_assignments_ensure() == 2
    assert services.annual_assignments_ensure() == 0
    annual = TrainingAssignment.objects.filter(reason=AssignmentReason.ANNUAL)
    assert {a.person for a in annual} == {org.inspector, org.inspector2}
    assert {a.due_on for a in annual} == {date(2026, 12, 31)}


def test_it_completes_the_annual_training_with_an_inspection_course_of_the_year(org):
    """TRN-1: a passed inspection course of the year counts, even one passed before the
    assignment was made; a service course does not."""
    session = _held_session(org, org.inspection_course, when="2026-01-15 09:00")
    services.attendance_record(
        session=session,
        rows=[AttendanceRow(person=org.inspector, attended=True, score=Decimal("90"))],
        actor=None,
    )
    other = _held_session(org, org.service_course, when="2026-02-15 09:00")
    services.attendance_record(
        session=other, rows=[AttendanceRow(person=org.inspector2, attended=True)], actor=None
    )
    services.annual_assignments_ensure()
    status = dict(
        TrainingAssignment.objects.filter(reason=AssignmentReason.ANNUAL).values_list(
            "person__username", "status"
        )
    )
    assert status == {"inspector": AssignmentStatus.COMPLETED, "inspector2": AssignmentStatus.OPEN}


def test_it_warns_the_inspector_and_the_quality_department_once_when_behind(org, clock):
    """TRN-1: a warning when an inspector falls behind — 30 days (pack default) before the
    annual training is due and still not completed."""
    services.annual_assignments_ensure()
    assert services.assignments_behind_warn() == 0
    clock.move_to(at("2026-12-01 08:00"))
    assert services.assignments_behind_warn() == 2
    assert services.assignments_behind_warn() == 0
    told = Notification.objects.filter(kind="training.behind")
    assert {n.recipient for n in told} == {org.inspector, org.inspector2, org.quality}


def test_it_splits_the_year_by_the_pack_frequency():
    assert services.annual_periods(Frequency(1, "year"), 2026) == [
        (date(2026, 1, 1), date(2026, 12, 31))
    ]
    assert services.annual_periods(Frequency(2, "year"), 2026) == [
        (date(2026, 1, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2026, 12, 31)),
    ]


def test_it_runs_the_annual_assignments_and_the_warning_from_the_daily_clock_job(org, clock):
    """TRN-1: the clock's daily job assigns the annual training and warns when behind."""
    from pinzhi.core.clock import periodic_jobs
    from pinzhi.training.tasks import training_daily_task

    assert periodic_jobs["training.daily"].every == timedelta(days=1)
    assert training_daily_task.call() == {"assigned": 2, "warned": 0}
    clock.move_to(at("2027-01-05 08:00"))
    # The new year's assignments are made; last year's, now overdue, are warned about.
    assert training_daily_task.call() == {"assigned": 2, "warned": 2}
