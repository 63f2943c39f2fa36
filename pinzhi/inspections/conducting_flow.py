"""The steps of an inspection and of its report, declared once (INS-5, INS-7).

An inspection: planned → started (declaration, credentials, consent) → submitted → reported.
Its report: draft → awaiting approval (the inspector submits it) → sent (the quality
department approves it; the unit is notified), or back to draft with a reason.

The services in `conducting.py` and `reporting.py` check their step here."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from pinzhi.inspections.events import InspectionEvent
from pinzhi.inspections.models import Inspection, InspectionReport
from pinzhi.lib.errors import DomainError
from pinzhi.lib.workflow import NotPermitted, Roles, Step, Workflow, WrongState
from pinzhi.orgs.roles import Role

# The deadline kind planning opens on each task; the submission meets it.
DUE_KIND = "inspection.due"

CONDUCT_ROLES = frozenset({Role.INSPECTOR, Role.QUALITY_DEPARTMENT})
APPROVE_ROLES = frozenset({Role.QUALITY_DEPARTMENT})


class InspectionError(DomainError):
    """A refusal about an inspection, its answers, photos, signatures or report."""

    code = "inspection_refused"
    status = 409


def _same_company(person: Any, record: Any) -> bool:
    if person is None or not getattr(person, "is_authenticated", False):
        return False
    inspection = record.inspection if isinstance(record, InspectionReport) else record
    return bool(person.is_superuser or inspection.company_id == person.company_id)


def _the_inspector(person: Any, inspection: Inspection) -> bool:
    """The assigned inspector; a task without one is taken by whoever starts it."""
    return inspection.inspector_id in (None, person.pk)


def _report_writer(person: Any, report: InspectionReport) -> bool:
    return Role.QUALITY_DEPARTMENT in person.role_codes or _the_inspector(person, report.inspection)


NOT_IN_PROGRESS = _("This inspection is “%(state)s”; its answers can no longer be changed.")
REPORT_NOT_DRAFT = _("This report is “%(state)s”; it can no longer be changed.")
ONLY_INSPECTOR = _("the inspector assigned to this inspection")
ONLY_QUALITY = _("the quality department")

INSPECTION_WORKFLOW = Workflow(
    name="inspection",
    label=_("Inspection"),
    states=dict(Inspection.Status.choices),
    error=InspectionError,
    scope=_same_company,
    steps=[
        Step(
            name="start",
            label=_("Start the inspection"),
            sources=[Inspection.Status.PLANNED],
            target=Inspection.Status.IN_PROGRESS,
            who=Roles(CONDUCT_ROLES, scope=_the_inspector),
            who_text=ONLY_INSPECTOR,
            event=InspectionEvent.STARTED,
        ),
        Step(
            name="submit",
            label=_("Submit the inspection"),
            sources=[Inspection.Status.IN_PROGRESS],
            target=Inspection.Status.SUBMITTED,
            who=Roles(CONDUCT_ROLES, scope=_the_inspector),
            who_text=ONLY_INSPECTOR,
            event=InspectionEvent.SUBMITTED,
        ),
    ],
)

REPORT_WORKFLOW = Workflow(
    name="inspection_report",
    label=_("Inspection report"),
    states=dict(InspectionReport.Status.choices),
    error=InspectionError,
    scope=_same_company,
    steps=[
        Step(
            name="submit",
            label=_("Submit for approval"),
            sources=[InspectionReport.Status.DRAFT],
            target=InspectionReport.Status.AWAITING_APPROVAL,
            who=Roles(CONDUCT_ROLES, scope=_report_writer),
            who_text=ONLY_INSPECTOR,
            event=InspectionEvent.REPORT_SUBMITTED,
        ),
        Step(
            name="approve",
            label=_("Approve and send to the unit"),
            sources=[InspectionReport.Status.AWAITING_APPROVAL],
            target=InspectionReport.Status.SENT,
            who=Roles(APPROVE_ROLES),
            who_text=ONLY_QUALITY,
            event=InspectionEvent.REPORTED,
        ),
        Step(
            name="send_back",
            label=_("Return for changes"),
            sources=[InspectionReport.Status.AWAITING_APPROVAL],
            target=InspectionReport.Status.DRAFT,
            who=Roles(APPROVE_ROLES),
            who_text=ONLY_QUALITY,
            event=InspectionEvent.REPORT_RETURNED,
        ),
    ],
)


def may_conduct(person: Any, inspection: Inspection) -> bool:
    """Whether `person` may answer, photograph and submit this inspection."""
    return _same_company(person, inspection) and Roles(CONDUCT_ROLES, scope=_the_inspector)(
        person, inspection
    )


def may_write_report(person: Any, report: InspectionReport) -> bool:
    return _same_company(person, report) and Roles(CONDUCT_ROLES, scope=_report_writer)(
        person, report
    )


def check_answering(inspection: Inspection, person: Any) -> None:
    """Answers, photos, signatures and notes are taken while the inspection is in progress,
    by its inspector (INS-5)."""
    if inspection.status != Inspection.Status.IN_PROGRESS:
        raise INSPECTION_WORKFLOW.refusal_class(WrongState)(
            NOT_IN_PROGRESS, state=inspection.get_status_display()
        )
    if person is not None and not may_conduct(person, inspection):
        raise INSPECTION_WORKFLOW.refusal_class(NotPermitted)(
            INSPECTION_WORKFLOW.not_permitted, who=ONLY_INSPECTOR, action=_("Answer the items")
        )


def check_report_editing(report: InspectionReport, person: Any) -> None:
    if report.status != InspectionReport.Status.DRAFT:
        raise REPORT_WORKFLOW.refusal_class(WrongState)(
            REPORT_NOT_DRAFT, state=report.get_status_display()
        )
    if not may_write_report(person, report):
        raise REPORT_WORKFLOW.refusal_class(NotPermitted)(
            REPORT_WORKFLOW.not_permitted, who=ONLY_INSPECTOR, action=_("Edit the report")
        )
