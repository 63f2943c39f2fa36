"""Printed forms as PDF (issue 3, item 8): served inline to the people who can open the case;
the customer's personal data on them follows ORG-3 (see printing.py)."""

from urllib.parse import quote

from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from pinzhi.complaints import printing
from pinzhi.complaints.models import ContactLetter
from pinzhi.complaints.selectors import STAFF_COMPLAINT_ROLES, complaints_visible_to
from pinzhi.core.access import page

PRINT_ROLES = tuple(sorted(STAFF_COMPLAINT_ROLES))


def _pdf_response(content: bytes, *, title, code: str, ascii_name: str) -> HttpResponse:
    """Inline PDF with a Chinese file name (RFC 5987 `filename*`) and an ASCII fallback."""
    filename = f"{title}-{code}.pdf"
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f"inline; filename=\"{ascii_name}-{code}.pdf\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    # Personal data may be on it (ORG-3): no shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


@page(*PRINT_ROLES)
def complaint_record(request, pk):
    complaint = get_object_or_404(complaints_visible_to(request.user), pk=pk)
    content = printing.complaint_record_pdf(complaint, viewer=request.user)
    return _pdf_response(
        content,
        title=printing.RECORD_TITLE,
        code=complaint.tracking_code,
        ascii_name="complaint-record",
    )


@page(*PRINT_ROLES)
def handling_record(request, pk):
    complaint = get_object_or_404(complaints_visible_to(request.user), pk=pk)
    content = printing.handling_record_pdf(complaint, viewer=request.user)
    return _pdf_response(
        content,
        title=printing.HANDLING_TITLE,
        code=complaint.tracking_code,
        ascii_name="handling-record",
    )


@page(*PRINT_ROLES)
def contact_letter(request, pk):
    letter = get_object_or_404(
        ContactLetter.objects.filter(complaint__in=complaints_visible_to(request.user)), pk=pk
    )
    content = printing.contact_letter_pdf(letter, viewer=request.user)
    return _pdf_response(
        content, title=printing.LETTER_TITLE, code=letter.number, ascii_name="contact-letter"
    )
