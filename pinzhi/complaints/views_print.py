"""Printed forms as PDF (issue 3, item 8): served inline to the people who can open the case;
the customer's personal data on them follows ORG-3 (see printing.py)."""

from django.shortcuts import get_object_or_404

from pinzhi.complaints import printing
from pinzhi.complaints.models import ContactLetter
from pinzhi.complaints.selectors import STAFF_COMPLAINT_ROLES, complaints_visible_to
from pinzhi.core.access import page
from pinzhi.core.printing import pdf_response

PRINT_ROLES = tuple(sorted(STAFF_COMPLAINT_ROLES))


@page(*PRINT_ROLES)
def complaint_record(request, pk):
    complaint = get_object_or_404(complaints_visible_to(request.user), pk=pk)
    content = printing.complaint_record_pdf(complaint, viewer=request.user)
    return pdf_response(
        content,
        title=printing.RECORD_TITLE,
        code=complaint.tracking_code,
        ascii_name="complaint-record",
    )


@page(*PRINT_ROLES)
def handling_record(request, pk):
    complaint = get_object_or_404(complaints_visible_to(request.user), pk=pk)
    content = printing.handling_record_pdf(complaint, viewer=request.user)
    return pdf_response(
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
    return pdf_response(
        content, title=printing.LETTER_TITLE, code=letter.number, ascii_name="contact-letter"
    )
