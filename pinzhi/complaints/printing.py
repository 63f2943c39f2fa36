"""Printed forms of a complaint (issue 3, item 8): the registration record (客户投诉记录表,
CMP-2), the work contact letter (工作联系函, CMP-3) and the handling record (投诉处置表,
CMP-4/CMP-5), laid out like the A4 paper forms offices keep on the shared print base, and
rendered to PDF by WeasyPrint through `pinzhi.core.printing`.

Each form is first rendered to HTML (`*_html`, what the tests read) and then to PDF
(`*_pdf`). The customer's personal data on a printout follows the case page: shown only to
people who may see it, masked for everyone else (ORG-3).
"""

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from pinzhi.complaints.models import Callback, Complaint, ContactLetter, Status
from pinzhi.complaints.selectors import complaint_text, complaint_texts, may_see_customer
from pinzhi.core.printing import number_word, page_counter_css, pdf_from_html
from pinzhi.deadlines.display import kind_label, level_label
from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.lib.clock import now
from pinzhi.lib.privacy import customer_field
from pinzhi.policy.selectors import rule_value

RECORD_TITLE = _("Customer complaint record")  # 客户投诉记录表
LETTER_TITLE = _("Work contact letter")  # 工作联系函
HANDLING_TITLE = _("Complaint handling record")  # 投诉处置表
COPY_LABEL = _("Copy %(number)s")
ARCHIVE_COPY = _("archived after signing")
DEPARTMENT_COPY = _("kept by the department")
COPIES_NOTE = _("This letter is made out in %(copies)s copies; one signed copy is archived.")

CALLBACK_METHODS = {
    "phone": _("Phone"),
    "visit": _("Visit"),
    "wechat": _("WeChat"),
    "sms": _("SMS"),
    "email": _("E-mail"),
}
DEADLINE_STATES = {
    "on_time": _("Met on time"),
    "late": _("Met late"),
    Deadline.State.OPEN: _("Running"),
    Deadline.State.BREACHED: _("Overdue"),
    Deadline.State.PAUSED: _("Paused"),
    Deadline.State.CANCELLED: _("Cancelled"),
}


@dataclass(frozen=True)
class Customer:
    """The complainant as this viewer may see them (ORG-3)."""

    name: str
    phone: str
    email: str
    address: str
    masked: bool


def _customer(complaint: Complaint, viewer) -> Customer:
    may_see = may_see_customer(viewer, complaint)
    return Customer(
        name=customer_field(complaint.customer_name, kind="name", may_see=may_see),
        phone=customer_field(complaint.customer_phone, kind="phone", may_see=may_see),
        email=customer_field(complaint.customer_email, kind="email", may_see=may_see),
        address=customer_field(complaint.customer_address, kind="address", may_see=may_see),
        masked=not may_see,
    )


def _load(complaint: Complaint) -> Complaint:
    """The complaint with what every form prints, in a few queries."""
    return (
        Complaint.objects.select_related(
            "company",
            "location",
            "department",
            "registered_by",
            "owner",
            "handler",
            "staff_involved",
            "closed_by",
            "repeat_of",
        )
        .prefetch_related("letters__to_unit", "letters__to_person", "letters__acknowledged_by")
        .get(pk=complaint.pk)
    )


def _base(complaint: Complaint, viewer, title) -> dict:
    return {
        "complaint": complaint,
        "company": complaint.company,
        "title": title,
        "customer": _customer(complaint, viewer),
        "text": complaint_texts(complaint, may_see=may_see_customer(viewer, complaint)),
        "viewer": viewer,
        "printed_at": now(),
        "page_counter": page_counter_css(),
    }


def summary_title(title: str, content: str) -> str:
    """The title printed above the content in a summary; "" when the content already begins
    with it, as a complaint sent through the public form is titled with its first words:
    the summary never prints the same text twice (issue 8 item 6)."""
    squeezed_title = "".join(title.split())
    if not squeezed_title or "".join(content.split()).startswith(squeezed_title):
        return ""
    return title


def _deadline_rows(complaint: Complaint) -> list[dict]:
    rows = []
    for deadline in deadlines_for(complaint):
        if deadline.state == Deadline.State.MET:
            state = DEADLINE_STATES["late" if deadline.met_late else "on_time"]
        else:
            state = DEADLINE_STATES[deadline.state]
        level = ""
        if deadline.escalation_step and deadline.ladder:
            step = min(deadline.escalation_step, len(deadline.ladder)) - 1
            level = level_label(deadline.ladder[step]["level"], kind=deadline.kind)
        rows.append(
            {
                "label": kind_label(deadline.kind),
                "due_at": deadline.due_at,
                "met_at": deadline.met_at,
                "state": state,
                "late": deadline.met_late or deadline.state == Deadline.State.BREACHED,
                "escalated_to": level,
            }
        )
    return rows


# --- 客户投诉记录表 (CMP-2) ---------------------------------------------------------------


def complaint_record_html(complaint: Complaint, *, viewer) -> str:
    """CMP-2: the registration record — content, request, address, contact, channel,
    category, severity, the validity judgement, and the final result and evaluation the
    registrar writes on it at closure (CMP-6)."""
    complaint = _load(complaint)
    letters = list(complaint.letters.all())
    context = _base(complaint, viewer, RECORD_TITLE)
    context.update(
        {
            "letters": letters,
            "established": bool(letters) or complaint.verified_at is not None,
            "not_established": complaint.status == Status.NOT_ESTABLISHED,
        }
    )
    return render_to_string("complaints/print/record.html", context)


def complaint_record_pdf(complaint: Complaint, *, viewer) -> bytes:
    return pdf_from_html(complaint_record_html(complaint, viewer=viewer))


# --- 工作联系函 (CMP-3) -------------------------------------------------------------------


def letter_copies(complaint: Complaint) -> int:
    """CMP-3: how many copies of the contact letter are printed (一式两份 in the pack)."""
    copies = rule_value(
        "complaints.contact_letter_copies",
        pack=complaint.policy_pack,
        company=complaint.company_id,
    )
    return max(int(copies or 1), 1)


def contact_letter_html(letter: ContactLetter, *, viewer) -> str:
    """CMP-3: the work contact letter to the head of the department complained about, as
    many copies as the pack says, each labelled (第一联, 第二联 …), with the receipt filled
    from the head's acknowledgement in the app."""
    letter = ContactLetter.objects.select_related(
        "to_unit", "to_person", "sent_by", "sent_by__unit", "acknowledged_by"
    ).get(pk=letter.pk)
    complaint = _load(letter.complaint)
    total = letter_copies(complaint)
    copies = [
        {
            "label": COPY_LABEL % {"number": number_word(n)},
            "purpose": ARCHIVE_COPY if n == 1 else DEPARTMENT_COPY,
        }
        for n in range(1, total + 1)
    ]
    context = _base(complaint, viewer, LETTER_TITLE)
    context.update(
        {
            "letter": letter,
            "summary_title": summary_title(context["text"]["title"], context["text"]["content"]),
            "letter_request": complaint_text(
                complaint, letter.request, may_see=may_see_customer(viewer, complaint)
            ),
            "copies": copies,
            "copies_note": COPIES_NOTE % {"copies": number_word(total, count=True)},
            "deadlines": [
                row
                for row in _deadline_rows(complaint)
                if row["due_at"] is not None and row["met_at"] is None
            ],
        }
    )
    return render_to_string("complaints/print/letter.html", context)


def contact_letter_pdf(letter: ContactLetter, *, viewer) -> bytes:
    return pdf_from_html(contact_letter_html(letter, viewer=viewer))


# --- 投诉处置表 (CMP-4, CMP-5) ------------------------------------------------------------


def handling_record_html(complaint: Complaint, *, viewer) -> str:
    """CMP-4/CMP-5: the handling record — investigation, person responsible, solution,
    contact and on-site times, result, every time limit with its due and met time and
    whether it was met late, the callbacks with the customer's satisfaction, and the final
    result, evaluation and closure (CMP-6)."""
    complaint = _load(complaint)
    may_see = may_see_customer(viewer, complaint)
    callbacks = [
        {
            "callback": callback,
            "method": CALLBACK_METHODS.get(callback.method, callback.method),
            "feedback": complaint_text(complaint, callback.feedback, may_see=may_see),
        }
        for callback in Callback.objects.filter(complaint=complaint)
        .select_related("by")
        .order_by("at", "pk")
    ]
    context = _base(complaint, viewer, HANDLING_TITLE)
    context.update(
        {
            "letters": list(complaint.letters.all()),
            "deadlines": _deadline_rows(complaint),
            "callbacks": callbacks,
        }
    )
    return render_to_string("complaints/print/handling.html", context)


def handling_record_pdf(complaint: Complaint, *, viewer) -> bytes:
    return pdf_from_html(handling_record_html(complaint, viewer=viewer))
