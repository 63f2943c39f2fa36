"""Writes of the public portal: a complaint from the web form (CMP-1, CMP-2), its
first-contact owner (CMP-3), the customer's rating and escalation (CMP-7), rate limits."""

from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from pinzhi.complaints import services as complaints
from pinzhi.complaints.models import Channel, Complaint
from pinzhi.deadlines import services as deadlines
from pinzhi.lib.clock import now
from pinzhi.orgs.models import Company, Unit
from pinzhi.portal import selectors
from pinzhi.portal.models import PublicAttempt
from pinzhi.timeline.services import attachment_add

AUTO_ASSIGN_NOTE = _("Public web complaint assigned automatically")
NO_BREACH = _(
    "You can escalate only when the department has not answered or arrived within the "
    "time limit. Your complaint is still within its time limits."
)

# CMP-1: limits per address. Submissions: 5 an hour, 20 a day. Tracking checks: 10 failed
# an hour per address and 5 failed an hour per tracking code (4 digits are guessable).
SUBMIT_LIMITS = ((timedelta(hours=1), 5), (timedelta(days=1), 20))
TRACK_FAILED_PER_ADDRESS = (timedelta(hours=1), 10)
TRACK_FAILED_PER_CODE = (timedelta(hours=1), 5)


class PortalError(Exception):
    """A refusal with a message for the customer."""


def attempt_record(*, kind: str, address: str, key: str = "") -> PublicAttempt:
    return PublicAttempt.objects.create(kind=kind, address=address[:45], key=key[:40], at=now())


def submit_allowed(*, address: str) -> bool:
    moment = now()
    return all(
        selectors.attempts_since(
            kind=PublicAttempt.Kind.SUBMIT, address=address, since=moment - window
        )
        < limit
        for window, limit in SUBMIT_LIMITS
    )


def tracking_key(tracking_code: str) -> str:
    """CMP-1: the rate-limit key of a tracking code, normalised like the tracking form does
    (upper-case, only the letters and digits a code is made of) so spaced or lower-case
    variants share one limit. Anything else is dropped before the key reaches the database
    (a NUL byte made PostgreSQL fail, issue 6 item 8)."""
    return "".join(c for c in tracking_code if c.isalnum()).upper()[:40]


def tracking_allowed(*, address: str, tracking_code: str = "") -> bool:
    moment = now()
    window, limit = TRACK_FAILED_PER_ADDRESS
    kind = PublicAttempt.Kind.TRACK_FAILED
    if selectors.attempts_since(kind=kind, address=address, since=moment - window) >= limit:
        return False
    if tracking_code:
        window, limit = TRACK_FAILED_PER_CODE
        code = tracking_key(tracking_code)
        if selectors.attempts_since(kind=kind, key=code, since=moment - window) >= limit:
            return False
    return True


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
    photo=None,
    address: str = "",
) -> Complaint:
    """CMP-1/CMP-2: register a complaint sent through the public web form (channel
    "web_form", no account), give it a first-contact owner, attach the photo and count the
    submission against the address's rate limit. The customer consented to the handling of
    their personal data on the form (ORG-3)."""
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
    )
    complaint = complaint_take_first_contact(complaint=complaint)
    if photo is not None:
        # Uploaded by the customer, who has no account: no uploader is recorded.
        attachment_add(subject=complaint, uploaded_file=photo, uploaded_by=None)
    attempt_record(kind=PublicAttempt.Kind.SUBMIT, address=address)
    return complaint


def portal_complaint_escalate(*, complaint: Complaint, reason: str):
    """CMP-7: the customer escalates to the group leader and the chairman from the tracking
    page — only while the case is open and one of its time limits is breached."""
    if not selectors.may_escalate(complaint):
        raise PortalError(NO_BREACH)
    try:
        return complaints.complaint_customer_escalate(complaint=complaint, reason=reason)
    except complaints.ComplaintError as error:
        raise PortalError(str(error)) from error


def portal_complaint_rate(*, complaint: Complaint, rating: int, comment: str = "") -> Complaint:
    """The customer rates the handling once it is resolved (CMP-5, CMP-6)."""
    try:
        return complaints.complaint_customer_rate(
            complaint=complaint, rating=rating, comment=comment
        )
    except complaints.ComplaintError as error:
        raise PortalError(str(error)) from error
