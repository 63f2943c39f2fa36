"""The Excel export of a complaint list (X-4): the same filters as the list, Chinese
headers, the customer's personal data masked per row unless the person may see it
(ORG-3). A write-only workbook keeps memory flat for large lists. Every text is written as
text: a subject "=HYPERLINK(…)" from the public form is never a live formula (issue 6
item 6); times are Excel dates in local time, under a frozen, filtered header (issue 8
item 6, `pinzhi.core.spreadsheets.XlsxTable`)."""

import tempfile

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from pinzhi.complaints.models import Complaint
from pinzhi.complaints.search import shown_customer
from pinzhi.core.spreadsheets import XlsxTable
from pinzhi.lib.clock import now

MAX_ROWS = 50_000
CHUNK = 2_000


def _headers() -> list[str]:
    return [
        _("tracking code"),
        _("received at"),
        _("status"),
        _("channel"),
        _("category"),
        _("severity"),
        _("estate / site"),
        _("department complained about"),
        pgettext("complaint", "subject"),
        _("complaint content"),
        _("customer's request"),
        _("customer name"),
        _("contact phone"),
        _("e-mail"),
        _("address"),
        _("first-contact owner"),
        _("handler"),
        _("resolved at"),
        _("closed at"),
        _("overdue"),
        _("repeat of"),
    ]


def _row(user, complaint: Complaint) -> list:
    shown = shown_customer(user, complaint)
    return [
        complaint.tracking_code,
        complaint.received_at,
        complaint.get_status_display(),
        complaint.get_channel_display(),
        complaint.get_category_display(),
        complaint.get_severity_display(),
        complaint.location.name if complaint.location else "",
        complaint.department.name if complaint.department else "",
        shown["title"],
        shown["content"],
        shown["request"],
        shown["name"],
        shown["phone"],
        shown["email"],
        shown["address"],
        str(complaint.owner or ""),
        str(complaint.handler or ""),
        complaint.resolved_at,
        complaint.closed_at,
        _("yes") if getattr(complaint, "is_overdue", False) else "",
        complaint.repeat_of.tracking_code if complaint.repeat_of else "",
    ]


def complaints_workbook(user, complaints: QuerySet[Complaint], target) -> int:
    """Write the complaints to `target` (a path or a file) as .xlsx; returns the row count.
    The caller has checked the count against MAX_ROWS."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    table = XlsxTable(workbook, title=_("Complaints"), headers=_headers())
    rows = 0
    queryset = complaints.select_related(
        "location", "department", "owner", "handler", "repeat_of"
    ).prefetch_related("letters")
    for complaint in queryset[:MAX_ROWS].iterator(chunk_size=CHUNK):
        table.append(_row(user, complaint))
        rows += 1
    table.close()
    workbook.save(target)
    return rows


def complaints_response(user, complaints: QuerySet[Complaint]) -> FileResponse:
    """The workbook as a download, spooled to a temporary file rather than held in memory."""
    spool = tempfile.TemporaryFile()
    complaints_workbook(user, complaints, spool)
    spool.seek(0)
    name = f"complaints-{timezone.localtime(now()):%Y%m%d-%H%M}.xlsx"
    return FileResponse(
        spool,
        as_attachment=True,
        filename=name,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
