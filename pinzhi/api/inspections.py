"""Inspections through the API (INS-5, INS-7; issue 10 item 9): read the company's
inspections and their results, and submit a whole inspection — its start, answers, photos,
signatures and notes — in one request, as an inspection app on a phone or a tablet would.

The submission calls the same services as the phone page, with the same refusals. Every
answer, photo and signature carries the key the client made for it (`client_key`), and the
request itself takes an `Idempotency-Key`: sending the same inspection again returns the
stored one and never makes a second answer, photo or signature. The submission is made in the
name of the person the payload names (`inspector_id`), who must be allowed to conduct that
inspection exactly as on the page; without one, in the name of its assigned inspector."""

import base64
import binascii
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from ninja import Query, Schema
from pydantic import Field, field_validator

from pinzhi.api.api import ErrorOut, _clean_text, _moment, _require, api
from pinzhi.api.models import SCOPE_INSPECTIONS_READ, SCOPE_INSPECTIONS_WRITE, ApiToken
from pinzhi.api.problems import InvalidInput, NotFound
from pinzhi.inspections import services as inspection_services
from pinzhi.inspections.conducting_flow import may_conduct
from pinzhi.inspections.models import Answer, Inspection, Severity
from pinzhi.orgs.models import Person

if TYPE_CHECKING:
    type ResultIn = str
    type SeverityIn = str
    type StatusOut = str
else:
    ResultIn = Literal[("", *Answer.Result.values)]
    SeverityIn = Literal[("", *Severity.values)]
    StatusOut = Literal[tuple(Inspection.Status.values)]

NO_INSPECTION = _("No inspection of your company has this number.")
NO_INSPECTOR = _("No person of your company has this id.")
MAY_NOT_CONDUCT = _(
    "%(name)s may not conduct this inspection: only its assigned inspector (or, for a task "
    "without one, an inspector of the company) conducts it."
)
NO_CONDUCTOR = _(
    "This inspection has no assigned inspector: name the person who conducted it (inspector_id)."
)
BAD_CONTENT = _("The file content must be base64.")
PAGE_SIZE = 50
# A photo in JSON (base64) is bounded before it is decoded, by the attachment limit
# (PINZHI_ATTACHMENT_MAX_BYTES); the attachment rules then apply to the decoded file.
MAX_FILE_BYTES = settings.PINZHI_ATTACHMENT_MAX_BYTES

READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
WRITE_ERRORS = {**READ_ERRORS, 409: ErrorOut, 413: ErrorOut}


# --- reading ------------------------------------------------------------------------------------


class PhotoOut(Schema):
    captured_at: datetime
    annotated: bool
    sha256: str = Field(description="The stored file's SHA-256 (also on the timeline).")


class AnswerOut(Schema):
    item: str = Field(description="The checklist item's code.")
    text: str
    result: str
    score: int | None
    severity: str
    note: str
    answered_at: datetime
    confirmed_by: str = Field(description="The responsible person who confirmed a failure.")
    confirmed_at: datetime | None
    photos: list[PhotoOut]


class InspectionOut(Schema):
    id: int
    unit: str
    unit_code: str
    checklist: str
    checklist_version: int
    status: StatusOut
    due_at: datetime | None
    started_at: datetime | None
    submitted_at: datetime | None
    inspector: str
    score: str | None = Field(description="Points earned (a decimal as text).")
    max_score: str | None
    percent: str | None
    passed: bool | None
    failed_critical: bool


class InspectionDetail(InspectionOut):
    answers: list[AnswerOut]
    observations: str
    interviews: str
    documents_reviewed: str


def _company_inspections(token: ApiToken) -> QuerySet[Inspection]:
    return Inspection.objects.filter(company_id=token.company_id).select_related(
        "unit", "template_version__template", "inspector"
    )


def _inspection_of(token: ApiToken, pk: int) -> Inspection:
    found = _company_inspections(token).filter(pk=pk).first()
    if found is None:
        raise NotFound(NO_INSPECTION)
    return found


def _text(value) -> str | None:
    return None if value is None else str(value)


def _inspection_out(inspection: Inspection) -> dict:
    return {
        "id": inspection.pk,
        "unit": inspection.unit.name,
        "unit_code": inspection.unit.code,
        "checklist": inspection.template_version.template.name,
        "checklist_version": inspection.template_version.number,
        "status": inspection.status,
        "due_at": inspection.due_at,
        "started_at": inspection.started_at,
        "submitted_at": inspection.submitted_at,
        "inspector": inspection.inspector.full_name if inspection.inspector else "",
        "score": _text(inspection.score),
        "max_score": _text(inspection.max_score),
        "percent": _text(inspection.percent),
        "passed": inspection.passed,
        "failed_critical": inspection.failed_critical,
    }


def _detail_out(inspection: Inspection) -> dict:
    answers = inspection.answers.select_related("item").prefetch_related("photos__attachment")
    return {
        **_inspection_out(inspection),
        "observations": inspection.observations,
        "interviews": inspection.interviews,
        "documents_reviewed": inspection.documents_reviewed,
        "answers": [
            {
                "item": a.item.code,
                "text": a.item.text,
                "result": a.result,
                "score": a.score,
                "severity": a.severity,
                "note": a.note,
                "answered_at": a.answered_at,
                "confirmed_by": a.confirmed_by_name,
                "confirmed_at": a.confirmed_at,
                "photos": [
                    {
                        "captured_at": p.captured_at,
                        "annotated": p.annotated,
                        "sha256": p.attachment.sha256,
                    }
                    for p in a.photos.all()
                ],
            }
            for a in answers
        ],
    }


class InspectionFilter(Schema):
    status: StatusOut | None = Field(None, description="Only inspections in this status.")
    unit_code: str | None = Field(None, max_length=40, description="Only this unit's.")
    page: int = Field(1, ge=1, le=100000)


class InspectionPage(Schema):
    page: int
    next_page: int | None
    items: list[InspectionOut]


@api.get(
    "/inspections",
    response={200: InspectionPage, **READ_ERRORS},
    url_name="inspections_list",
    summary="The company's inspections, latest due first",
)
def inspection_list(request, filters: Query[InspectionFilter]):
    """INS-5: the token's company's inspections (inspections:read), 50 a page, with their
    status and score."""
    token = _require(request, SCOPE_INSPECTIONS_READ)
    rows = _company_inspections(token).order_by("-due_at", "-pk")
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.unit_code:
        rows = rows.filter(unit__code=filters.unit_code.strip())
    start = (filters.page - 1) * PAGE_SIZE
    found = list(rows[start : start + PAGE_SIZE + 1])
    return {
        "page": filters.page,
        "next_page": filters.page + 1 if len(found) > PAGE_SIZE else None,
        "items": [_inspection_out(i) for i in found[:PAGE_SIZE]],
    }


@api.get(
    "/inspections/{inspection_id}",
    response={200: InspectionDetail, **READ_ERRORS},
    url_name="inspection",
    summary="One inspection with its answers",
)
def inspection_detail(request, inspection_id: int):
    """INS-5: one inspection of the company with its answers, photos (their SHA-256) and
    confirmations."""
    token: ApiToken = request.auth
    inspection = _inspection_of(token, inspection_id)
    _require(request, SCOPE_INSPECTIONS_READ)
    return _detail_out(inspection)


# --- submitting a whole inspection ---------------------------------------------------------


def _past(value: datetime | None) -> datetime | None:
    return _moment(value)


class AnswerIn(Schema):
    client_key: uuid.UUID = Field(description="The client's key for this answer.")
    item: str = Field(..., min_length=1, max_length=40, description="The item's code.")
    result: ResultIn = Field("", description="pass, fail or na; empty for a scored item.")
    score: int | None = Field(None, ge=0, le=1000, description="For a 0…N item.")
    severity: SeverityIn = Field("", description="For a failed item: serious/general/minor.")
    note: str = Field("", max_length=2000)
    answered_at: datetime | None = None

    @field_validator("answered_at")
    @classmethod
    def _at(cls, value: datetime | None) -> datetime | None:
        return _past(value)


class FileIn(Schema):
    client_key: uuid.UUID
    item: str = Field(..., min_length=1, max_length=40)
    filename: str = Field(..., min_length=1, max_length=120, examples=["photo.jpg"])
    content_base64: str = Field(..., min_length=1, max_length=MAX_FILE_BYTES * 4 // 3 + 8)


class PhotoIn(FileIn):
    captured_at: datetime | None = None
    annotated: bool = False

    @field_validator("captured_at")
    @classmethod
    def _at(cls, value: datetime | None) -> datetime | None:
        return _past(value)


class SignatureIn(FileIn):
    signed_by_name: str = Field(..., min_length=1, max_length=60)
    signed_at: datetime | None = None

    @field_validator("signed_at")
    @classmethod
    def _at(cls, value: datetime | None) -> datetime | None:
        return _past(value)


class SubmissionIn(Schema):
    inspector_id: int | None = Field(
        None, description="The person who conducted it; default its assigned inspector."
    )
    declared_no_conflict: bool = Field(
        False, description="INS-6: the inspector declared no conflict of interest."
    )
    credentials_shown: bool = False
    consent_by: str = Field("", max_length=60, description="Who at the unit consented.")
    answers: list[AnswerIn] = Field(default_factory=list, max_length=500)
    photos: list[PhotoIn] = Field(default_factory=list, max_length=100)
    signatures: list[SignatureIn] = Field(default_factory=list, max_length=100)
    observations: str = Field("", max_length=5000)
    interviews: str = Field("", max_length=5000)
    documents_reviewed: str = Field("", max_length=5000)

    @field_validator("consent_by", "observations", "interviews", "documents_reviewed")
    @classmethod
    def _clean(cls, value: str) -> str:
        return _clean_text(value)


def _conductor(token: ApiToken, inspection: Inspection, inspector_id: int | None) -> Person:
    if inspector_id is not None:
        person = Person.objects.filter(
            pk=inspector_id, company_id=token.company_id, is_active=True
        ).first()
        if person is None:
            raise InvalidInput(NO_INSPECTOR, field="inspector_id")
    elif inspection.inspector is not None:
        person = inspection.inspector
    else:
        raise InvalidInput(NO_CONDUCTOR, field="inspector_id")
    if not may_conduct(person, inspection):
        raise InvalidInput(MAY_NOT_CONDUCT, field="inspector_id", name=person.full_name)
    return person


def _file(entry: FileIn, index: int, kind: str) -> SimpleUploadedFile:
    try:
        content = base64.b64decode(entry.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(BAD_CONTENT, field=f"{kind}.{index}.content_base64") from None
    return SimpleUploadedFile(entry.filename, content)


@api.post(
    "/inspections/{inspection_id}/submission",
    response={200: InspectionDetail, **WRITE_ERRORS},
    url_name="inspection_submission",
    summary="Submit a whole inspection with its answers, photos and signatures",
)
def inspection_submission(request, inspection_id: int, payload: SubmissionIn):
    """INS-5, INS-6: start (declaration, credentials, consent), answer, attach photos and the
    responsible person's signatures, write the notes and submit — all or nothing. The score is
    computed from the template; `inspection.submitted` is recorded. Sending it again returns
    the submitted inspection: each `client_key` is stored once."""
    token: ApiToken = request.auth
    inspection = _inspection_of(token, inspection_id)
    _require(request, SCOPE_INSPECTIONS_WRITE)
    actor = _conductor(token, inspection, payload.inspector_id)
    done = (Inspection.Status.SUBMITTED, Inspection.Status.REPORTED)
    with transaction.atomic():
        if inspection.status == Inspection.Status.PLANNED:
            inspection = inspection_services.inspection_start(
                inspection=inspection,
                actor=actor,
                declared_no_conflict=payload.declared_no_conflict,
                credentials_shown=payload.credentials_shown,
                consent_by=payload.consent_by,
            )
        for answer in payload.answers:
            inspection_services.answer_record(
                inspection=inspection,
                actor=actor,
                item_code=answer.item,
                client_key=answer.client_key,
                result=answer.result,
                score=answer.score,
                note=answer.note,
                severity=answer.severity,
                answered_at=answer.answered_at,
            )
        for index, photo in enumerate(payload.photos):
            inspection_services.photo_add(
                inspection=inspection,
                actor=actor,
                item_code=photo.item,
                client_key=photo.client_key,
                uploaded_file=_file(photo, index, "photos"),
                captured_at=photo.captured_at,
                annotated=photo.annotated,
            )
        for index, signature in enumerate(payload.signatures):
            inspection_services.signature_add(
                inspection=inspection,
                actor=actor,
                item_code=signature.item,
                client_key=signature.client_key,
                signed_by_name=signature.signed_by_name,
                uploaded_file=_file(signature, index, "signatures"),
                signed_at=signature.signed_at,
            )
        inspection.refresh_from_db()
        if inspection.status not in done:
            inspection_services.inspection_notes_update(
                inspection=inspection,
                actor=actor,
                observations=payload.observations,
                interviews=payload.interviews,
                documents_reviewed=payload.documents_reviewed,
            )
        inspection = inspection_services.inspection_submit(inspection=inspection, actor=actor)
    return _detail_out(_inspection_of(token, inspection.pk))
