"""Findings and their rectification through the API (issue 10 item 9, NCR-1 … NCR-3): what
an integration (a supplier's own system, a facilities platform) reads and reports.

Reads are the token's company's nonconformities. A write names the person it is made for
(`by`, a username of the company or of its supplier); that person must be allowed to take
the step exactly as on the nonconformity page, else the token's creator takes it. Refusals
are the workflow's (409 state, 403 person) as problem documents; writes honour
`Idempotency-Key`, and a fix report's `client_key` makes a resend return the stored report.
"""

import uuid
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from ninja import Query, Schema
from pydantic import Field

from pinzhi.api.api import DeadlineOut, ErrorOut, _clean_text, _moment, _require, api
from pinzhi.api.models import SCOPE_RECTIFICATION_READ, SCOPE_RECTIFICATION_WRITE, ApiToken
from pinzhi.api.problems import InvalidInput, NotFound
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.lib.clock import now
from pinzhi.orgs.models import Person
from pinzhi.rectification import services
from pinzhi.rectification.models import Nonconformity

NO_FINDING = _("There is no nonconformity with this number.")
NO_PERSON = _("There is no active person with this username in the company or its supplier.")
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}
PAGE_LIMIT = 100


class FixReportOut(Schema):
    text: str
    reported_by: str
    reported_at: datetime
    photos: int


class VerificationOut(Schema):
    accepted: bool
    note: str
    new_due_at: datetime | None
    verified_by: str
    verified_at: datetime


class FindingOut(Schema):
    number: str
    unit_code: str
    unit_name: str
    title: str
    severity: str
    status: str
    status_label: str
    source: str
    supplier: str | None
    raised_at: datetime
    due_at: datetime
    overdue: bool
    reopened: int


class FindingDetail(FindingOut):
    description: str
    warning_notice: str
    fix_reports: list[FixReportOut]
    verifications: list[VerificationOut]
    deadlines: list[DeadlineOut]


class FindingPage(Schema):
    items: list[FindingOut]
    next_after: int | None


class FindingFilter(Schema):
    status: str | None = Field(None, description="open, fix_reported or closed")
    unit_code: str | None = Field(None, max_length=40)
    overdue: bool = False
    after: int | None = Field(None, ge=0, description="the next_after of the previous page")


class FixIn(Schema):
    text: str = Field(..., min_length=1, max_length=4000)
    by: str | None = Field(None, max_length=150, description="the username reporting the fix")
    client_key: uuid.UUID | None = None


class VerifyIn(Schema):
    accepted: bool
    note: str = Field(..., min_length=1, max_length=4000)
    new_due_at: datetime | None = Field(None, description="required when not accepted")
    by: str | None = Field(None, max_length=150, description="the inspector's username")


def _findings(token: ApiToken) -> QuerySet[Nonconformity]:
    return Nonconformity.objects.filter(company=token.company).select_related("unit", "supplier")


def _finding(token: ApiToken, number: str) -> Nonconformity:
    found = _findings(token).filter(number=number).first()
    if found is None:
        raise NotFound(NO_FINDING)
    return found


def _out(nc: Nonconformity, moment: datetime) -> dict:
    return {
        "number": nc.number,
        "unit_code": nc.unit.code,
        "unit_name": nc.unit.name,
        "title": nc.title,
        "severity": nc.severity,
        "status": nc.status,
        "status_label": str(nc.get_status_display()),
        "source": nc.source,
        "supplier": nc.supplier.name if nc.supplier_id else None,
        "raised_at": nc.raised_at,
        "due_at": nc.due_at,
        "overdue": nc.status == Nonconformity.Status.OPEN and nc.due_at < moment,
        "reopened": nc.reopened,
    }


def _detail(nc: Nonconformity) -> dict:
    return {
        **_out(nc, now()),
        "description": nc.description,
        "warning_notice": nc.warning_notice,
        "fix_reports": [
            {
                "text": r.text,
                "reported_by": str(r.reported_by or ""),
                "reported_at": r.reported_at,
                "photos": len(r.attachment_ids),
            }
            for r in nc.fix_reports.select_related("reported_by")
        ],
        "verifications": [
            {
                "accepted": v.accepted,
                "note": v.note,
                "new_due_at": v.new_due_at,
                "verified_by": str(v.verified_by or ""),
                "verified_at": v.verified_at,
            }
            for v in nc.verifications.select_related("verified_by")
        ],
        "deadlines": [
            {"kind": d.kind, "due_at": d.due_at, "state": d.state}
            for d in deadlines_for(nc).order_by("due_at")
        ],
    }


def _person(token: ApiToken, nc: Nonconformity, username: str | None) -> Person:
    """The person the write is made for: the named one (of the company or its supplier),
    else the token's creator."""
    if not username:
        return token.created_by
    companies = Q(company=token.company)
    if nc.supplier_id:
        companies |= Q(company_id=nc.supplier_id)
    person = Person.objects.filter(companies, username=username, is_active=True).first()
    if person is None:
        raise InvalidInput(NO_PERSON, field="by")
    return person


@api.get(
    "/rectification/findings",
    response={200: FindingPage, **ERRORS},
    url_name="findings",
    summary="Nonconformities and their rectification state",
)
def finding_list(request, filters: Query[FindingFilter]):
    """NCR-1 … NCR-3: the company's nonconformities, earliest deadline first within a page
    of at most 100, by id; `overdue` keeps those open past their deadline."""
    token = _require(request, SCOPE_RECTIFICATION_READ)
    moment = now()
    rows = _findings(token).order_by("pk")
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.unit_code:
        rows = rows.filter(unit__code=filters.unit_code)
    if filters.overdue:
        rows = rows.filter(status=Nonconformity.Status.OPEN, due_at__lt=moment)
    if filters.after:
        rows = rows.filter(pk__gt=filters.after)
    page = list(rows[: PAGE_LIMIT + 1])
    more = len(page) > PAGE_LIMIT
    page = page[:PAGE_LIMIT]
    return {
        "items": [_out(nc, moment) for nc in page],
        "next_after": page[-1].pk if more and page else None,
    }


@api.get(
    "/rectification/findings/{number}",
    response={200: FindingDetail, **ERRORS},
    url_name="finding",
    summary="One nonconformity with its fix reports, verifications and time limits",
)
def finding_detail(request, number: str):
    token = _require(request, SCOPE_RECTIFICATION_READ)
    return _detail(_finding(token, number))


@api.post(
    "/rectification/findings/{number}/fix",
    response={200: FindingDetail, **ERRORS},
    url_name="finding_fix",
    summary="Report the fix of a nonconformity",
)
def finding_fix(request, number: str, payload: FixIn):
    """NCR-2: the unit or the supplier reports its fix; the same `client_key` again returns
    the stored report."""
    token = _require(request, SCOPE_RECTIFICATION_WRITE)
    nc = _finding(token, number)
    try:
        text = _clean_text(payload.text)
    except ValueError as error:
        raise InvalidInput(str(error), field="text") from None
    services.nonconformity_report_fix(
        nonconformity=nc,
        actor=_person(token, nc, payload.by),
        text=text,
        client_key=payload.client_key,
    )
    return _detail(_finding(token, number))


@api.post(
    "/rectification/findings/{number}/verify",
    response={200: FindingDetail, **ERRORS},
    url_name="finding_verify",
    summary="Verify a reported fix: accept it, or reopen with a new deadline",
)
def finding_verify(request, number: str, payload: VerifyIn):
    """NCR-2: the inspector's verdict, with the result and measures."""
    token = _require(request, SCOPE_RECTIFICATION_WRITE)
    nc = _finding(token, number)
    actor = _person(token, nc, payload.by)
    try:
        note = _clean_text(payload.note)
        new_due_at = _moment(payload.new_due_at)
    except ValueError as error:
        raise InvalidInput(str(error), field="note") from None
    if payload.accepted:
        services.nonconformity_accept(nonconformity=nc, actor=actor, note=note)
    else:
        services.nonconformity_reopen(
            nonconformity=nc, actor=actor, note=note, new_due_at=new_due_at
        )
    return _detail(_finding(token, number))
