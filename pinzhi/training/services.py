"""Training services (TRN-1, ASM-8): courses, sessions, attendance with test scores, and the
assignments a person must complete — the inspectors' annual training (pack rule
`training.inspector_training`), the retraining decided after a failed assessment and regular
staff training.

An assignment is completed by a passed attendance: of its course when it names one, else of
any course (for the inspectors' annual training: of a course on inspection work) held inside
the assignment's period. Completing one runs the hooks the apps above registered
(`training.hooks`): the assessment marks the retraining's consequence done.

Every write is atomic and recorded on the timeline; notifications go out on commit."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.lib.months import day_of, local_start
from pinzhi.notify.services import notify
from pinzhi.orgs.models import Company, Person
from pinzhi.orgs.roles import Role
from pinzhi.orgs.selectors import DEFAULT_PACK
from pinzhi.policy.selectors import rule_value_or_none
from pinzhi.policy.values import Frequency
from pinzhi.timeline.services import event_record
from pinzhi.training.events import TrainingEvent
from pinzhi.training.hooks import completed_run
from pinzhi.training.models import (
    AssignmentReason,
    AssignmentStatus,
    Attendance,
    Course,
    SessionStatus,
    Topic,
    TrainingAssignment,
    TrainingSession,
)

MAX_SCORE = Decimal(100)
DEFAULT_WARNING = timedelta(days=30)

MSG_CODE_TAKEN = _("Your company already has a course with the code “%(code)s”.")
MSG_CODE_EMPTY = _("Give the course a code.")
MSG_TITLE_EMPTY = _("Give the course a title.")
MSG_HOURS = _("A course lasts more than zero and at most 1000 hours.")
MSG_PASS_SCORE = _("The pass score must be between 0 and 100.")
MSG_TOPIC = _("Choose one of the training topics.")
MSG_COURSE_INACTIVE = _("The course “%(course)s” is no longer offered: choose an active course.")
MSG_COURSE_OTHER = _("The course belongs to another company.")
MSG_SESSION_PERIOD = _("A session must end after it starts.")
MSG_SESSION_CANCELLED = _("This session was cancelled: nothing can be recorded for it.")
MSG_SESSION_HELD = _("This session was already held: it can no longer be cancelled.")
MSG_SESSION_NOT_STARTED = _(
    "The session has not started yet: record attendance and scores once it is held."
)
MSG_CANCEL_REASON = _("Say why the session is cancelled.")
MSG_PERSON_OTHER = _("%(name)s is not one of your company's people.")
MSG_PERSON_TWICE = _("%(name)s is listed twice: record each attendee once.")
MSG_SCORE = _("%(name)s: a test score must be between 0 and 100.")
MSG_SCORE_ABSENT = _("%(name)s did not attend: a test score needs attendance.")
MSG_NO_ROWS = _("Add at least one attendee.")
MSG_REASON = _("Choose why the training is assigned.")
MSG_DUE_PAST = _("The due date cannot be in the past.")
MSG_ASSIGNMENT_CLOSED = _("This assignment is no longer open.")
MSG_ASSIGNMENT_CANCEL_REASON = _("Say why the assignment is cancelled.")

BEHIND_TITLE = _("Training due on %(due)s is not completed: %(name)s")
BEHIND_BODY = _(
    "%(name)s has not yet passed the assigned training (%(what)s), due on %(due)s. "
    "Please take a session of the course in time."
)
ASSIGNED_TITLE = _("Training assigned to you: %(what)s, due on %(due)s")


class TrainingError(DomainError):
    """A refusal of the training services."""

    code = "training_refused"
    status = 422


def _pack_of(company: Company) -> str:
    return company.policy_pack or DEFAULT_PACK


def _label(person: Person) -> str:
    return person.full_name or person.username


# --- courses ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CourseTerms:
    """What a course says, as the form or the API gives it."""

    code: str
    title: str
    topic: str
    hours: Decimal
    pass_score: Decimal | None = None
    description: str = ""
    is_active: bool = True


def _check_course(*, company: Company, terms: CourseTerms, course_pk: int | None) -> None:
    errors: list[DomainError] = []
    code = terms.code.strip()
    if not code:
        errors.append(TrainingError(MSG_CODE_EMPTY, field="code"))
    else:
        taken = Course.objects.filter(company=company, code=code)
        if course_pk is not None:
            taken = taken.exclude(pk=course_pk)
        if taken.exists():
            errors.append(TrainingError(MSG_CODE_TAKEN, field="code", code=code))
    if not terms.title.strip():
        errors.append(TrainingError(MSG_TITLE_EMPTY, field="title"))
    if terms.topic not in Topic.values:
        errors.append(TrainingError(MSG_TOPIC, field="topic"))
    if not Decimal(0) < terms.hours <= Decimal(1000):
        errors.append(TrainingError(MSG_HOURS, field="hours"))
    if terms.pass_score is not None and not Decimal(0) <= terms.pass_score <= MAX_SCORE:
        errors.append(TrainingError(MSG_PASS_SCORE, field="pass_score"))
    if errors:
        raise TrainingError.several(errors)


def _course_fields(terms: CourseTerms) -> dict:
    return {
        "code": terms.code.strip(),
        "title": terms.title.strip(),
        "topic": terms.topic,
        "hours": terms.hours,
        "pass_score": terms.pass_score,
        "description": terms.description.strip(),
        "is_active": terms.is_active,
    }


@transaction.atomic
def course_create(*, company: Company, terms: CourseTerms, actor: Person | None) -> Course:
    """Add a course (TRN-1: service awareness, process, communication, emergency handling,
    inspection work …) with its hours and the test score that passes it."""
    _check_course(company=company, terms=terms, course_pk=None)
    course = Course.objects.create(company=company, **_course_fields(terms))
    event_record(subject=course, action=TrainingEvent.COURSE_SAVED, actor=actor)
    return course


@transaction.atomic
def course_update(*, course: Course, terms: CourseTerms, actor: Person | None) -> Course:
    """Change a course. Scores already recorded keep the pass/fail they were given."""
    course = Course.objects.select_for_update().get(pk=course.pk)
    _check_course(company=course.company, terms=terms, course_pk=course.pk)
    for name, value in _course_fields(terms).items():
        setattr(course, name, value)
    course.save()
    event_record(subject=course, action=TrainingEvent.COURSE_SAVED, actor=actor)
    return course


# --- sessions -----------------------------------------------------------------------------


@transaction.atomic
def session_create(
    *,
    course: Course,
    starts_at: datetime,
    ends_at: datetime,
    location: str = "",
    trainer: str = "",
    actor: Person | None = None,
) -> TrainingSession:
    """Plan a session of an active course (TRN-1)."""
    errors: list[DomainError] = []
    if not course.is_active:
        errors.append(TrainingError(MSG_COURSE_INACTIVE, field="course", course=course.title))
    if ends_at <= starts_at:
        errors.append(TrainingError(MSG_SESSION_PERIOD, field="ends_at"))
    if errors:
        raise TrainingError.several(errors)
    session = TrainingSession.objects.create(
        company_id=course.company_id,
        course=course,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location.strip(),
        trainer=trainer.strip(),
        created_by=actor,
    )
    event_record(
        subject=session,
        action=TrainingEvent.SESSION_CREATED,
        actor=actor,
        data={"course_id": course.pk, "starts_at": starts_at.isoformat()},
    )
    return session


@transaction.atomic
def session_cancel(*, session: TrainingSession, reason: str, actor: Person | None) -> None:
    """Cancel a planned session, with the reason. A held session stays on record."""
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if session.status == SessionStatus.CANCELLED:
        raise TrainingError(MSG_SESSION_CANCELLED, status=409)
    if session.status == SessionStatus.HELD:
        raise TrainingError(MSG_SESSION_HELD, status=409)
    if not reason.strip():
        raise TrainingError(MSG_CANCEL_REASON, field="reason")
    session.status = SessionStatus.CANCELLED
    session.save(update_fields=["status"])
    event_record(
        subject=session, action=TrainingEvent.SESSION_CANCELLED, actor=actor, reason=reason.strip()
    )


@dataclass(frozen=True)
class AttendanceRow:
    """One attendee of a session as the bulk form or the API gives it."""

    person: Person
    attended: bool
    score: Decimal | None = None


def passed_of(course: Course, *, attended: bool, score: Decimal | None) -> bool | None:
    """Passed: attended and, when the course has a pass score, scored at least that. None
    while the score of a tested course is still missing."""
    if not attended:
        return False
    if course.pass_score is None:
        return True
    if score is None:
        return None
    return score >= course.pass_score


@transaction.atomic
def attendance_record(
    *, session: TrainingSession, rows: Sequence[AttendanceRow], actor: Person | None
) -> list[Attendance]:
    """Record who attended a held session and their test scores, in one go (TRN-1): each
    person's result is passed from the course's pass score. A passed attendance completes
    the person's open assignments it satisfies. Recording marks the session held; rows
    recorded earlier for a person are replaced."""
    session = (
        TrainingSession.objects.select_for_update().select_related("course").get(pk=session.pk)
    )
    course = session.course
    if session.status == SessionStatus.CANCELLED:
        raise TrainingError(MSG_SESSION_CANCELLED, status=409)
    if session.starts_at > now():
        raise TrainingError(MSG_SESSION_NOT_STARTED, status=409)
    if not rows:
        raise TrainingError(MSG_NO_ROWS, field="rows")
    errors: list[DomainError] = []
    seen: set[int] = set()
    for row in rows:
        name = _label(row.person)
        if row.person.company_id != session.company_id:
            errors.append(TrainingError(MSG_PERSON_OTHER, field="rows", name=name))
        if row.person.pk in seen:
            errors.append(TrainingError(MSG_PERSON_TWICE, field="rows", name=name))
        seen.add(row.person.pk)
        if row.score is not None:
            if not Decimal(0) <= row.score <= MAX_SCORE:
                errors.append(TrainingError(MSG_SCORE, field="rows", name=name))
            elif not row.attended:
                errors.append(TrainingError(MSG_SCORE_ABSENT, field="rows", name=name))
    if errors:
        raise TrainingError.several(errors)
    at = now()
    recorded = []
    for row in rows:
        attendance, _created = Attendance.objects.update_or_create(
            session=session,
            person=row.person,
            defaults={
                "attended": row.attended,
                "score": row.score,
                "passed": passed_of(course, attended=row.attended, score=row.score),
                "recorded_by": actor,
                "recorded_at": at,
            },
        )
        recorded.append(attendance)
    session.status = SessionStatus.HELD
    session.save(update_fields=["status"])
    event_record(
        subject=session,
        action=TrainingEvent.SESSION_HELD,
        actor=actor,
        data={
            "attended": sum(1 for a in recorded if a.attended),
            "passed": sum(1 for a in recorded if a.passed),
        },
    )
    for attendance in recorded:
        if attendance.passed:
            _complete_satisfied(attendance, actor=actor)
    return recorded


# --- assignments --------------------------------------------------------------------------


def _period_start(assignment: TrainingAssignment) -> datetime:
    """From when a passed attendance counts for the assignment: the start of an annual
    training's period (its year, or its part of the year), else the day it was assigned."""
    return assignment.counts_from or local_start(day_of(assignment.created_at))


def _satisfies(assignment: TrainingAssignment, attendance: Attendance) -> bool:
    course = attendance.session.course
    if assignment.course_id is not None:
        if assignment.course_id != course.pk:
            return False
    elif assignment.reason == AssignmentReason.ANNUAL and course.topic != Topic.INSPECTION:
        return False
    return attendance.session.starts_at >= _period_start(assignment)


def _complete(
    assignment: TrainingAssignment, attendance: Attendance, *, actor: Person | None
) -> None:
    assignment.status = AssignmentStatus.COMPLETED
    assignment.attendance = attendance
    assignment.completed_at = now()
    assignment.save(update_fields=["status", "attendance", "completed_at"])
    event_record(subject=assignment, action=TrainingEvent.ASSIGNMENT_COMPLETED, actor=actor)
    completed_run(assignment)


def _complete_satisfied(attendance: Attendance, *, actor: Person | None) -> None:
    open_ones = TrainingAssignment.objects.select_for_update().filter(
        person_id=attendance.person_id,
        status=AssignmentStatus.OPEN,
    )
    for assignment in open_ones.filter(
        Q(course_id=attendance.session.course_id) | Q(course__isnull=True)
    ):
        if _satisfies(assignment, attendance):
            _complete(assignment, attendance, actor=actor)


@transaction.atomic
def assignment_create(
    *,
    company: Company,
    person: Person,
    reason: str,
    due_on: date,
    course: Course | None = None,
    note: str = "",
    actor: Person | None = None,
    counts_from: date | None = None,
) -> TrainingAssignment:
    """Assign a training the person must complete by `due_on` (TRN-1): the inspectors'
    annual training, a retraining after a failed assessment (ASM-8, created when the
    consequence is decided) or regular staff training. A passed attendance already inside
    the assignment's period (from `counts_from`, default: the annual training's year, else
    now) completes it at once. The person is told."""
    errors: list[DomainError] = []
    if person.company_id != company.pk:
        errors.append(TrainingError(MSG_PERSON_OTHER, field="person", name=_label(person)))
    if reason not in AssignmentReason.values:
        errors.append(TrainingError(MSG_REASON, field="reason"))
    if course is not None and course.company_id != company.pk:
        errors.append(TrainingError(MSG_COURSE_OTHER, field="course"))
    if due_on < day_of(now()):
        errors.append(TrainingError(MSG_DUE_PAST, field="due_on"))
    if errors:
        raise TrainingError.several(errors)
    if counts_from is None and reason == AssignmentReason.ANNUAL:
        counts_from = date(due_on.year, 1, 1)
    assignment = TrainingAssignment.objects.create(
        company=company,
        person=person,
        course=course,
        reason=reason,
        note=note.strip(),
        due_on=due_on,
        created_by=actor,
        created_at=now(),
        counts_from=local_start(counts_from) if counts_from else None,
    )
    event_record(
        subject=assignment,
        action=TrainingEvent.ASSIGNMENT_CREATED,
        actor=actor,
        data={"person_id": person.pk, "reason": reason, "due_on": due_on.isoformat()},
    )
    passed = (
        Attendance.objects.filter(person=person, passed=True)
        .exclude(session__status=SessionStatus.CANCELLED)
        .select_related("session__course")
        .order_by("session__starts_at")
    )
    if course is not None:
        passed = passed.filter(session__course=course)
    done = next((a for a in passed if _satisfies(assignment, a)), None)
    if done is not None:
        _complete(assignment, done, actor=actor)
        return assignment
    params = {"what": assignment_what(assignment), "due": due_on.isoformat()}
    notify(
        recipients=[person],
        kind="training.assigned",
        title=str(ASSIGNED_TITLE % params),
        url=reverse("training:mine"),
        subject=assignment,
    )
    return assignment


def assignment_what(assignment: TrainingAssignment) -> str:
    """What the assignment asks for, in words: its course, else its reason."""
    if assignment.course_id is not None and assignment.course is not None:
        return assignment.course.title
    return str(assignment.get_reason_display())


@transaction.atomic
def assignment_cancel(*, assignment: TrainingAssignment, reason: str, actor: Person) -> None:
    """Cancel an open assignment, with the reason (the person left, was assigned twice …)."""
    assignment = TrainingAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.status != AssignmentStatus.OPEN:
        raise TrainingError(MSG_ASSIGNMENT_CLOSED, status=409)
    if not reason.strip():
        raise TrainingError(MSG_ASSIGNMENT_CANCEL_REASON, field="reason")
    assignment.status = AssignmentStatus.CANCELLED
    assignment.save(update_fields=["status"])
    event_record(
        subject=assignment,
        action=TrainingEvent.ASSIGNMENT_CANCELLED,
        actor=actor,
        reason=reason.strip(),
    )


# --- the clock's daily checks -------------------------------------------------------------

PERIODS_PER_YEAR = {"year": 1, "quarter": 4, "month": 12}


def annual_periods(frequency: Frequency, year: int) -> list[tuple[date, date]]:
    """The periods (first day, due day) of a year under the pack's training frequency: once
    a year → the year, due on 31 December; twice a year → two halves; never more than monthly."""
    per_year = frequency.times * PERIODS_PER_YEAR.get(frequency.per, 1)
    count = max(1, min(12, per_year))
    while 12 % count:
        count += 1
    months = 12 // count
    periods = []
    for index in range(count):
        first = date(year, index * months + 1, 1)
        end_month = (index + 1) * months
        last = (
            date(year, 12, 31)
            if end_month == 12
            else date(year, end_month + 1, 1) - timedelta(days=1)
        )
        periods.append((first, last))
    return periods


def inspectors_of(company: Company) -> QuerySet[Person]:
    return Person.objects.filter(
        company=company, is_active=True, role_assignments__role=Role.INSPECTOR
    ).distinct()


def annual_assignments_ensure(*, at: datetime | None = None) -> int:
    """TRN-1: give every active inspector of each company whose pack requires the annual
    training (`training.inspector_training`) their assignment of the current period, once.
    Returns how many were created."""
    at = at or now()
    today = day_of(at)
    created = 0
    for company in Company.objects.filter(kind=Company.Kind.OPERATOR):
        frequency = rule_value_or_none(
            "training.inspector_training", pack=_pack_of(company), company=company, at=at
        )
        if not isinstance(frequency, Frequency):
            continue
        first, due = next(
            (p for p in annual_periods(frequency, today.year) if p[0] <= today <= p[1]),
            (date(today.year, 1, 1), date(today.year, 12, 31)),
        )
        have = set(
            TrainingAssignment.objects.filter(
                company=company, reason=AssignmentReason.ANNUAL, due_on=due
            ).values_list("person_id", flat=True)
        )
        for person in inspectors_of(company).exclude(pk__in=have):
            assignment_create(
                company=company,
                person=person,
                reason=AssignmentReason.ANNUAL,
                due_on=due,
                counts_from=first,
            )
            created += 1
    return created


def warning_of(company: Company, *, at: datetime | None = None) -> timedelta:
    value = rule_value_or_none(
        "training.annual_warning", pack=_pack_of(company), company=company, at=at
    )
    return value if isinstance(value, timedelta) else DEFAULT_WARNING


def assignments_behind_warn(*, at: datetime | None = None) -> int:
    """TRN-1: warn, once, the person and the quality department of each open assignment due
    within the pack's warning time (`training.annual_warning`) or already overdue. Returns
    how many were warned."""
    at = at or now()
    today = day_of(at)
    warned = 0
    for company in Company.objects.filter(kind=Company.Kind.OPERATOR):
        horizon = today + timedelta(days=warning_of(company, at=at).days)
        due = TrainingAssignment.objects.filter(
            company=company,
            status=AssignmentStatus.OPEN,
            warned_at__isnull=True,
            due_on__lte=horizon,
        ).select_related("person", "course")
        quality = list(
            Person.objects.filter(
                company=company,
                is_active=True,
                role_assignments__role=Role.QUALITY_DEPARTMENT,
            ).distinct()
        )
        for assignment in due:
            with transaction.atomic():
                claimed = TrainingAssignment.objects.filter(
                    pk=assignment.pk, warned_at__isnull=True, status=AssignmentStatus.OPEN
                ).update(warned_at=at)
                if not claimed:
                    continue
                params = {
                    "name": _label(assignment.person),
                    "what": assignment_what(assignment),
                    "due": assignment.due_on.isoformat(),
                }
                notify(
                    recipients=[assignment.person, *quality],
                    kind="training.behind",
                    title=str(BEHIND_TITLE % params),
                    body=str(BEHIND_BODY % params),
                    url=reverse("training:behind"),
                    subject=assignment,
                )
                event_record(subject=assignment, action=TrainingEvent.ASSIGNMENT_BEHIND)
                warned += 1
    return warned
