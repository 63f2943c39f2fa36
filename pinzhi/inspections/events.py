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


class InspectionEvent(EventCode):
    SUBMITTED = (
        "inspection.submitted",
        _("Inspection submitted"),
        "When the inspector submits a completed inspection; its score is computed from the "
        "template and each failed answer is a nonconformity (INS-5).",
        Submitted,
    )
