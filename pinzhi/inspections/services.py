"""Conducting an inspection on a phone (INS-5, INS-6): the services behind the phone page, its
outbox and the API.

Every write the phone makes carries a key the phone made (`client_key`, a UUID): sending it
again returns the stored record and never makes a second one, so the outbox may resend
whatever it is not sure arrived. An answer sent again with a newer answering time replaces the
item's answer (the inspector changed their mind); an older one is ignored.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, cast

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.deadlines.services import deadline_meet
from pinzhi.inspections.conducting_flow import (
    DUE_KIND,
    INSPECTION_WORKFLOW,
    InspectionError,
    check_answering,
)
from pinzhi.inspections.events import InspectionEvent
from pinzhi.inspections.hooks import on_submitted_callbacks
from pinzhi.inspections.models import (
    Answer,
    ChecklistItem,
    Inspection,
    InspectionKind,
    Photo,
    Severity,
    Signature,
    TemplateVersion,
)
from pinzhi.inspections.scoring import ItemLike, inspection_score, shown
from pinzhi.lib.clock import now
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.orgs.selectors import units_visible_to
from pinzhi.timeline.services import attachment_add, event_record

NOT_PUBLISHED = _("Only a published checklist version can be used for an inspection.")
OTHER_COMPANY = _("The unit and the checklist must belong to the company of the inspection.")
OWN_UNIT = _(
    "%(name)s belongs to %(unit)s and may not inspect it (no conflict of interest, INS-6)."
)
NO_DECLARATION = _("Declare that you have no conflict of interest with this unit before you start.")
NO_CREDENTIALS = _("Show your inspection credentials to the unit before you start.")
NO_CONSENT = _("Enter who at the unit was shown the credentials and agreed to the inspection.")
KEY_ELSEWHERE = _("This key already belongs to another record; the phone must make a new one.")
UNKNOWN_ITEM = _("Item %(item)s is not on this inspection's checklist.")
BAD_RESULT = _("Item %(item)s: the result must be pass, fail or not applicable.")
NA_NOT_ALLOWED = _("Item %(item)s may not be marked not applicable.")
SCORE_NEEDED = _("Item %(item)s is scored: give a score from 0 to %(max)s.")
SEVERITY_NEEDED = _("Item %(item)s failed: choose how serious the problem is.")
BAD_SEVERITY = _("Item %(item)s: the severity must be serious, general or minor.")
NOT_SHOWN = _("Item %(item)s is a follow-up shown only when its parent item fails.")
ANSWER_NOT_YET = _(
    "The answer this belongs to has not arrived yet; it will be sent again automatically."
)
NOT_FAILED = _("Item %(item)s passed; only a failed item is confirmed by the unit.")
NO_SIGNER = _("Enter the name of the responsible person who signs.")
NOT_RESPONSIBLE = _(
    "Only a person responsible for %(unit)s confirms its nonconformities from their own account."
)
NO_SIGNATURE_FILE = _("The signature must be a PNG image drawn on the screen.")
UNANSWERED = _("These items are not answered yet: %(codes)s.")
PHOTO_MISSING = _("These failed items need a photo: %(codes)s.")
UNCONFIRMED = _("The responsible person has not confirmed these failed items yet: %(codes)s.")
# A phone's clock may run a little ahead of the server's.
_CLOCK_SLACK = timedelta(minutes=5)
FUTURE_TIME = _("The time given is in the future; check the phone's clock.")


def _check(inspection: Inspection, step: str, actor: Any) -> None:
    INSPECTION_WORKFLOW.check(inspection, step, actor, anyone=actor is None)


def _locked(inspection: Inspection) -> Inspection:
    return Inspection.objects.select_for_update().get(pk=inspection.pk)


def _own_unit_conflict(inspector: Person | None, unit: Unit) -> bool:
    """INS-6: an inspector never inspects the unit they belong to (or one above it)."""
    if inspector is None or inspector.unit_id is None:
        return False
    own = Unit.objects.filter(pk=inspector.unit_id).values_list("path", flat=True).first()
    return bool(own and unit.path and own.startswith(unit.path))


def _phone_time(value: datetime | None) -> datetime:
    """A time the phone gives (capture, answer): never later than the server's now."""
    moment = now()
    if value is None:
        return moment
    if value > moment + _CLOCK_SLACK:
        raise InspectionError(FUTURE_TIME, field="answered_at", status=422)
    return min(value, moment)


@transaction.atomic
def inspection_create(
    *,
    company: Company,
    unit: Unit,
    template_version: TemplateVersion,
    inspector: Person | None,
    actor: Person | None,
    kind: str = InspectionKind.SPECIAL,
    due_at: datetime | None = None,
    is_special: bool = True,
    is_announced: bool = True,
    is_surprise: bool = False,
    inspected_company: Company | None = None,
    supplier: Company | None = None,
    client_key: uuid.UUID | None = None,
) -> Inspection:
    """An ad-hoc inspection (special, unscheduled or a supervising body's check) of `unit`
    with a published checklist version (INS-2); never by an inspector of that unit (INS-6).
    Idempotent by `client_key`."""
    if client_key is not None:
        existing = Inspection.objects.filter(client_key=client_key).first()
        if existing is not None:
            if existing.company_id != company.pk:
                raise InspectionError(KEY_ELSEWHERE, field="client_key", status=422)
            return existing
    if template_version.status != TemplateVersion.Status.PUBLISHED:
        raise InspectionError(NOT_PUBLISHED, field="template_version", status=422)
    if unit.company_id != company.pk or template_version.template.company_id != company.pk:
        raise InspectionError(OTHER_COMPANY, field="unit", status=422)
    if _own_unit_conflict(inspector, unit):
        assert inspector is not None
        raise InspectionError(
            OWN_UNIT, field="inspector", status=422, name=inspector.full_name, unit=unit.name
        )
    inspection = Inspection.objects.create(
        company=company,
        unit=unit,
        template_version=template_version,
        inspector=inspector,
        kind=kind,
        due_at=due_at,
        is_special=is_special,
        is_announced=is_announced,
        is_surprise=is_surprise,
        inspected_company=inspected_company,
        supplier=supplier,
        client_key=client_key,
        created_by=actor,
    )
    event_record(subject=inspection, action=InspectionEvent.CREATED, actor=actor)
    return inspection


@transaction.atomic
def inspection_start(
    *,
    inspection: Inspection,
    actor: Person,
    declared_no_conflict: bool,
    credentials_shown: bool,
    consent_by: str,
) -> Inspection:
    """INS-5/INS-6: the inspector declares no conflict of interest, shows the credentials and
    records who at the unit consented; then the items can be answered. Starting an inspection
    that has already started changes nothing (the phone may send it twice)."""
    inspection = _locked(inspection)
    if inspection.status == Inspection.Status.IN_PROGRESS and inspection.inspector_id == actor.pk:
        return inspection
    _check(inspection, "start", actor)
    consent_by = (consent_by or "").strip()
    if not declared_no_conflict:
        raise InspectionError(NO_DECLARATION, field="declared_no_conflict", status=422)
    if _own_unit_conflict(actor, inspection.unit):
        raise InspectionError(
            OWN_UNIT,
            field="declared_no_conflict",
            status=422,
            name=actor.full_name,
            unit=inspection.unit.name,
        )
    if not credentials_shown:
        raise InspectionError(NO_CREDENTIALS, field="credentials_shown", status=422)
    if not consent_by:
        raise InspectionError(NO_CONSENT, field="consent_by", status=422)
    moment = now()
    inspection.inspector = actor
    inspection.declared_at = moment
    inspection.credentials_shown = True
    inspection.consent_by = consent_by[:60]
    inspection.consent_at = moment
    inspection.started_at = moment
    inspection.status = Inspection.Status.IN_PROGRESS
    inspection.save()
    event_record(
        subject=inspection,
        action=InspectionEvent.STARTED,
        actor=actor,
        data={"consent_by": inspection.consent_by},
    )
    return inspection


@dataclass(frozen=True)
class Received:
    """What an idempotent write returns: the record and whether this call made it."""

    record: Any
    created: bool


def _answer_values(
    item: ChecklistItem, *, result: str, score: int | None, severity: str
) -> tuple[str, int | None, str]:
    """The answer's result, score and severity as stored, or the refusal (INS-4, INS-5)."""
    code = item.code
    if result not in Answer.Result.values and not (
        item.scoring == ChecklistItem.Scoring.SCALE and result in ("", None)
    ):
        raise InspectionError(BAD_RESULT, field="result", status=422, item=code)
    if result == Answer.Result.NOT_APPLICABLE:
        if not item.allow_na:
            raise InspectionError(NA_NOT_ALLOWED, field="result", status=422, item=code)
        return result, None, ""
    if item.scoring == ChecklistItem.Scoring.SCALE:
        if score is None or score < 0 or score > item.max_score:
            raise InspectionError(
                SCORE_NEEDED, field="score", status=422, item=code, max=item.max_score
            )
        result = Answer.Result.PASS if score >= item.pass_score else Answer.Result.FAIL
    else:
        score = None
    if result == Answer.Result.FAIL:
        if not severity:
            raise InspectionError(SEVERITY_NEEDED, field="severity", status=422, item=code)
        if severity not in Severity.values:
            raise InspectionError(BAD_SEVERITY, field="severity", status=422, item=code)
    else:
        severity = ""
    return result, score, severity


def _item(inspection: Inspection, code: str) -> ChecklistItem:
    item = ChecklistItem.objects.filter(
        version_id=inspection.template_version_id, code=code
    ).first()
    if item is None:
        raise InspectionError(UNKNOWN_ITEM, field="item", status=422, item=code)
    return item


def _own_key(record: Any, inspection: Inspection, inspection_of: Any) -> None:
    if inspection_of(record) != inspection.pk:
        raise InspectionError(KEY_ELSEWHERE, field="client_key", status=422)


@transaction.atomic
def answer_record(
    *,
    inspection: Inspection,
    actor: Person,
    item_code: str,
    client_key: uuid.UUID,
    result: str,
    score: int | None = None,
    note: str = "",
    severity: str = "",
    answered_at: datetime | None = None,
) -> Received:
    """INS-5: record one item's answer. Idempotent by `client_key`: a resend returns the
    stored answer. A new key for an item already answered replaces that answer when it was
    given later on the phone (a changed answer), and is ignored when older."""
    existing = Answer.objects.filter(client_key=client_key).first()
    if existing is not None:
        _own_key(existing, inspection, lambda a: a.inspection_id)
        return Received(existing, False)
    inspection = _locked(inspection)
    check_answering(inspection, actor)
    item = _item(inspection, item_code)
    result, score, severity = _answer_values(item, result=result, score=score, severity=severity)
    answered_at = _phone_time(answered_at)
    current = Answer.objects.filter(inspection=inspection, item=item).first()
    values = {
        "result": result,
        "score": score,
        "note": (note or "").strip(),
        "severity": severity,
        "client_key": client_key,
        "answered_at": answered_at,
        "received_at": now(),
        "answered_by": actor,
    }
    if current is not None:
        if current.answered_at > answered_at:
            return Received(current, False)
        if current.result == Answer.Result.FAIL and result != Answer.Result.FAIL:
            # A failure withdrawn: its confirmation no longer stands.
            Signature.objects.filter(answer=current).delete()
            values.update(confirmed_by_name="", confirmed_by=None, confirmed_at=None)
        for name, value in values.items():
            setattr(current, name, value)
        current.save()
        return Received(current, True)
    try:
        with transaction.atomic():
            answer = Answer.objects.create(inspection=inspection, item=item, **values)
    except IntegrityError:  # the same key sent twice at once: the other request stored it
        return Received(Answer.objects.get(client_key=client_key), False)
    return Received(answer, True)


def _answer_of(inspection: Inspection, item_code: str) -> Answer:
    """The item's answer: a photo or signature names its item, not the answer's key, which
    changes when the answer is changed."""
    item = _item(inspection, item_code)
    answer = Answer.objects.filter(inspection=inspection, item=item).select_related("item").first()
    if answer is None:
        raise InspectionError(ANSWER_NOT_YET, field="answer", code="answer_not_yet", status=409)
    return answer


@transaction.atomic
def photo_add(
    *,
    inspection: Inspection,
    actor: Person,
    item_code: str,
    client_key: uuid.UUID,
    uploaded_file: UploadedFile,
    captured_at: datetime | None = None,
    annotated: bool = False,
) -> Received:
    """INS-5: a photo taken on the phone for an answer (compressed there, its capture time
    kept); stored as a timeline attachment of the inspection, whose SHA-256 the timeline
    records. Idempotent by `client_key`."""
    existing = Photo.objects.filter(client_key=client_key).select_related("answer").first()
    if existing is not None:
        _own_key(existing, inspection, lambda p: p.answer.inspection_id)
        return Received(existing, False)
    inspection = _locked(inspection)
    check_answering(inspection, actor)
    answer = _answer_of(inspection, item_code)
    captured_at = _phone_time(captured_at)
    attachment = attachment_add(subject=inspection, uploaded_file=uploaded_file, uploaded_by=actor)
    photo = Photo.objects.create(
        answer=answer,
        attachment=attachment,
        captured_at=captured_at,
        annotated=bool(annotated),
        client_key=client_key,
        taken_by=actor,
    )
    return Received(photo, True)


def _failed_answer(inspection: Inspection, item_code: str) -> Answer:
    answer = _answer_of(inspection, item_code)
    if answer.result != Answer.Result.FAIL:
        raise InspectionError(NOT_FAILED, field="answer", status=422, item=answer.item.code)
    return answer


def _confirmed(answer: Answer, *, actor: Person, name: str, signed: bool) -> None:
    event_record(
        subject=answer.inspection,
        action=InspectionEvent.CONFIRMED,
        actor=actor,
        data={"answer_id": answer.pk, "confirmed_by": name, "signed": signed},
    )


@transaction.atomic
def signature_add(
    *,
    inspection: Inspection,
    actor: Person,
    item_code: str,
    client_key: uuid.UUID,
    signed_by_name: str,
    uploaded_file: UploadedFile,
    signed_at: datetime | None = None,
) -> Received:
    """INS-5 (000 检验办法 4.1): the responsible person confirms a nonconformity by signing on
    the inspector's phone; the drawing is kept as a PNG attachment. Idempotent by
    `client_key`; a new signature replaces an earlier one."""
    existing = Signature.objects.filter(client_key=client_key).select_related("answer").first()
    if existing is not None:
        _own_key(existing, inspection, lambda s: s.answer.inspection_id)
        return Received(existing, False)
    inspection = _locked(inspection)
    check_answering(inspection, actor)
    answer = _failed_answer(inspection, item_code)
    name = (signed_by_name or "").strip()[:60]
    if not name:
        raise InspectionError(NO_SIGNER, field="signed_by_name", status=422)
    if not (uploaded_file.name or "").lower().endswith(".png"):
        raise InspectionError(NO_SIGNATURE_FILE, field="file", status=422)
    signed_at = _phone_time(signed_at)
    attachment = attachment_add(subject=inspection, uploaded_file=uploaded_file, uploaded_by=actor)
    Signature.objects.filter(answer=answer).delete()
    signature = Signature.objects.create(
        answer=answer,
        attachment=attachment,
        signed_by_name=name,
        signed_at=signed_at,
        client_key=client_key,
    )
    answer.confirmed_by_name, answer.confirmed_by, answer.confirmed_at = name, None, signed_at
    answer.save(update_fields=["confirmed_by_name", "confirmed_by", "confirmed_at"])
    _confirmed(answer, actor=actor, name=name, signed=True)
    return Received(signature, True)


def may_confirm_for(person: Person, inspection: Inspection) -> bool:
    """A person responsible for the inspected unit (in scope of it), other than the
    inspector, confirms its nonconformities from their own account."""
    if person.pk == inspection.inspector_id:
        return False
    return units_visible_to(person).filter(pk=inspection.unit_id).exists()


@transaction.atomic
def answer_confirm(*, answer: Answer, actor: Person) -> Answer:
    """INS-5: the responsible person confirms a nonconformity from their own account."""
    inspection = _locked(answer.inspection)
    check_answering(inspection, None)
    if not may_confirm_for(actor, inspection):
        raise InspectionError(NOT_RESPONSIBLE, status=403, unit=inspection.unit.name)
    answer = Answer.objects.select_for_update().get(pk=answer.pk)
    if answer.result != Answer.Result.FAIL:
        raise InspectionError(NOT_FAILED, field="answer", status=422, item=answer.item.code)
    if answer.confirmed_by_id == actor.pk:
        return answer
    answer.confirmed_by, answer.confirmed_by_name = actor, actor.full_name[:60]
    answer.confirmed_at = now()
    answer.save(update_fields=["confirmed_by_name", "confirmed_by", "confirmed_at"])
    _confirmed(answer, actor=actor, name=answer.confirmed_by_name, signed=False)
    return answer


@transaction.atomic
def inspection_notes_update(
    *,
    inspection: Inspection,
    actor: Person,
    observations: str,
    interviews: str,
    documents_reviewed: str,
) -> Inspection:
    """INS-5: what the inspector observed, the interviews (面谈调查) and the documents
    reviewed (资料审查). The phone sends the whole text each time; the last one stands."""
    inspection = _locked(inspection)
    check_answering(inspection, actor)
    inspection.observations = (observations or "").strip()
    inspection.interviews = (interviews or "").strip()
    inspection.documents_reviewed = (documents_reviewed or "").strip()
    inspection.save(
        update_fields=["observations", "interviews", "documents_reviewed", "updated_at"]
    )
    return inspection


def _codes(items: list[ChecklistItem]) -> str:
    return "、".join(item.code for item in items)


@transaction.atomic
def inspection_submit(*, inspection: Inspection, actor: Person) -> Inspection:
    """INS-5: submit a completed inspection. Every shown item answered, a photo for each
    failed item that requires one, and each nonconformity confirmed by the responsible
    person; the score is computed from the template (INS-4); `inspection.submitted` is
    recorded for rectification and the supplier evaluation; the "inspection.due" limit is
    met. Submitting again returns the submitted inspection unchanged."""
    inspection = _locked(inspection)
    if inspection.status in (Inspection.Status.SUBMITTED, Inspection.Status.REPORTED):
        if inspection.inspector_id == actor.pk or actor.is_superuser:
            return inspection
    _check(inspection, "submit", actor)
    version = inspection.template_version
    items = list(version.items.order_by("order"))
    by_pk = {item.pk: item for item in items}
    answers = {
        a.item_id: a
        for a in inspection.answers.prefetch_related("photos").select_related("signature")
    }
    score = inspection_score(
        cast(list[ItemLike], items), answers, pass_percent=version.template.pass_percent
    )
    if score.unanswered:
        raise InspectionError(
            UNANSWERED, status=422, codes=_codes([by_pk[pk] for pk in score.unanswered])
        )
    failed = [
        a
        for a in answers.values()
        if a.result == Answer.Result.FAIL and shown(cast(ItemLike, by_pk[a.item_id]), answers)
    ]
    no_photo = [by_pk[a.item_id] for a in failed if by_pk[a.item_id].photo_on_failure]
    no_photo = [item for item in no_photo if not answers[item.pk].photos.all()]
    if no_photo:
        raise InspectionError(PHOTO_MISSING, status=422, codes=_codes(no_photo))
    unconfirmed = [by_pk[a.item_id] for a in failed if a.confirmed_at is None]
    if unconfirmed:
        raise InspectionError(UNCONFIRMED, status=422, codes=_codes(unconfirmed))
    moment = now()
    inspection.score, inspection.max_score = score.score, score.max_score
    inspection.percent, inspection.failed_critical = score.percent, score.failed_critical
    inspection.passed = bool(score.passed)
    inspection.submitted_at = moment
    inspection.status = Inspection.Status.SUBMITTED
    inspection.save()
    event_record(
        subject=inspection,
        action=InspectionEvent.SUBMITTED,
        actor=actor,
        data={
            "unit_id": inspection.unit_id,
            "supplier_id": inspection.supplier_id,
            "cadence": version.template.cadence,
            "percent": None if score.percent is None else str(score.percent),
            "passed": inspection.passed,
            "failed_answer_ids": sorted(a.pk for a in failed),
        },
    )
    due = (
        deadlines_for(inspection)
        .filter(kind=DUE_KIND, state__in=(Deadline.State.OPEN, Deadline.State.BREACHED))
        .first()
    )
    if due is not None:
        deadline_meet(deadline=due, at=moment, actor=actor)
    # INS-5 / NCR-2: the apps above see the submission as soon as it commits.
    for callback in on_submitted_callbacks():
        transaction.on_commit(partial(callback, inspection.pk), robust=True)
    return inspection
