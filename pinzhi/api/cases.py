"""Running a case through the API (issue 8 item 5, CMP-1 … CMP-7): what a 12345-style
hotline platform or a WeChat service account does with a complaint after registering it.

Each write calls the same service as the staff page or the public tracking page, so a
refusal carries the same reason (the workflow's, `complaints/workflow.py`, or the service's)
as a problem document: 409 for a step the case's state does not allow, 422 for input. A step
recorded through the API is recorded in the name of the person who made the token (the
quality department's member answerable for the integration); the token's scope stands in for
the roles a person would need on the case page. Every write takes an `Idempotency-Key`
(`pinzhi.api.idempotency`); every status change goes out as a signed webhook
(`pinzhi.api.webhooks`).
"""

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Query, Schema, UploadedFile
from ninja import Status as Reply
from pydantic import Field, field_validator

from pinzhi.api.api import (
    ComplaintOut,
    DeadlineOut,
    ErrorOut,
    _clean_text,
    _company_complaints,
    _complaint_out,
    _moment,
    _require,
    api,
    company_complaint,
)
from pinzhi.api.models import SCOPE_WRITE, ApiToken
from pinzhi.api.problems import InvalidInput
from pinzhi.complaints import services as complaints
from pinzhi.complaints.forms import SATISFACTION_REQUIRED
from pinzhi.complaints.models import Callback, Category, Channel, Complaint, Severity, Status
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.lib.clock import now
from pinzhi.orgs.models import Unit
from pinzhi.orgs.validators import BAD_PHONE, normalise_phone, phone_is_valid
from pinzhi.portal import services as portal
from pinzhi.portal.forms import IMAGE_EXTENSIONS, NOT_AN_IMAGE
from pinzhi.timeline import filetypes
from pinzhi.timeline.services import AttachmentRefused

if TYPE_CHECKING:
    type SatisfactionIn = str
else:
    SatisfactionIn = Literal[tuple(Callback.Satisfaction.values)]

CLOSED_STATES = (Status.CLOSED, Status.NOT_ESTABLISHED)
LOOKUP_LIMIT = 50
NOT_IN_FUTURE = "must not be in the future"
CONTACT_BEFORE_RECEIVED = _("The contact cannot be before the complaint was received.")

STEP_ERRORS = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}
READ_ERRORS = {401: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class CaseOut(ComplaintOut):
    """The case after the step: its status, milestones and time limits."""

    deadlines: list[DeadlineOut]


def _case_out(token: ApiToken, complaint: Complaint) -> dict:
    complaint = _company_complaints(token).get(pk=complaint.pk)
    return {
        **_complaint_out(token, complaint),
        "deadlines": [
            {"kind": d.kind, "due_at": d.due_at, "state": d.state}
            for d in deadlines_for(complaint).order_by("due_at")
        ],
    }


def _writer(request, tracking_code: str) -> tuple[ApiToken, Complaint]:
    token = _require(request, SCOPE_WRITE)
    return token, company_complaint(token, tracking_code)


def _required_text(value: str) -> str:
    value = _clean_text(value)
    if not value:
        raise ValueError("must not be blank")
    return value


# --- contact and on site (CMP-4) ------------------------------------------------------------


class ContactIn(Schema):
    """The customer was contacted (first-contact limit met); with `on_site`, staff also
    arrived on site (the on-site limit of an urgent case met)."""

    at: datetime | None = Field(
        None, description="When the customer was reached / staff arrived; default now."
    )
    on_site: bool = Field(False, description="Staff arrived on site (urgent cases, CMP-4).")

    @field_validator("at")
    @classmethod
    def _at(cls, value: datetime | None) -> datetime | None:
        value = _moment(value)
        if value is not None and value > now():
            raise ValueError(NOT_IN_FUTURE)
        return value


@api.post(
    "/complaints/{tracking_code}/contact",
    response={200: CaseOut, **STEP_ERRORS},
    url_name="complaint_contact",
    summary="Record the customer contacted (and staff on site)",
)
def complaint_contact(request, tracking_code: str, payload: ContactIn):
    """CMP-4: the hotline or the WeChat account reached the customer (the 30-minute
    first-contact limit is met); `on_site`: staff arrived on site (the on-site limit of an
    urgent case is met). Refused (409) when the case is resolved or closed, or when this was
    recorded already."""
    token, complaint = _writer(request, tracking_code)
    if payload.at is not None and payload.at < complaint.received_at:
        raise InvalidInput(CONTACT_BEFORE_RECEIVED, field="at")
    complaint = complaints.complaint_record_contact(
        complaint=complaint, actor=token.created_by, at=payload.at, on_site=payload.on_site
    )
    return _case_out(token, complaint)


# --- the special 4-hour first-contact limit (CMP-4) ----------------------------------------


class SpecialLimitIn(Schema):
    reason: str = Field(
        ...,
        min_length=1,
        max_length=1000,
        examples=["业主出差在外，约定今晚回电。"],
        description="Why this case is special (recorded with the longer limit).",
    )

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        return _required_text(value)


@api.post(
    "/complaints/{tracking_code}/special-first-contact",
    response={200: CaseOut, **STEP_ERRORS},
    url_name="complaint_special_first_contact",
    summary="Ask for the special (4-hour) first-contact limit",
)
def complaint_special_first_contact(request, tracking_code: str, payload: SpecialLimitIn):
    """CMP-4: in a special case the first contact may take up to the longer limit of the
    policy pack (4 hours), with the reason. Refused (409) with the same reason as on the case
    page: the customer was contacted already, the limit was granted already, or the
    first-contact limit has already passed."""
    token, complaint = _writer(request, tracking_code)
    complaint = complaints.complaint_allow_special_first_contact(
        complaint=complaint, actor=token.created_by, reason=payload.reason
    )
    return _case_out(token, complaint)


# --- the customer's follow-up: a message or a photo ----------------------------------------


class MessageIn(Schema):
    message: str = Field(
        ..., min_length=1, max_length=2000, examples=["今晚又没有看到巡逻，请尽快处理。"]
    )

    @field_validator("message")
    @classmethod
    def _message(cls, value: str) -> str:
        return _required_text(value)


class FollowUpOut(Schema):
    tracking_code: str
    at: datetime
    message: str
    photo: str | None = Field(None, description="The attached photo's file name, if any.")


def _follow_up(token: ApiToken, complaint: Complaint, message: str, photo=None) -> Reply:
    event = complaints.complaint_customer_follow_up(
        complaint=complaint, message=message, photo=photo, channel=Channel.API
    )
    return Reply(
        201,
        {
            "tracking_code": complaint.tracking_code,
            "at": event.at,
            "message": message,
            "photo": filetypes.safe_display_name(photo.name or "") if photo is not None else None,
        },
    )


@api.post(
    "/complaints/{tracking_code}/messages",
    response={201: FollowUpOut, **STEP_ERRORS},
    url_name="complaint_message",
    summary="Add the customer's follow-up message",
)
def complaint_message(request, tracking_code: str, payload: MessageIn):
    """CMP-2: the customer called or wrote again about an open case; the message goes on the
    case's history and its owner and handler are told. Refused (409) once the case is
    closed: register a new complaint then."""
    token, complaint = _writer(request, tracking_code)
    return _follow_up(token, complaint, payload.message)


@api.post(
    "/complaints/{tracking_code}/photos",
    response={201: FollowUpOut, **STEP_ERRORS},
    url_name="complaint_photo",
    summary="Add the customer's photo (multipart/form-data)",
)
def complaint_photo(
    request,
    tracking_code: str,
    photo: File[UploadedFile],
    message: Form[str] = "",
):
    """CMP-2: a photo the customer sent (JPG, PNG, GIF, WebP or HEIC, at most
    PINZHI_ATTACHMENT_MAX_MB), with an optional message, checked like a photo on the public
    complaint form (type, size, content matching its type)."""
    token, complaint = _writer(request, tracking_code)
    try:
        message = _clean_text(message)[:2000]
    except ValueError as error:
        raise InvalidInput(str(error), field="message") from None
    if filetypes.extension(photo.name or "") not in IMAGE_EXTENSIONS:
        raise InvalidInput(NOT_AN_IMAGE, field="photo")
    try:
        return _follow_up(token, complaint, message, photo)
    except AttachmentRefused as error:
        raise InvalidInput(error.message, field="photo", code=error.code, **error.params) from None


# --- the callback collected by phone (CMP-5) ------------------------------------------------


class CallbackIn(Schema):
    reached: bool = Field(..., description="Whether the customer was reached.")
    confirmed: bool = Field(False, description="The customer confirms the result.")
    satisfaction: SatisfactionIn | Literal[""] = Field(
        "", description="Required when the customer was reached."
    )
    feedback: str = Field("", max_length=2000, description="What the customer said.")

    @field_validator("feedback")
    @classmethod
    def _feedback(cls, value: str) -> str:
        return _clean_text(value)


class CallbackOut(CaseOut):
    satisfied: bool = Field(..., description="Confirmed and (very) satisfied: case called back.")


@api.post(
    "/complaints/{tracking_code}/callback",
    response={200: CallbackOut, **STEP_ERRORS},
    url_name="complaint_callback",
    summary="Report the callback result collected by phone",
)
def complaint_callback(request, tracking_code: str, payload: CallbackIn):
    """CMP-5: the result of the callback (回访) the hotline made. A satisfied customer who
    confirms the result: the case goes to the registrar to close; not satisfied: it is
    reopened; not reached: the callback stays due. Refused (409) unless the case is
    resolved."""
    token, complaint = _writer(request, tracking_code)
    if payload.reached and not payload.satisfaction:
        raise InvalidInput(SATISFACTION_REQUIRED, field="satisfaction")
    callback = complaints.complaint_callback(
        complaint=complaint,
        actor=token.created_by,
        reached=payload.reached,
        confirmed=payload.confirmed,
        satisfaction=payload.satisfaction,
        feedback=payload.feedback,
        method="phone",
    )
    return {**_case_out(token, complaint), "satisfied": callback.satisfied}


# --- rating and escalation for the customer (CMP-5 … CMP-7) --------------------------------


class RatingIn(Schema):
    rating: int = Field(..., ge=1, le=5, description="1 (poor) to 5 (excellent).")
    comment: str = Field("", max_length=1000)

    @field_validator("comment")
    @classmethod
    def _comment(cls, value: str) -> str:
        return _clean_text(value)


@api.post(
    "/complaints/{tracking_code}/rating",
    response={200: CaseOut, **STEP_ERRORS},
    url_name="complaint_rating",
    summary="Rate the handling for the customer",
)
def complaint_rating(request, tracking_code: str, payload: RatingIn):
    """CMP-5/CMP-6: the customer's rating of the handling, as on the tracking page; only
    once the case is resolved (409 before, with the tracking page's reason)."""
    token, complaint = _writer(request, tracking_code)
    complaint = portal.portal_complaint_rate(
        complaint=complaint, rating=payload.rating, comment=payload.comment
    )
    return _case_out(token, complaint)


class EscalationIn(Schema):
    reason: str = Field(..., min_length=1, max_length=1000, examples=["三天了还没有人联系我。"])

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        return _required_text(value)


class EscalationOut(Schema):
    tracking_code: str
    at: datetime
    reason: str


@api.post(
    "/complaints/{tracking_code}/escalation",
    response={201: EscalationOut, **STEP_ERRORS},
    url_name="complaint_escalation",
    summary="Escalate for the customer",
)
def complaint_escalation(request, tracking_code: str, payload: EscalationIn):
    """CMP-7: the customer escalates to the group leader and the chairman, as on the tracking
    page: only while the case is open and one of its time limits was missed, and not while
    an earlier escalation is unanswered (409 with the tracking page's reason)."""
    _token, complaint = _writer(request, tracking_code)
    escalation = portal.portal_complaint_escalate(complaint=complaint, reason=payload.reason)
    return Reply(
        201,
        {
            "tracking_code": complaint.tracking_code,
            "at": escalation.at,
            "reason": escalation.reason,
        },
    )


# --- reads: a caller's open cases, units, categories ---------------------------------------


class CallerFilter(Schema):
    phone: str = Field(
        ...,
        min_length=1,
        max_length=40,
        pattern=r"^[0-9+()\- ]+$",
        examples=["13912345678"],
        description="The caller's phone number, as the hotline sees it.",
    )

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not phone_is_valid(value):
            raise ValueError(str(BAD_PHONE))
        return normalise_phone(value)


class CallerCases(Schema):
    count: int
    items: list[ComplaintOut]


@api.get(
    "/caller-complaints",
    response={200: CallerCases, **READ_ERRORS},
    url_name="caller_complaints",
    summary="A caller's open complaints, by phone number",
)
def caller_complaints(request, filters: Query[CallerFilter]):
    """CMP-2: the open complaints (not closed, not judged not established) of the token's
    company whose customer has this phone number, latest first (at most 50), so that the
    hotline can tell a caller where their case stands. Personal data are masked as in the
    other reads: in clear only to a token with complaints:read, for the cases it sent. The
    look-ups count against the token's rate limit like every request."""
    token: ApiToken = request.auth
    phones = {filters.phone, filters.phone.replace("-", "").replace(" ", "")}
    cases = (
        _company_complaints(token)
        .filter(customer_phone__in=phones)
        .exclude(status__in=CLOSED_STATES)
        .order_by("-received_at", "-pk")
    )
    items = [_complaint_out(token, c, milestones=False) for c in cases[:LOOKUP_LIMIT]]
    return {"count": len(items), "items": items}


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    parent_code: str | None


@api.get(
    "/units",
    response={200: list[UnitOut], **READ_ERRORS},
    url_name="units",
    summary="The company's units (estates, windows, departments)",
)
def unit_list(request):
    """The active units of the token's company, to fill the integration's own forms: a
    complaint's `location_code` is one of these codes."""
    token: ApiToken = request.auth
    units = (
        Unit.objects.filter(company=token.company, is_active=True)
        .select_related("parent")
        .order_by("path", "code")
    )
    return [
        {
            "code": unit.code,
            "name": unit.name,
            "kind": unit.kind,
            "kind_label": str(unit.get_kind_display()),
            "parent_code": unit.parent.code if unit.parent else None,
        }
        for unit in units
    ]


class Choice(Schema):
    code: str
    label: str


class Vocabulary(Schema):
    categories: list[Choice]
    severities: list[Choice]
    channels: list[Choice]
    satisfaction: list[Choice]


@api.get(
    "/categories",
    response={200: Vocabulary, **READ_ERRORS},
    url_name="categories",
    summary="Complaint categories and the other choices of the forms",
)
def category_list(request):
    """The codes a complaint and a callback take (category, severity, channel, the
    callback's satisfaction), with their labels in the request's language."""
    from pinzhi.api.api import API_CHANNELS

    def choices(pairs) -> list[dict]:
        return [{"code": code, "label": str(label)} for code, label in pairs]

    return {
        "categories": choices(Category.choices),
        "severities": choices(Severity.choices),
        "channels": choices((c.value, c.label) for c in API_CHANNELS),
        "satisfaction": choices(Callback.Satisfaction.choices),
    }
