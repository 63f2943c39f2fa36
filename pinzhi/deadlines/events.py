"""The deadlines app's timeline events (issue 7, item 5). A deadline's events are recorded on
the deadline's subject (a complaint …), so that they read in the subject's history."""

from datetime import timedelta
from typing import Annotated, Any, NotRequired, TypedDict

from django.utils.translation import gettext_lazy as _

from pinzhi.deadlines.display import duration_text, kind_label
from pinzhi.timeline.events import Changed, Changes, EventCode


class DeadlinePayload(TypedDict):
    kind: Annotated[str, "the deadline's kind (complaint.first_contact …)"]
    deadline_id: Annotated[int, "the Deadline's id"]
    rule_key: Annotated[str, "the policy rule that set its duration"]
    due_at: Annotated[str | None, "when it is due (ISO time), after this change"]


class Opened(DeadlinePayload):
    started_at: Annotated[str, "when the limit started running (ISO time)"]
    duration_seconds: Annotated[int, "the limit, in seconds of working time"]
    calendar: Annotated[str | None, "the working-time calendar's code, null for the wall clock"]
    ladder: Annotated[list, "the escalation steps: [{after (seconds), level}, …]"]


class Met(DeadlinePayload):
    met_at: Annotated[str, "when it was met (ISO time)"]
    late: Annotated[bool, "whether it had been breached before"]
    overrun_seconds: Annotated[int, "by how much the limit was overrun (0 when on time)"]


class Paused(DeadlinePayload):
    paused_at: Annotated[str, "when the clock stopped (ISO time)"]


class Resumed(DeadlinePayload):
    paused_at: Annotated[str, "when the clock had stopped (ISO time)"]
    resumed_at: Annotated[str, "when it started again (ISO time)"]
    paused_seconds: Annotated[int, "the working time the pause lasted, in seconds"]


class Cancelled(DeadlinePayload):
    cancelled_at: Annotated[str, "when it was cancelled (ISO time)"]


class Breached(DeadlinePayload):
    overrun_seconds: Annotated[int, "by how much the limit was overrun when recorded"]
    step: Annotated[int, "the ladder step taken: 1 = the breach, 2 … = escalations"]
    level: Annotated[str, "the escalation level told (handler, department_head …)"]


class CalendarCreated(TypedDict):
    copied_from: NotRequired[Annotated[str, "the code of the calendar whose days were copied"]]


class CalendarDay(TypedDict):
    date: Annotated[str, "the day (ISO date)"]
    kind: Annotated[str, "holiday or workday"]
    name: Annotated[str, "the day's name (国庆节 …)"]


class DaysImported(TypedDict):
    file: Annotated[str, "the imported file's name"]
    years: Annotated[list, "the years the file covered"]
    created: Annotated[int, "days created"]
    replaced: Annotated[int, "days replaced"]
    holidays: Annotated[int, "holidays among them"]
    workdays: Annotated[int, "working days (调休) among them"]


class RuleCalendar(TypedDict):
    pack: Annotated[str, "the pack's code"]
    rule_key: Annotated[str, "the rule whose deadlines follow the calendar"]


def _duration(seconds: Any) -> str:
    return duration_text(timedelta(seconds=int(seconds)))


# A deadline's events sit on its subject's history (a complaint's): their before/after keys
# are the deadline's fields (its owner, not the complaint's owner), shown by name, and each
# names the limit it is about (issue 8 item 6).
DEADLINE_CHANGES = Changes(
    model="deadlines.Deadline",
    keys={
        "duration_seconds": Changed(_("time limit"), choices=_duration),
        "kind": Changed(_("time limit"), choices=kind_label),
    },
    about="kind",
)


class DeadlineEvent(EventCode):
    OPENED = (
        "deadline.opened",
        _("Deadline opened"),
        "When a time limit starts running (X-3).",
        Opened,
        DEADLINE_CHANGES,
    )
    MET = ("deadline.met", _("Deadline met"), "When the work is done (X-3).", Met, DEADLINE_CHANGES)
    PAUSED = (
        "deadline.paused",
        _("Deadline paused"),
        "When the clock of a limit stops (X-3).",
        Paused,
        DEADLINE_CHANGES,
    )
    RESUMED = (
        "deadline.resumed",
        _("Deadline resumed"),
        "When a paused limit runs again, its due time moved by the pause (X-3).",
        Resumed,
        DEADLINE_CHANGES,
    )
    CANCELLED = (
        "deadline.cancelled",
        _("Deadline cancelled"),
        "When a limit no longer applies (the case closed …) (X-3).",
        Cancelled,
        DEADLINE_CHANGES,
    )
    BREACHED = (
        "deadline.breached",
        _("Deadline breached"),
        "When the sweep finds a limit passed: the first ladder step (X-3). The assessment "
        "reads its overrun (CMP-9).",
        Breached,
        DEADLINE_CHANGES,
    )
    ESCALATED = (
        "deadline.escalated",
        _("Deadline escalated"),
        "When a breached limit reaches the next step of its ladder (X-3, CMP-7).",
        Breached,
        DEADLINE_CHANGES,
    )
    EXTENDED = (
        "deadline.extended",
        _("Deadline extended"),
        "When a limit is given a longer duration, with the reason (CMP-4).",
        DeadlinePayload,
        DEADLINE_CHANGES,
    )
    REASSIGNED = (
        "deadline.reassigned",
        _("Deadline reassigned"),
        "When a limit moves to another owner or unit (X-3).",
        DeadlinePayload,
        DEADLINE_CHANGES,
    )


class CalendarEvent(EventCode):
    CREATED = (
        "calendar.created",
        _("Working-time calendar created"),
        "When a company creates a working-time calendar (X-3).",
        CalendarCreated,
    )
    UPDATED = (
        "calendar.updated",
        _("Working-time calendar changed"),
        "When a calendar's hours or name change.",
    )
    DAY_ADDED = (
        "calendar.day_added",
        _("Holiday or working day added"),
        "When a holiday or a working day is added to a calendar.",
        CalendarDay,
    )
    DAY_REMOVED = (
        "calendar.day_removed",
        _("Holiday or working day removed"),
        "When a holiday or a working day is removed from a calendar.",
        CalendarDay,
    )
    DAYS_IMPORTED = (
        "calendar.days_imported",
        _("Holidays and working days imported"),
        "When a file of holidays and working days is imported into a calendar.",
        DaysImported,
    )
    RULE_CHOSEN = (
        "calendar.rule_chosen",
        _("Calendar chosen for a rule"),
        "When a company chooses the calendar a rule's deadlines follow, on the calendar.",
        RuleCalendar,
    )
    RULE_RELEASED = (
        "calendar.rule_released",
        _("Rule back on the wall clock"),
        "When a company puts a rule's deadlines back on the wall clock, on the calendar it left.",
        RuleCalendar,
    )
