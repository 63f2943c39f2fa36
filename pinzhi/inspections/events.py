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


class ChecklistEvent(EventCode):
    PUBLISHED = (
        "checklist.published",
        _("Checklist version published"),
        "When a draft version of a checklist template is published; new inspections use it "
        "and completed ones keep theirs (INS-4).",
        Published,
    )


# --- plans, schedules and sampling (INS-1 … INS-3, INS-6) ---------------------------------


class PlanEvent(EventCode):
    APPROVED = (
        "inspection_plan.approved",
        _("Inspection plan approved"),
        "When leadership approves the year's inspection plan (INS-1).",
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
