"""Printed 督办单 (supervision order) and 报事单 (work order) as PDF (X-4, NCR-2, NCR-4)."""

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from pinzhi.core.printing import page_counter_css, pdf_from_html
from pinzhi.lib.clock import now
from pinzhi.rectification.models import SupervisionOrder, WorkOrder

SUPERVISION_TITLE = _("Service quality supervision order")
WORK_ORDER_TITLE = _("Work order")


def supervision_order_pdf(order: SupervisionOrder) -> bytes:
    html = render_to_string(
        "rectification/print/supervision.html",
        {
            "order": order,
            "company": order.company,
            "stages": list(order.stages.select_related("completed_by")),
            "linked": list(order.nonconformities.select_related("unit")),
            "title": SUPERVISION_TITLE,
            "printed_at": now(),
            "page_counter": page_counter_css(),
        },
    )
    return pdf_from_html(html)


def work_order_pdf(order: WorkOrder) -> bytes:
    html = render_to_string(
        "rectification/print/work_order.html",
        {
            "order": order,
            "company": order.company,
            "nc": order.nonconformity,
            "title": WORK_ORDER_TITLE,
            "printed_at": now(),
            "page_counter": page_counter_css(),
        },
    )
    return pdf_from_html(html)
