"""Writes of the public portal: a complaint from the web form (CMP-1, CMP-2), its
first-contact owner (CMP-3), the customer's rating and escalation (CMP-7), rate limits."""

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from pinzhi.complaints import services as complaints
from pinzhi.complaints.models import Channel, Complaint, CustomerEscalation
from pinzhi.core import ratelimit
from pinzhi.deadlines import services as deadlines
from pinzhi.lib.errors import DomainError
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.portal import selectors
from pinzhi.timeline.services import attachment_add

AUTO_ASSIGN_NOTE = _("Public web complaint assigned automatically")
NO_BREACH = _(
    "You can escalate only when the department has not answered or arrived within the "
    "time limit. Your complaint is still within its time limits."
)


class PortalError(DomainError):
    """A refusal with a message for the customer."""

    code = "portal_refused"
    status = 409


def submit_allowed(*, address: str) -> bool:
    """CMP-1: complaints from one address are limited per hour and per day
    (PINZHI_PUBLIC_SUBMITS_PER_HOUR, _PER_DAY)."""
    return all(
        ratelimit.peek(purpose, address).allowed
        for purpose in (ratelimit.PUBLIC_SUBMIT_HOUR, ratelimit.PUBLIC_SUBMIT_DAY)
    )


def submit_count(*, address: str) -> None:
    """Count a submission from `address` (also a refused automated one) against its limits."""
    for purpose in (ratelimit.PUBLIC_SUBMIT_HOUR, ratelimit.PUBLIC_SUBMIT_DAY):
        ratelimit.hit(purpose, address)


def tracking_key(tracking_code: str) -> str:
    """CMP-1: the rate-limit key of a tracking code, normalised like the tracking form does
    (upper-case, only the letters and digits a code is made of) so spaced or lower-case
    variants share one limit. Anything else is dropped before the key reaches the database
    (a NUL byte made PostgreSQL fail, issue 6 item 8)."""
    return "".join(c for c in tracking_code if c.isalnum()).upper()[:40]


def tracking_allowed(*, address: str, tracking_code: str = "") -> bool:
    """CMP-2: failed tracking checks are limited per address and per tracking code
    (PINZHI_PUBLIC_TRACK_FAILURES_PER_HOUR, PINZHI_PUBLIC_TRACK_CODE_FAILURES_PER_HOUR)."""
    if not ratelimit.peek(ratelimit.PUBLIC_TRACK_ADDRESS, address).allowed:
        return False
    code = tracking_key(tracking_code)
    return not code or ratelimit.peek(ratelimit.PUBLIC_TRACK_CODE, code).allowed


def tracking_failed(*, address: str, tracking_code: str) -> None:
    """Count a tracking check that matched no case against the address and the code."""
    ratelimit.hit(ratelimit.PUBLIC_TRACK_ADDRESS, address)
    if code := tracking_key(tracking_code):
        ratelimit.hit(ratelimit.PUBLIC_TRACK_CODE, code)


def complaint_take_first_contact(*, complaint: Complaint) -> Complaint:
    """CMP-3 (首问责任制) for a complaint nobody on the staff registered (web form, API):
    the service desk of the location owns it, else the quality department. Ownership moves
    by the ordinary hand-over (recorded on the timeline, the new owner notified), and the
    running deadlines follow the owner so their escalations reach someone."""
    owner = selectors.first_contact_owner(company=complaint.company, location=complaint.location)
    if owner is None or complaint.owner_id is not None:
        return complaint
    complaint = complaints.complaint_hand_over(
        complaint=complaint, actor=None, to_person=owner, note=str(AUTO_ASSIGN_NOTE)
    )
    for deadline in complaints._running(complaint):
        if deadline.owner_id is None:
            deadlines.deadline_reassign(deadline=deadline, owner=owner)
    return complaint


@transaction.atomic
def portal_complaint_submit(
    *,
    company: Company,
    location: Unit | None,
    category: str,
    content: str,
    request: str,
    customer_name: str,
    customer_phone: str,
    customer_address: str,
    customer_email: str = "",
    photo: UploadedFile | None = None,
    address: str = "",
    customer: Person | None = None,
) -> Complaint:
    """CMP-1/CMP-2: register a complaint sent through the public web form (channel
    "web_form", no account needed), give it a first-contact owner, attach the photo and count
    the submission against the address's rate limit. The customer consented to the handling
    of their personal data on the form (ORG-3). Sent by a signed-in customer, it is theirs:
    it appears among "my complaints" (issue 8 item 6)."""
    title = " ".join(content.split())[:60] or str(_("Web complaint"))
    complaint = complaints.complaint_register(
        company=company,
        channel=Channel.WEB_FORM,
        category=category,
        title=title,
        content=content,
        request=request,
        customer_name=customer_name,
        customer_phone=customer_phone,
        customer_email=customer_email,
        customer_address=customer_address,
        location=location,
        registered_by=None,
        customer=customer,
    )
    complaint = complaint_take_first_contact(complaint=complaint)
    if photo is not None:
        # Uploaded by the customer, who has no account: no uploader is recorded.
        attachment_add(subject=complaint, uploaded_file=photo, uploaded_by=None)
    submit_count(address=address)
    return complaint


def portal_complaint_escalate(*, complaint: Complaint, reason: str) -> CustomerEscalation:
    """CMP-7: the customer escalates to the group leader and the chairman from the tracking
    page — only while the case is open and one of its time limits is breached."""
    if not selectors.may_escalate(complaint):
        raise PortalError(NO_BREACH)
    try:
        return complaints.complaint_customer_escalate(complaint=complaint, reason=reason)
    except complaints.ComplaintError as error:
        raise PortalError(error.message, field=error.field, **error.params) from error


def portal_complaint_rate(*, complaint: Complaint, rating: int, comment: str = "") -> Complaint:
    """The customer rates the handling once it is resolved (CMP-5, CMP-6)."""
    try:
        return complaints.complaint_customer_rate(
            complaint=complaint, rating=rating, comment=comment
        )
    except complaints.ComplaintError as error:
        raise PortalError(error.message, field=error.field, **error.params) from error
