"""The REST API for hotline and WeChat integrations (CMP-1, CMP-2, ORG-3), built with
django-ninja. The OpenAPI schema is served at /api/openapi.json; the interactive docs page
is switched off because it loads its scripts from a CDN, which this deployment cannot reach.

Auth: `Authorization: Bearer <token>` with a token made on the API token page by the
quality department. Scopes: complaints:write (register, run the case, read status),
complaints:read (list the company's complaints; personal data of the complaints the token
sent itself).
Errors are RFC 9457 problem documents (`application/problem+json`: type, title, status,
detail, instance; `errors` lists each refused field with its reason): 401 no or bad token,
403 missing scope, 404 unknown tracking code, 409 a step the complaint's state does not
allow, 413 request body too large, 422 invalid input with the field and the reason, 429 more
than PINZHI_API_REQUESTS_PER_MINUTE requests a minute (3000 by default), with Retry-After in
seconds.
The reason is in the language of the request (Accept-Language; simplified Chinese by
default). Times are ISO 8601; a UTC offset must be within ±15:59.

Running a case (issue 8 item 5): record the contact and the arrival on site, ask for the
special first-contact limit, add the customer's follow-up message or photo, report the
callback, rate and escalate for the customer (complaints:write); look up a caller's open
cases by phone number, list the units and the categories. The steps are refused with the
same reasons as on the case page and the tracking page. Every write takes an optional
`Idempotency-Key` header (the same key and request again: the stored answer, with
`Idempotent-Replayed: true`; with another request: 422). Every status change of a complaint
is sent as a signed webhook `complaint.status.<status>` to the company's webhook endpoints
subscribed to `complaint.status` (body: id, kind, event, at, complaint {id, tracking_code,
status, status_label, external_id, url}; header X-Pinzhi-Signature: sha256=HMAC of the body
with the endpoint's secret)."""

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Query, Schema
from ninja import Status as Reply
from ninja.security import HttpBearer
from pydantic import Field, field_validator

from pinzhi.api import auth, idempotency, listing, problems, services
from pinzhi.api.models import SCOPE_READ, SCOPE_WRITE, ApiToken
from pinzhi.api.problems import MISSING_SCOPE, InvalidInput, NotFound, Problem, ScopeMissing
from pinzhi.complaints.models import Category, Channel, Complaint, Severity, Status
from pinzhi.complaints.selectors import complaint_text
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.lib import paging
from pinzhi.lib.clock import now
from pinzhi.lib.privacy import customer_field
from pinzhi.orgs.models import Unit
from pinzhi.orgs.validators import BAD_PHONE, normalise_phone, phone_is_valid
from pinzhi.policy.selectors import RuleNotFound
from pinzhi.portal.selectors import customer_milestones

API_CHANNELS = (Channel.HOTLINE, Channel.WECHAT, Channel.EMAIL, Channel.API)
if TYPE_CHECKING:  # the choices are built at run time; to a type checker they are text
    type ChannelIn = str
    type CategoryIn = str
    type SeverityIn = str
    type StatusOut = str
else:
    ChannelIn = Literal[tuple(c.value for c in API_CHANNELS)]
    CategoryIn = Literal[tuple(Category.values)]
    SeverityIn = Literal[tuple(Severity.values)]
    StatusOut = Literal[tuple(Status.values)]


class TokenAuth(HttpBearer):
    """A bearer token, counted against its rate limit."""

    def authenticate(self, request, token: str) -> ApiToken | None:
        counted = auth.request_token(request, token)
        api_token, verdict = counted.token, counted.verdict
        if api_token is None or verdict is None:
            return None
        if not verdict.allowed:
            raise problems.TooManyRequests(
                problems.TOO_MANY,
                limit=settings.PINZHI_API_REQUESTS_PER_MINUTE,
                retry_after=verdict.retry_after,
            )
        return api_token


class PinzhiAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        schema = problems.document_problems(super().get_openapi_schema(**kwargs))
        return idempotency.document(schema)


api = PinzhiAPI(
    title="Pinzhi complaints API",
    version="1.0",
    description=__doc__,
    urls_namespace="api",
    docs_url=None,
    openapi_url="/openapi.json",
    auth=TokenAuth(),
)
problems.install(api)


# Issue 6 item 8: PostgreSQL stores a UTC offset of at most 15:59; a larger one (which
# ISO 8601 and Python allow) made the database fail.
MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)


def _moment(value: datetime | None) -> datetime | None:
    """A time from the request, in UTC: a naive one is local time (Asia/Shanghai); the
    offset must be within ±15:59 and the moment representable (not 0001-01-01 east of
    UTC). Raises ValueError with the reason, which pydantic reports with the field."""
    if value is None:
        return None
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        offset = value.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            raise ValueError("the UTC offset must be between -15:59 and +15:59")
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range") from None


def _clean_text(value: str) -> str:
    if any(ord(c) < 32 and c not in "\r\n\t" for c in value) or "\ufffe" in value:
        raise ValueError("contains control characters")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise ValueError("contains unpaired surrogates")
    return value.strip()


class ComplaintIn(Schema):
    """A complaint as a hotline or WeChat integration sends it (客户投诉记录表, CMP-2)."""

    channel: ChannelIn
    category: CategoryIn
    severity: SeverityIn = Severity.GENERAL.value
    title: str = Field("", max_length=200, description="Empty: the start of the content.")
    content: str = Field(
        ..., min_length=1, max_length=5000, examples=["连续三晚没有看到保安巡逻。"]
    )
    request: str = Field("", max_length=2000, description="What the customer wants.")
    customer_name: str = Field(..., min_length=1, max_length=60, examples=["李业主"])
    customer_phone: str = Field(
        ...,
        min_length=1,
        max_length=40,
        pattern=r"^[0-9+()\- ]+$",
        examples=["13912345678", "0755-12345678"],
        description="A mobile number or a landline.",
    )
    customer_email: str = Field("", max_length=254, examples=["li@example.com"])
    customer_address: str = Field("", max_length=200)
    location_code: str | None = Field(
        None, max_length=40, description="Code of the estate / window unit of the company."
    )
    received_at: datetime | None = Field(
        None, description="When the customer called or wrote; default now. Not in the future."
    )
    external_id: str = Field("", max_length=80, description="The id in your system.")

    @field_validator(
        "title",
        "content",
        "request",
        "customer_name",
        "customer_address",
        "external_id",
        "location_code",
    )
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return None if value is None else _clean_text(value)

    @field_validator("content", "customer_name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value:
            raise ValueError("must not be blank")
        return value

    @field_validator("customer_phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        _clean_text(value)
        if not phone_is_valid(value):
            raise ValueError(str(BAD_PHONE))
        return normalise_phone(value)

    @field_validator("customer_email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = _clean_text(value)
        if value:
            try:
                validate_email(value)
            except DjangoValidationError:
                raise ValueError("not a valid e-mail address") from None
        return value

    @field_validator("received_at")
    @classmethod
    def _received(cls, value: datetime | None) -> datetime | None:
        value = _moment(value)
        if value is None:
            return None
        if value > now():
            raise ValueError("must not be in the future")
        if value.year < 2000:
            raise ValueError("must be after 2000")
        return value


class DeadlineOut(Schema):
    kind: str
    due_at: datetime
    state: str


class MilestoneOut(Schema):
    key: str
    label: str
    at: datetime
    note: str = ""


class CustomerOut(Schema):
    name: str
    phone: str
    email: str
    address: str


class ComplaintCreated(Schema):
    id: int
    tracking_code: str
    status: StatusOut
    deadlines: list[DeadlineOut]


class ComplaintOut(Schema):
    id: int
    tracking_code: str
    channel: str
    category: str
    severity: str
    status: StatusOut
    status_label: str
    received_at: datetime
    updated_at: datetime
    location_code: str | None
    department: str | None
    customer: CustomerOut
    milestones: list[MilestoneOut]


ErrorOut = Problem

NO_LOCATION = _("No active unit of your company has this code.")
NO_COMPLAINT = _("No complaint of your company has this tracking code.")
BAD_TRACKING_CODE = _("A tracking code is TS followed by 8 letters and digits.")
NO_LIMITS_IN_FORCE = _("No time limits of the policy pack were in force at this time.")


def _require(request, scope: str) -> ApiToken:
    token: ApiToken = request.auth
    if not token.has_scope(scope):
        raise ScopeMissing(MISSING_SCOPE, scope=scope)
    return token


def _sent_by(token: ApiToken, complaint: Complaint) -> bool:
    origin = getattr(complaint, "api_origin", None)
    return origin is not None and origin.token_id == token.pk


def _milestones_out(complaint: Complaint, *, may_see: bool) -> list[dict]:
    """The customer's milestones; their notes (the explanation, the result) may carry the
    customer's personal data and are masked like the fields (ORG-3)."""
    return [
        {**m.__dict__, "note": complaint_text(complaint, m.note, may_see=may_see)}
        for m in customer_milestones(complaint)
    ]


def _complaint_out(token: ApiToken, complaint: Complaint, *, milestones: bool = True) -> dict:
    """ORG-3: personal data are shown only to a token with complaints:read, and only for
    the complaints it sent itself (the data it already holds); masked otherwise."""
    may_see = token.has_scope(SCOPE_READ) and _sent_by(token, complaint)
    return {
        "id": complaint.pk,
        "tracking_code": complaint.tracking_code,
        "channel": complaint.channel,
        "category": complaint.category,
        "severity": complaint.severity,
        "status": complaint.status,
        "status_label": str(complaint.get_status_display()),
        "received_at": complaint.received_at,
        "updated_at": complaint.updated_at,
        "location_code": complaint.location.code if complaint.location else None,
        "department": complaint.department.name if complaint.department else None,
        "customer": {
            "name": customer_field(complaint.customer_name, kind="name", may_see=may_see),
            "phone": customer_field(complaint.customer_phone, kind="phone", may_see=may_see),
            "email": customer_field(complaint.customer_email, kind="email", may_see=may_see),
            "address": customer_field(complaint.customer_address, kind="address", may_see=may_see),
        },
        "milestones": _milestones_out(complaint, may_see=may_see) if milestones else [],
    }


def _company_complaints(token: ApiToken) -> QuerySet[Complaint]:
    return Complaint.objects.filter(company=token.company).select_related(
        "location", "department", "api_origin"
    )


def company_complaint(token: ApiToken, tracking_code: str) -> Complaint:
    """The token's company's complaint with this tracking code (a path parameter), or the
    problem: 422 for a code that cannot be one, 404 for none of the company's."""
    code = tracking_code.strip().upper()
    if not (code.isascii() and code.isalnum()) or len(code) > 12:
        # Issue 6 item 8: a NUL byte made the database fail.
        raise InvalidInput(BAD_TRACKING_CODE, field="tracking_code", where=("path",))
    complaint = _company_complaints(token).filter(tracking_code=code).first()
    if complaint is None:
        raise NotFound(NO_COMPLAINT)
    return complaint


@api.post(
    "/complaints",
    response={
        201: ComplaintCreated,
        401: ErrorOut,
        403: ErrorOut,
        409: ErrorOut,
        413: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
    },
    url_name="complaints",
    summary="Register a complaint",
)
def complaint_create(request, payload: ComplaintIn):
    """CMP-1/CMP-2: register a complaint received by the hotline, WeChat, e-mail or another
    integration. The time limits start at `received_at`; the tracking code is for the
    customer."""
    token = _require(request, SCOPE_WRITE)
    location = None
    if payload.location_code:
        location = Unit.objects.filter(
            company=token.company, code=payload.location_code, is_active=True
        ).first()
        if location is None:
            raise InvalidInput(NO_LOCATION, field="location_code")
    title = payload.title or " ".join(payload.content.split())[:60]
    try:
        complaint = services.api_complaint_register(
            token=token,
            external_id=payload.external_id,
            channel=payload.channel,
            category=payload.category,
            severity=payload.severity,
            title=title,
            content=payload.content,
            request=payload.request,
            customer_name=payload.customer_name,
            customer_phone=payload.customer_phone,
            customer_email=payload.customer_email,
            customer_address=payload.customer_address,
            location=location,
            received_at=payload.received_at,
        )
    except DjangoValidationError as error:
        raise InvalidInput.from_validation_error(error) from error
    except RuleNotFound as error:
        if payload.received_at is None:
            raise
        # Issue 6 item 8: the time limits in force when the complaint was received decide
        # its deadlines; before the company's policy pack took effect there were none.
        raise InvalidInput(NO_LIMITS_IN_FORCE, field="received_at") from error
    deadlines = [
        {"kind": d.kind, "due_at": d.due_at, "state": d.state}
        for d in deadlines_for(complaint).order_by("due_at")
    ]
    return Reply(
        201,
        {
            "id": complaint.pk,
            "tracking_code": complaint.tracking_code,
            "status": complaint.status,
            "deadlines": deadlines,
        },
    )


@api.get(
    "/complaints/{tracking_code}",
    response={200: ComplaintOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    url_name="complaint",
    summary="Status and milestones of a complaint",
)
def complaint_detail(request, tracking_code: str):
    """CMP-2: the status and the customer-facing milestones of one of the company's cases."""
    token: ApiToken = request.auth
    return _complaint_out(token, company_complaint(token, tracking_code))


PAGE_SIZE = 50


class ListFilter(Schema):
    updated_since: datetime | None = Field(None, description="Only cases changed since then.")
    cursor: str | None = Field(
        None,
        max_length=200,
        description="The `next` value of the previous page: the page after it (issue 9).",
    )
    page: int = Field(1, ge=1, le=100000)

    @field_validator("updated_since")
    @classmethod
    def _since(cls, value: datetime | None) -> datetime | None:
        return _moment(value)


class ComplaintPage(Schema):
    count: int = Field(description="Matching cases, counted up to 1000 (see `count_capped`).")
    count_capped: bool = Field(description="More cases match than `count` says.")
    page: int
    pages: int | None = Field(description="Number of pages; null when the count is capped.")
    next: str | None = Field(
        description="Cursor of the next page (pass as `cursor`); null at the end."
    )
    items: list[ComplaintOut]


@api.get(
    "/complaints",
    response={200: ComplaintPage, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    url_name="complaints_list",
    summary="The company's complaints, latest change first",
)
def complaint_list(request, filters: Query[ListFilter]):
    """The token's company's complaints (complaints:read), 50 a page, personal data masked
    except for the complaints the token sent itself. Page on with `cursor` = the page's
    `next` (the same cost at any depth); `page` numbers still work (issue 9 item 3). The
    count stops at 1000 (`count_capped`, and `pages` null, when more match)."""
    token = _require(request, SCOPE_READ)
    complaints = _company_complaints(token).order_by("-updated_at", "-pk")
    if filters.updated_since is not None:
        complaints = complaints.filter(updated_at__gte=filters.updated_since)
    count = paging.capped_count(complaints)
    capped = count > paging.COUNT_CAP
    if filters.cursor:
        rows = list(listing.after_cursor(complaints, filters.cursor)[: PAGE_SIZE + 1])
    else:
        start = (filters.page - 1) * PAGE_SIZE
        rows = list(complaints[start : start + PAGE_SIZE + 1])
    items = rows[:PAGE_SIZE]
    return {
        "count": min(count, paging.COUNT_CAP),
        "count_capped": capped,
        "page": filters.page,
        "pages": None if capped else max(1, -(-count // PAGE_SIZE)),
        "next": listing.cursor_of(items[-1]) if len(rows) > PAGE_SIZE else None,
        "items": [_complaint_out(token, c, milestones=False) for c in items],
    }
