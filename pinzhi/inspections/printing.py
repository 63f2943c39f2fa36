"""Printed forms of an inspection (INS-5, INS-7, INS-8): the filled checklist (e.g.
服务质量巡检表, with each item's result, the failures' severity and who confirmed them) and the
inspection report (检查报告; for an external company with the supervising body's sections),
on the shared A4 print base, rendered to PDF by WeasyPrint through `pinzhi.core.printing`.

`*_html` is what the tests read; `*_pdf` what the pages serve."""

from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from pinzhi.core.printing import page_counter_css, pdf_from_html
from pinzhi.inspections.models import Inspection, InspectionReport
from pinzhi.inspections.selectors_conduct import inspection_sections
from pinzhi.orgs.selectors import licence_status

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
