"""The inspection report (INS-7, INS-8, RPT-6): drafted from the failed answers, completed by
the inspector (causes, suggestions, next steps; for an external company the supervising
body's sections), approved by the quality department and then sent to the unit.

And the printed forms (PDF): the filled checklist (e.g. 服务质量巡检表, each item's result,
the failures' severity and who confirmed them) and the report, on the shared A4 print base,
rendered by WeasyPrint through `pinzhi.core.printing`. `*_html` is what the tests read,
`*_pdf` what the pages serve."""

from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pinzhi.core.printing import page_counter_css, pdf_from_html
from pinzhi.inspections.conducting_flow import (
    REPORT_WORKFLOW,
    InspectionError,
    check_report_editing,
)
from pinzhi.inspections.events import InspectionEvent
from pinzhi.inspections.models import Answer, Inspection, InspectionReport
from pinzhi.inspections.selectors import inspection_sections
from pinzhi.lib.clock import now
from pinzhi.notify.services import notify
from pinzhi.orgs.models import Person
from pinzhi.orgs.roles import Role
from pinzhi.orgs.selectors import licence_status
from pinzhi.timeline.services import event_record

NOT_SUBMITTED = _("The report is written once the inspection has been submitted.")
REPORT_EMPTY = _("Write at least the problems found and the next steps before submitting.")
REASON_NEEDED = _("Say what should be changed in the report.")
REPORT_SENT_TITLE = _("Inspection report: %(unit)s, %(checklist)s")
REPORT_SENT_BODY = _("The quality department approved the inspection report; please read it.")
REPORT_WAITING_TITLE = _("Inspection report awaiting approval: %(unit)s")

REPORT_FIELDS = (
    "problems",
    "causes",
    "suggestions",
    "next_steps",
    "owner_satisfaction",
    "complaint_handling",
    "internal_rules",
    "finances",
    "compliance",
)
# Who at the unit receives the approved report.
UNIT_RECIPIENT_ROLES = (Role.DEPARTMENT_MANAGER, Role.UNIT_QUALITY_ADMIN, Role.SUPERVISOR)


def problems_text(inspection: Inspection) -> str:
    """One line per failed answer: the item, its severity and the inspector's note."""
    lines = []
    failed = (
        inspection.answers.filter(result=Answer.Result.FAIL)
        .select_related("item")
        .order_by("item__order")
    )
    for number, answer in enumerate(failed, start=1):
        line = f"{number}. {answer.item.text}（{answer.get_severity_display()}）"
        if answer.note:
            line += f"：{answer.note}"
        lines.append(line)
    return "\n".join(lines)


@transaction.atomic
def report_draft(*, inspection: Inspection, actor: Person | None) -> InspectionReport:
    """The report of a submitted inspection, drafted with its problems from the failed
    answers (INS-7); the existing report when there is one."""
    existing = InspectionReport.objects.filter(inspection=inspection).first()
    if existing is not None:
        return existing
    if inspection.status not in (Inspection.Status.SUBMITTED, Inspection.Status.REPORTED):
        raise InspectionError(NOT_SUBMITTED)
    return InspectionReport.objects.create(
        inspection=inspection, problems=problems_text(inspection), written_by=actor
    )


def _locked(report: InspectionReport) -> InspectionReport:
    return (
        InspectionReport.objects.select_for_update()
        .select_related("inspection", "inspection__unit")
        .get(pk=report.pk)
    )


@transaction.atomic
def report_update(*, report: InspectionReport, actor: Person, **texts: Any) -> InspectionReport:
    """INS-7/INS-8: the inspector writes the report's sections while it is a draft."""
    report = _locked(report)
    check_report_editing(report, actor)
    for name in REPORT_FIELDS:
        if name in texts:
            setattr(report, name, (texts[name] or "").strip())
    report.written_by = report.written_by or actor
    report.save()
    return report


def _quality_department(company_id: int) -> list[Person]:
    return list(
        Person.objects.filter(
            company_id=company_id,
            is_active=True,
            role_assignments__role=Role.QUALITY_DEPARTMENT,
        ).distinct()
    )


def _unit_people(inspection: Inspection) -> list[Person]:
    """The people responsible for the inspected unit or a unit above it."""
    unit = inspection.unit
    ancestors = [p for p in _prefixes(unit.path)]
    return list(
        Person.objects.filter(
            is_active=True,
            role_assignments__role__in=UNIT_RECIPIENT_ROLES,
            role_assignments__scope__company_id=unit.company_id,
            role_assignments__scope__path__in=ancestors,
        ).distinct()
    )


def _prefixes(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]


def _url(report: InspectionReport) -> str:
    return reverse("inspections:report", args=[report.inspection_id])


@transaction.atomic
def report_submit(*, report: InspectionReport, actor: Person) -> InspectionReport:
    """INS-7: the inspector submits the report to the quality department for approval."""
    report = _locked(report)
    REPORT_WORKFLOW.check(report, "submit", actor)
    if not report.problems.strip() and not report.next_steps.strip():
        raise InspectionError(REPORT_EMPTY, field="problems", status=422)
    report.status = InspectionReport.Status.AWAITING_APPROVAL
    report.submitted_at = now()
    report.save()
    event_record(subject=report.inspection, action=InspectionEvent.REPORT_SUBMITTED, actor=actor)
    inspection = report.inspection
    transaction.on_commit(
        lambda: notify(
            recipients=_quality_department(inspection.company_id),
            kind="inspection.report_waiting",
            title=str(REPORT_WAITING_TITLE % {"unit": inspection.unit.name}),
            url=_url(report),
            subject=inspection,
        )
    )
    return report


@transaction.atomic
def report_send_back(*, report: InspectionReport, actor: Person, reason: str) -> InspectionReport:
    """The quality department returns the report to the inspector, with what to change."""
    report = _locked(report)
    REPORT_WORKFLOW.check(report, "send_back", actor)
    reason = (reason or "").strip()
    if not reason:
        raise InspectionError(REASON_NEEDED, field="reason", status=422)
    report.status = InspectionReport.Status.DRAFT
    report.save()
    event_record(
        subject=report.inspection,
        action=InspectionEvent.REPORT_RETURNED,
        actor=actor,
        reason=reason,
    )
    return report


@transaction.atomic
def report_approve(*, report: InspectionReport, actor: Person) -> InspectionReport:
    """INS-7: the quality department approves the report; it is sent to the unit (a
    notification to the people responsible for it) and the inspection is reported."""
    report = _locked(report)
    REPORT_WORKFLOW.check(report, "approve", actor)
    moment = now()
    report.status = InspectionReport.Status.SENT
    report.approved_by, report.approved_at = actor, moment
    report.save()
    inspection = Inspection.objects.select_for_update().get(pk=report.inspection_id)
    inspection.status = Inspection.Status.REPORTED
    inspection.save(update_fields=["status", "updated_at"])
    event_record(subject=inspection, action=InspectionEvent.REPORTED, actor=actor)
    title = str(
        REPORT_SENT_TITLE
        % {"unit": inspection.unit.name, "checklist": inspection.template_version.template.name}
    )
    recipients = _unit_people(inspection)
    transaction.on_commit(
        lambda: notify(
            recipients=recipients,
            kind="inspection.report_sent",
            title=title,
            body=str(REPORT_SENT_BODY),
            url=_url(report),
            subject=inspection,
        )
    )
    return report


# --- printed forms (PDF) ---------------------------------------------------------------------

REPORT_TITLE = _("Inspection report")  # 检查报告
SUPERVISION_TITLE = _("Supervision inspection report")  # 监督检查报告


def _base(inspection: Inspection, title: Any) -> dict[str, Any]:
    return {
        "inspection": inspection,
        "company": inspection.company,
        "title": title,
        "page_counter": page_counter_css(),
    }


def checklist_html(inspection: Inspection) -> str:
    """The filled checklist: every item with its result, score, note and severity; the
    observations, interviews and documents reviewed; the score and the signatures."""
    context = _base(inspection, inspection.template_version.template.name)
    context["sections"] = inspection_sections(inspection)
    return render_to_string("inspections/print/checklist.html", context)


def checklist_pdf(inspection: Inspection) -> bytes:
    return pdf_from_html(checklist_html(inspection))


def report_html(report: InspectionReport) -> str:
    """INS-7: problems, causes, suggestions and next steps; INS-8: for an external company,
    its registration and licence (with the licence state) and the supervision sections."""
    inspection = report.inspection
    external = inspection.inspected_company
    context = _base(inspection, SUPERVISION_TITLE if external else REPORT_TITLE)
    context.update(
        {
            "report": report,
            "external": external,
            "licence": licence_status(external) if external else "",
        }
    )
    return render_to_string("inspections/print/report.html", context)


def report_pdf(report: InspectionReport) -> bytes:
    return pdf_from_html(report_html(report))
