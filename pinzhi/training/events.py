"""The training app's timeline events (TRN-1, docs/events.md)."""

from typing import Annotated, TypedDict

from django.utils.translation import gettext_lazy as _

from pinzhi.timeline.events import EventCode


class SessionCreated(TypedDict):
    course_id: Annotated[int, "the Course taught"]
    starts_at: Annotated[str, "when the session starts (ISO time)"]


class TrainingEvent(EventCode):
    SESSION_CREATED = (
        "training_session.created",
        _("Training session planned"),
        "When a training session of a course is planned (TRN-1).",
        SessionCreated,
    )
