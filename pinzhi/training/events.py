"""The training app's timeline events (TRN-1, docs/events.md)."""

from typing import Annotated, TypedDict

from django.utils.translation import gettext_lazy as _

from pinzhi.timeline.events import EventCode


class SessionCreated(TypedDict):
    course_id: Annotated[int, "the Course taught"]
    starts_at: Annotated[str, "when the session starts (ISO time)"]


class SessionAttendance(TypedDict):
    attended: Annotated[int, "how many people attended"]
    passed: Annotated[int, "how many of them passed the test"]


class AssignmentCreated(TypedDict):
    person_id: Annotated[int, "the Person who must complete the training"]
    reason: Annotated[str, "why (AssignmentReason: annual, retraining, regular)"]
    due_on: Annotated[str, "the date it is due (ISO date)"]


class TrainingEvent(EventCode):
    SESSION_CREATED = (
        "training_session.created",
        _("Training session planned"),
        "When a training session of a course is planned (TRN-1).",
        SessionCreated,
    )
    COURSE_SAVED = (
        "course.saved",
        _("Training course saved"),
        "When the quality department adds a training course or changes one (TRN-1).",
    )
    SESSION_HELD = (
        "training_session.held",
        _("Training session held"),
        "When a session's attendance and test scores are recorded (TRN-1).",
        SessionAttendance,
    )
    SESSION_CANCELLED = (
        "training_session.cancelled",
        _("Training session cancelled"),
        "When a planned training session is cancelled, with the reason (TRN-1).",
    )
    ASSIGNMENT_CREATED = (
        "training_assignment.created",
        _("Training assigned"),
        "When a person is assigned a training to complete by a date: the inspectors' annual "
        "training, a retraining after an assessment (ASM-8) or regular staff training.",
        AssignmentCreated,
    )
    ASSIGNMENT_COMPLETED = (
        "training_assignment.completed",
        _("Training completed"),
        "When the person passes a session of the assigned course (TRN-1, ASM-8).",
    )
    ASSIGNMENT_CANCELLED = (
        "training_assignment.cancelled",
        _("Training assignment cancelled"),
        "When the quality department cancels an open assignment, with the reason.",
    )
    ASSIGNMENT_BEHIND = (
        "training_assignment.behind",
        _("Training falling behind"),
        "When the daily check finds an open assignment due within the pack's warning time "
        "(or overdue) and warns the person and the quality department (TRN-1).",
    )
