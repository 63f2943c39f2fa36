"""The inspections app's timeline events: codes, labels and payloads (docs/events.md).

Three enumerations, one per part of the app: checklist templates (INS-4), plans, schedules
and sampling (INS-1 … INS-3, INS-6), and conducting and reporting inspections (INS-5, INS-7,
INS-8). `InspectionEvent.SUBMITTED` is what rectification (NCR) and the supplier evaluation
(NCR-5) follow through the event cursor."""

from typing import Annotated, TypedDict

from django.utils.translation import gettext_lazy as _

from pinzhi.timeline.events import EventCode

# --- checklist templates (INS-4) ----------------------------------------------------------


class Published(TypedDict):
    number: Annotated[int, "the version number published"]
    items: Annotated[int, "how many items the version has"]


class TemplateCreated(TypedDict):
    code: Annotated[str, "the template's code"]
    pack: Annotated[str, "the policy pack it was installed from, or empty when made by hand"]


class Drafted(TypedDict):
    number: Annotated[int, "the number of the new draft version"]
    copied_from: Annotated[int | None, "the version number whose items were copied, or null"]


class Retired(TypedDict):
    number: Annotated[int, "the version number retired"]


class Discarded(TypedDict):
    number: Annotated[int, "the draft version number discarded"]


class Imported(TypedDict):
    number: Annotated[int, "the draft version the workbook was imported into"]
    items: Annotated[int, "how many items the workbook held"]


class ChecklistEvent(EventCode):
    CREATED = (
        "checklist.created",
        _("Checklist template created"),
        "When a checklist template is made, by hand or installed from a policy pack's "
        "templates (INS-4).",
        TemplateCreated,
    )
    DRAFTED = (
        "checklist.drafted",
        _("Checklist draft started"),
        "When a new draft version of a template is started, as a copy of the latest version "
        "(INS-4).",
        Drafted,
    )
    DISCARDED = (
        "checklist.discarded",
        _("Checklist draft discarded"),
        "When a draft version is discarded before it was published; its items go with it (INS-4).",
        Discarded,
    )
    IMPORTED = (
        "checklist.imported",
        _("Checklist imported from Excel"),
        "When a workbook is imported into a new draft version of a template (INS-4, X-4).",
        Imported,
    )
    PUBLISHED = (
        "checklist.published",
        _("Checklist version published"),
        "When a draft version of a checklist template is published; new inspections use it "
        "and completed ones keep theirs (INS-4).",
        Published,
    )
    RETIRED = (
        "checklist.retired",
        _("Checklist version retired"),
        "When a published version is retired, by hand or because a newer one was published; "
        "inspections made with it keep it (INS-4).",
        Retired,
    )


# --- plans, schedules and sampling (INS-1 … INS-3, INS-6) ---------------------------------


class PlanNotified(TypedDict):
    units: Annotated[list, "the Unit ids told of the plan's announced entries"]
    people: Annotated[int, "how many people were notified"]


class Materialised(TypedDict):
    tasks: Annotated[int, "how many inspection tasks were made"]
    draws: Annotated[int, "how many sampling draws were made"]
    until: Annotated[str, "tasks now exist for every occurrence before this moment (ISO time)"]


class Drawn(TypedDict):
    seed: Annotated[str, "the random seed (hex)"]
    algorithm: Annotated[str, "the algorithm's name and version, e.g. sha256-rank-v1"]
    population: Annotated[list, "the Unit ids drawn from, sorted"]
    drawn: Annotated[list, "the Unit ids drawn, in rank order"]


class PlanEvent(EventCode):
    CREATED = (
        "inspection_plan.created",
        _("Inspection plan drafted"),
        "When the quality department starts the year's inspection plan (INS-1).",
    )
    ENTRY_ADDED = (
        "inspection_plan.entry_added",
        _("Plan entry added"),
        "When a line (what, which units, when, which kind) is added to a draft plan (INS-1).",
    )
    ENTRY_REMOVED = (
        "inspection_plan.entry_removed",
        _("Plan entry removed"),
        "When a line is removed from a draft plan (INS-1).",
    )
    SUBMITTED = (
        "inspection_plan.submitted",
        _("Inspection plan submitted for approval"),
        "When the quality department submits the plan to leadership (INS-1).",
    )
    RETURNED = (
        "inspection_plan.returned",
        _("Inspection plan sent back"),
        "When leadership sends the plan back to the quality department, with the reason (INS-1).",
    )
    APPROVED = (
        "inspection_plan.approved",
        _("Inspection plan approved"),
        "When leadership approves the year's inspection plan (INS-1).",
    )
    NOTIFIED = (
        "inspection_plan.notified",
        _("Inspection plan notified to the units"),
        "When the units are told of the approved plan's announced entries in advance — by "
        "the quality department, or by the clock when the notice period is reached (INS-1).",
        PlanNotified,
    )
    SCHEDULE_CREATED = (
        "schedule.created",
        _("Inspection schedule created"),
        "When a recurring schedule (an RFC 5545 rule) of inspections is created (INS-1).",
    )
    SCHEDULE_STOPPED = (
        "schedule.stopped",
        _("Inspection schedule stopped"),
        "When a schedule is stopped; its tasks not yet started are cancelled (INS-1).",
    )
    MATERIALISED = (
        "schedule.materialised",
        _("Inspection tasks scheduled"),
        "When the rolling window of a schedule is extended: one task per occurrence and unit "
        "(or unit drawn), exactly once (INS-1, INS-3).",
        Materialised,
    )
    DRAWN = (
        "sampling.drawn",
        _("Units drawn at random"),
        "When units are drawn at random by hand; the seed, algorithm and population are "
        "recorded so that anyone can re-run the draw (INS-3).",
        Drawn,
    )
    TASK_ASSIGNED = (
        "inspection.assigned",
        _("Inspector assigned"),
        "When an inspection task is given to another inspector, never one belonging to the "
        "unit inspected (INS-6).",
    )
    TASK_CANCELLED = (
        "inspection.cancelled",
        _("Inspection task cancelled"),
        "When an inspection task not yet started is cancelled, with the reason (INS-1).",
    )


# --- conducting and reporting (INS-5, INS-7, INS-8) ----------------------------------------


class Submitted(TypedDict):
    """What rectification and the supplier evaluation read."""

    unit_id: Annotated[int, "the Unit inspected"]
    supplier_id: Annotated[int | None, "the supplier Company whose service was checked, or null"]
    cadence: Annotated[str, "the template's cadence (daily, weekly, monthly …)"]
    percent: Annotated[str | None, "the score in percent (a decimal as text), null if all N/A"]
    passed: Annotated[bool, "whether the inspection passed (no critical failure, pass mark met)"]
    failed_answer_ids: Annotated[list, "the Answer ids of the nonconformities found"]


class Started(TypedDict):
    consent_by: Annotated[str, "who at the unit gave consent after the credentials were shown"]


class Confirmed(TypedDict):
    answer_id: Annotated[int, "the failed Answer confirmed"]
    confirmed_by: Annotated[str, "the name of the responsible person who confirmed it"]
    signed: Annotated[
        bool,
        "a signature drawn on screen (true), or confirmed from the person's own account",
    ]


class InspectionEvent(EventCode):
    CREATED = (
        "inspection.created",
        _("Inspection arranged"),
        "When an ad-hoc (special or unscheduled) inspection is arranged for a unit (INS-2).",
    )
    STARTED = (
        "inspection.started",
        _("Inspection started"),
        "When the inspector starts on site: the declaration of no conflict of interest "
        "(INS-6), the credentials shown and the unit's consent (INS-5).",
        Started,
    )
    CONFIRMED = (
        "inspection.nonconformity_confirmed",
        _("Nonconformity confirmed by the responsible person"),
        "When the responsible person confirms a failed item, by a signature drawn on the "
        "phone or from their own account (INS-5).",
        Confirmed,
    )
    REPORT_SUBMITTED = (
        "inspection.report_submitted",
        _("Inspection report submitted for approval"),
        "When the inspector submits the inspection report to the quality department (INS-7).",
    )
    REPORT_RETURNED = (
        "inspection.report_returned",
        _("Inspection report returned for changes"),
        "When the quality department returns the report to the inspector, with the reason.",
    )
    REPORTED = (
        "inspection.reported",
        _("Inspection report approved and sent"),
        "When the quality department approves the report; it is sent to the unit (INS-7).",
    )
    SUBMITTED = (
        "inspection.submitted",
        _("Inspection submitted"),
        "When the inspector submits a completed inspection; its score is computed from the "
        "template and each failed answer is a nonconformity (INS-5).",
        Submitted,
    )
