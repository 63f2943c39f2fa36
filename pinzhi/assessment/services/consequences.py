"""Consequences of an assessment (ASM-8, ASM-10): proposed from a failed quarterly result
(retraining or reassignment, 000 公司服务监督管理制度 第十一条), a worst-service rating (a
dismissal proposal, ASM-7), an offence or by the quality department (rewards of departments
and teams, commendation of excellent inspectors, a step of the penalty scale), then decided by
the person the scale allows (`selectors.consequences`). A decided retraining assigns the
training (`training.services.assignment_create`) and is done once the person passes it.

Proposing is a service the other parts call without a person (the month end, a computed
quarter); the pages and the API check `may_propose` before they call it. Deciding always has
a person, and the service checks the scale itself."""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pinzhi.assessment.events import ConsequenceEvent
from pinzhi.assessment.models import (
    AssessmentResult,
    Consequence,
    ConsequenceKind,
    ConsequenceStatus,
    PointsEntry,
    Sanction,
    WorstServiceRating,
)
from pinzhi.assessment.selectors.consequences import (
    DECIDER_LABELS,
    PERSON_KINDS,
    UNIT_KINDS,
    decider_of,
    deciders_for,
    may_decide,
)
from pinzhi.assessment.services.ledger import pack_of
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.lib.months import day_of
from pinzhi.notify.services import notify
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.policy.selectors import rule_value_or_none
from pinzhi.timeline.services import event_record
from pinzhi.training.models import AssignmentReason, AssignmentStatus, Course, TrainingAssignment
from pinzhi.training.services import assignment_create

DEFAULT_RETRAINING_DUE = timedelta(days=30)

MSG_KIND = _("Choose what the consequence is.")
MSG_REASON = _("Say why the consequence is proposed.")
MSG_PERSON_NEEDED = _("Choose the person this consequence is for.")
MSG_UNIT_NEEDED = _("Choose the department or team this reward is for.")
MSG_WHO_NEEDED = _("Choose the person or the unit this commendation is for.")
MSG_SANCTION_NEEDED = _("Choose the step of the penalty scale.")
MSG_SANCTION_UNKNOWN = _("Choose a step of the penalty scale.")
MSG_AMOUNT = _("An amount cannot be negative.")
MSG_PERSON_OTHER = _("The person is not one of your company's people.")
MSG_UNIT_OTHER = _("The unit belongs to another company.")
MSG_SOURCE_OTHER = _("The record the consequence comes from belongs to another company.")
MSG_DECIDED = _("This consequence was already decided.")
MSG_MAY_NOT = _("Under the penalty scale, %(who)s decides this consequence: you may not decide it.")
MSG_DECISION = _("Write down the decision (what is decided and why).")
MSG_COURSE_OTHER = _("The course belongs to another company.")
MSG_DUE_PAST = _("The retraining cannot be due in the past.")

PROPOSED_TITLE = _("A consequence awaits your decision: %(kind)s — %(who)s")
DECIDED_TITLE = _("Decided: %(kind)s — %(decision)s")
REJECTED_TITLE = _("Not accepted: %(kind)s — %(decision)s")
RETRAINING_NOTE = _("Retraining decided after an assessment: %(reason)s")


class ConsequenceError(DomainError):
    """A refusal of the consequence services."""

    code = "consequence_refused"
    status = 422


def _who(consequence: Consequence) -> str:
    if consequence.person is not None:
        return consequence.person.full_name or consequence.person.username
    return consequence.unit.name if consequence.unit is not None else ""


def _company_id_of(source: PointsEntry | WorstServiceRating | AssessmentResult) -> int:
    if isinstance(source, AssessmentResult):
        return source.plan.company_id
    return source.company_id


def _check(
    *,
    company: Company,
    kind: str,
    reason: str,
    person: Person | None,
    unit: Unit | None,
    sanction: str,
    amount: Decimal | None,
    sources: list,
) -> None:
    errors: list[DomainError] = []
    if kind not in ConsequenceKind.values:
        errors.append(ConsequenceError(MSG_KIND, field="kind"))
    if not reason.strip():
        errors.append(ConsequenceError(MSG_REASON, field="reason"))
    if kind in PERSON_KINDS and person is None:
        errors.append(ConsequenceError(MSG_PERSON_NEEDED, field="person"))
    if kind in UNIT_KINDS and unit is None:
        errors.append(ConsequenceError(MSG_UNIT_NEEDED, field="unit"))
    if kind == ConsequenceKind.COMMENDATION and person is None and unit is None:
        errors.append(ConsequenceError(MSG_WHO_NEEDED, field="person"))
    if kind == ConsequenceKind.SANCTION and not sanction:
        errors.append(ConsequenceError(MSG_SANCTION_NEEDED, field="sanction"))
    if sanction and sanction not in Sanction.values:
        errors.append(ConsequenceError(MSG_SANCTION_UNKNOWN, field="sanction"))
    if amount is not None and amount < 0:
        errors.append(ConsequenceError(MSG_AMOUNT, field="amount"))
    if person is not None and person.company_id != company.pk:
        errors.append(ConsequenceError(MSG_PERSON_OTHER, field="person"))
    if unit is not None and unit.company_id != company.pk:
        errors.append(ConsequenceError(MSG_UNIT_OTHER, field="unit"))
    if any(source is not None and _company_id_of(source) != company.pk for source in sources):
        errors.append(ConsequenceError(MSG_SOURCE_OTHER))
    if errors:
        raise ConsequenceError.several(errors)


@transaction.atomic
def consequence_propose(
    *,
    company: Company,
    kind: str,
    reason: str,
    person: Person | None = None,
    unit: Unit | None = None,
    sanction: str = "",
    amount: Decimal | None = None,
    source_entry: PointsEntry | None = None,
    source_rating: WorstServiceRating | None = None,
    source_result: AssessmentResult | None = None,
    actor: Person | None = None,
) -> Consequence:
    """Propose a consequence for a person or a unit (ASM-8, ASM-10), to be decided by whom
    the penalty scale names (they are told). A proposal from a record (entry, rating,
    result) is made once: proposing the same kind from the same record again returns the
    first proposal, so a month end or a quarter computed twice proposes nothing twice."""
    _check(
        company=company,
        kind=kind,
        reason=reason,
        person=person,
        unit=unit,
        sanction=sanction,
        amount=amount,
        sources=[source_entry, source_rating, source_result],
    )
    for field, source in (
        ("source_entry", source_entry),
        ("source_rating", source_rating),
        ("source_result", source_result),
    ):
        if source is not None:
            earlier = Consequence.objects.filter(kind=kind, **{field: source}).first()
            if earlier is not None:
                return earlier
    if person is not None and unit is None and kind not in UNIT_KINDS:
        unit = person.unit
    consequence = Consequence.objects.create(
        company=company,
        kind=kind,
        sanction=sanction,
        person=person,
        unit=unit,
        amount=amount,
        reason=reason.strip(),
        source_entry=source_entry,
        source_rating=source_rating,
        source_result=source_result,
        created_by=actor,
        created_at=now(),
    )
    event_record(
        subject=consequence,
        action=ConsequenceEvent.PROPOSED,
        actor=actor,
        data={"kind": kind, "person_id": consequence.person_id, "unit_id": consequence.unit_id},
    )
    params = {"kind": consequence.get_kind_display(), "who": _who(consequence)}
    recipients = [p for p in deciders_for(consequence) if actor is None or p.pk != actor.pk]
    if recipients:
        notify(
            recipients=recipients,
            kind="consequence.proposed",
            title=str(PROPOSED_TITLE % params),
            body=consequence.reason,
            url=reverse("assessment:consequence", args=[consequence.pk]),
            subject=consequence,
        )
    return consequence


def retraining_due(company: Company) -> timedelta:
    value = rule_value_or_none("training.retraining_due", pack=pack_of(company), company=company)
    return value if isinstance(value, timedelta) else DEFAULT_RETRAINING_DUE


@transaction.atomic
def consequence_decide(
    *,
    consequence: Consequence,
    actor: Person,
    accept: bool,
    decision: str,
    course: Course | None = None,
    due_on: date | None = None,
) -> Consequence:
    """Decide a proposed consequence (ASM-10): only the person the penalty scale allows —
    a department manager criticism, a warning or a retraining for their people; the
    quality department also a fine, a pay cut, a major demerit or a reassignment;
    leadership everything, including suspension, dismissal, rewards and commendations.
    An accepted retraining (ASM-8) assigns the training (the course if given, due in the
    pack's `training.retraining_due` unless `due_on` says otherwise); a reassignment and the
    other kinds are recorded as decided (the organisation is not changed here)."""
    consequence = (
        Consequence.objects.select_for_update(of=("self",))
        .select_related("person", "unit", "company")
        .get(pk=consequence.pk)
    )
    if consequence.status != ConsequenceStatus.PROPOSED:
        raise ConsequenceError(MSG_DECIDED, status=409)
    if not may_decide(actor, consequence):
        level = decider_of(kind=consequence.kind, sanction=consequence.sanction)
        raise ConsequenceError(MSG_MAY_NOT, status=403, who=DECIDER_LABELS[level])
    if not decision.strip():
        raise ConsequenceError(MSG_DECISION, field="decision")
    company = consequence.company
    if course is not None and course.company_id != company.pk:
        raise ConsequenceError(MSG_COURSE_OTHER, field="course")
    if due_on is not None and due_on < day_of(now()):
        raise ConsequenceError(MSG_DUE_PAST, field="due_on")
    consequence.status = ConsequenceStatus.DECIDED if accept else ConsequenceStatus.REJECTED
    consequence.decision = decision.strip()
    consequence.decided_by = actor
    consequence.decided_at = now()
    consequence.save(update_fields=["status", "decision", "decided_by", "decided_at"])
    event_record(
        subject=consequence,
        action=ConsequenceEvent.DECIDED,
        actor=actor,
        reason=consequence.decision,
        data={"kind": consequence.kind, "accepted": accept},
    )
    if accept and consequence.kind == ConsequenceKind.RETRAINING and consequence.person:
        assignment = assignment_create(
            company=company,
            person=consequence.person,
            reason=AssignmentReason.RETRAINING,
            due_on=due_on or day_of(now()) + timedelta(days=retraining_due(company).days),
            course=course,
            note=str(RETRAINING_NOTE % {"reason": consequence.reason})[:2000],
            actor=actor,
        )
        consequence.training = assignment
        consequence.save(update_fields=["training"])
        if assignment.status == AssignmentStatus.COMPLETED:
            retraining_completed(assignment)
            consequence.refresh_from_db()
    if consequence.person is not None and consequence.person.pk != actor.pk:
        title = DECIDED_TITLE if accept else REJECTED_TITLE
        notify(
            recipients=[consequence.person],
            kind="consequence.decided",
            title=str(
                title % {"kind": consequence.get_kind_display(), "decision": consequence.decision}
            ),
            url=reverse("assessment:consequence", args=[consequence.pk]),
            subject=consequence,
        )
    return consequence


def retraining_completed(assignment: TrainingAssignment) -> None:
    """The training hook (ASM-8): a decided retraining whose assignment is completed is done.
    Runs inside the transaction completing the assignment."""
    for consequence in Consequence.objects.select_for_update().filter(
        training_id=assignment.pk, status=ConsequenceStatus.DECIDED
    ):
        consequence.status = ConsequenceStatus.DONE
        consequence.save(update_fields=["status"])
        event_record(subject=consequence, action=ConsequenceEvent.DONE)
