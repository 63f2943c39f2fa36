"""Training reads (TRN-1), scoped to the reader: the quality department manages the
company's courses, sessions and assignments; the company-wide roles and the line managers
read them (a line manager the assignments of their scope's people); everyone reads their
own training."""

from datetime import timedelta

from django.db.models import Count, Q, QuerySet

from pinzhi.lib.clock import now
from pinzhi.lib.months import day_of
from pinzhi.orgs.models import Person
from pinzhi.orgs.roles import COMPANY_WIDE_ROLES, Role
from pinzhi.orgs.selectors import units_covered
from pinzhi.training.models import (
    AssignmentStatus,
    Attendance,
    Course,
    TrainingAssignment,
    TrainingSession,
)

MANAGE_ROLES = frozenset({Role.QUALITY_DEPARTMENT})
LINE_ROLES = frozenset({Role.DEPARTMENT_MANAGER, Role.SUPERVISOR})
READ_ROLES = frozenset(COMPANY_WIDE_ROLES | LINE_ROLES)


def may_manage(user: Person) -> bool:
    return user.is_authenticated and (user.is_superuser or bool(user.role_codes & MANAGE_ROLES))


def courses_visible_to(user: Person) -> QuerySet[Course]:
    if not user.is_authenticated or user.company_id is None:
        return Course.objects.none()
    return Course.objects.filter(company_id=user.company_id)


def sessions_visible_to(user: Person) -> QuerySet[TrainingSession]:
    if not user.is_authenticated or user.company_id is None:
        return TrainingSession.objects.none()
    return (
        TrainingSession.objects.filter(company_id=user.company_id)
        .select_related("course")
        .annotate(
            attendee_count=Count("attendances", filter=Q(attendances__attended=True)),
            passed_count=Count("attendances", filter=Q(attendances__passed=True)),
        )
    )


def assignments_visible_to(user: Person) -> QuerySet[TrainingAssignment]:
    """Own assignments; a line manager's scope; the company for the company-wide roles."""
    if not user.is_authenticated:
        return TrainingAssignment.objects.none()
    base = TrainingAssignment.objects.select_related("person", "person__unit", "course")
    if user.is_superuser:
        return base
    condition = Q(person_id=user.pk)
    if user.company_id and user.role_codes & COMPANY_WIDE_ROLES:
        condition |= Q(company_id=user.company_id)
    covered = units_covered(user, LINE_ROLES)
    if covered:
        condition |= Q(person__unit_id__in=covered)
    return base.filter(condition)


def assignments_behind(
    user: Person, *, warning: timedelta | None = None
) -> QuerySet[TrainingAssignment]:
    """TRN-1: the open assignments the reader sees that are overdue or due within the
    warning time (default: only the overdue ones)."""
    horizon = day_of(now()) + (warning or timedelta(0))
    return assignments_visible_to(user).filter(status=AssignmentStatus.OPEN, due_on__lte=horizon)


def attendances_of(person: Person) -> QuerySet[Attendance]:
    return (
        Attendance.objects.filter(person=person)
        .select_related("session", "session__course")
        .order_by("-session__starts_at")
    )
