"""The monthly cycle (ASM-3, issue 11 item 3): a month's draft computed at month end from
the ledger → each department manager reviews their department → published to staff (公示)
with the pack's appeal window, in which an employee contests an entry with a reason → the
quality department or the person's line manager decides (upheld or partly upheld: a
correction entry through `entry_book`; rejected: the reason) → approved by the quality
department → closed and exported to payroll, which locks the month in the ledger.

Totals are derived, never counted: `month_compute` (re)writes one `MonthlyTotal` per person
= the pack's base points + the sum of the month's entries; it runs again after every
decision that changes the month, when the month is published and when it is closed."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from pinzhi.assessment.events import CycleEvent
from pinzhi.assessment.hooks import month_end_run
from pinzhi.assessment.models import (
    Appeal,
    AppealStatus,
    AssessmentMonth,
    EntryKind,
    MonthlyTotal,
    MonthReview,
    MonthStatus,
    PointsEntry,
)
from pinzhi.assessment.selectors import cycle as selectors
from pinzhi.assessment.services.ledger import entry_book, pack_of, rule_applied
from pinzhi.assessment.workflow_cycle import MONTH_WORKFLOW
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.lib.months import month_bounds, month_of, month_previous, month_text
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.policy.selectors import rule_value_or_none
from pinzhi.timeline.services import event_record

BASE_RULE = "assessment.monthly_base_points"
WINDOW_RULE = "assessment.appeal_window"
DEFAULT_WINDOW = timedelta(days=3)

MSG_NOT_COMPUTABLE = _(
    "The month %(month)s is already approved or closed; its totals are no longer computed."
)
MSG_NOT_REVIEWING = _("The month %(month)s is not under department review.")
MSG_NOT_YOUR_DEPARTMENT = _("Only the department manager of %(unit)s reviews its month.")
MSG_ALREADY_REVIEWED = _("%(unit)s has already been reviewed for %(month)s.")
MSG_NOT_OWN_ENTRY = _("You may only appeal your own entries.")
MSG_NOT_PUBLISHED = _(
    "The month %(month)s is not published to staff; appeals are possible only while a "
    "published month's appeal window is open."
)
MSG_WINDOW_CLOSED = _("The appeal window of %(month)s ended at %(until)s.")
MSG_ALREADY_APPEALED = _("This entry has already been appealed; each entry may be appealed once.")
MSG_CORRECTION_NOT_APPEALABLE = _("A correction cannot be appealed; appeal the original entry.")
MSG_REASON_REQUIRED = _("Say why you contest this entry.")
MSG_DECISION_REQUIRED = _("Give the reason for the decision.")
MSG_NOT_PENDING = _("This appeal has already been decided.")
MSG_MAY_NOT_DECIDE = _(
    "Only the quality department or the person's line manager decides this appeal, and never "
    "the person themselves."
)
MSG_PARTLY_POINTS = _("Give the points the entry should carry, between its points and zero.")
MSG_UNKNOWN_OUTCOME = _("Choose upheld, partly upheld or rejected.")
MSG_MONTH_CHANGED = _(
    "The month %(month)s is no longer published; the appeal cannot be decided here."
)

CORRECTION_UPHELD = "申诉成立（%(month)s）：%(decision)s"
CORRECTION_PARTLY = "申诉部分成立（%(month)s），该记录改为 %(points)s 分：%(decision)s"


class CycleError(DomainError):
    """A refusal of the monthly cycle."""

    code = "cycle_refused"
    status = 409


def _local(moment: datetime) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def month_get_or_create(company: Company, month: date) -> AssessmentMonth:
    """The company's assessment of `month` (its first day), made as a draft when missing."""
    assessment_month, _created = AssessmentMonth.objects.get_or_create(
        company=company, month=month.replace(day=1)
    )
    return assessment_month


def _base_points(company: Company, month: date) -> int:
    """The pack's base points in force in the month (at its last instant, or now)."""
    start, end = month_bounds(month)
    at = min(now(), end - timedelta(microseconds=1))
    applied = rule_applied(BASE_RULE, company=company, at=max(at, start))
    return int(applied.value) if applied is not None else 0


def _totals_write(assessment_month: AssessmentMonth, company: Company) -> tuple[int, int]:
    """Rewrite the month's totals from the ledger: one row per active person of the company
    and per person with an entry in the month. Returns (people, entries)."""
    month = assessment_month.month
    base = _base_points(company, month)
    sums = {
        row["person_id"]: row
        for row in PointsEntry.objects.filter(company=company, month=month)
        .values("person_id")
        .annotate(points=Sum("points"), amount=Sum("amount"), entries=Count("pk"))
        .order_by()
    }
    people = dict(
        Person.objects.filter(company=company, is_active=True).values_list("pk", "unit_id")
    )
    missing = [person_id for person_id in sums if person_id not in people]
    if missing:  # someone who left in the month keeps their row
        people.update(Person.objects.filter(pk__in=missing).values_list("pk", "unit_id"))
    rows = []
    entries = 0
    for person_id, unit_id in people.items():
        found = sums.get(person_id)
        points = int(found["points"] or 0) if found else 0
        amount = (found["amount"] or Decimal(0)) if found else Decimal(0)
        count = found["entries"] if found else 0
        entries += count
        rows.append(
            MonthlyTotal(
                assessment_month=assessment_month,
                person_id=person_id,
                unit_id=unit_id,
                base=base,
                points=points,
                score=base + points,
                amount=amount,
                entries=count,
            )
        )
    MonthlyTotal.objects.filter(assessment_month=assessment_month).delete()
    MonthlyTotal.objects.bulk_create(rows, batch_size=2000)
    return len(rows), entries


def month_compute(*, company: Company, month: date, actor: Person | None = None) -> AssessmentMonth:
    """ASM-3: compute (or compute again) `company`'s month: run the month-end steps the
    other parts registered (worst service …), then rewrite every person's total = the
    pack's base points + the sum of their entries of the month. Allowed while the month is
    a draft, under review or published; an approved or closed month is refused."""
    month = month.replace(day=1)
    with transaction.atomic():
        assessment_month = month_get_or_create(company, month)
        assessment_month = AssessmentMonth.objects.select_for_update().get(pk=assessment_month.pk)
        if assessment_month.status in (MonthStatus.APPROVED, MonthStatus.CLOSED):
            raise CycleError(MSG_NOT_COMPUTABLE, month=month_text(month))
        month_end_run(company=company, month=month, actor=actor)
        people, entries = _totals_write(assessment_month, company)
        assessment_month.computed_at = now()
        assessment_month.save(update_fields=["computed_at"])
        event_record(
            subject=assessment_month,
            action=CycleEvent.COMPUTED,
            actor=actor,
            data={"month": month_text(month), "people": people, "entries": entries},
        )
    return assessment_month


def _locked(assessment_month: AssessmentMonth) -> AssessmentMonth:
    return (
        AssessmentMonth.objects.select_for_update()
        .select_related("company")
        .get(pk=assessment_month.pk)
    )


@transaction.atomic
def month_send_review(*, assessment_month: AssessmentMonth, actor: Person) -> AssessmentMonth:
    """ASM-3: the quality department sends the draft to the department managers."""
    assessment_month = _locked(assessment_month)
    MONTH_WORKFLOW.check(assessment_month, "send_review", actor)
    assessment_month.status = MonthStatus.REVIEW
    assessment_month.save(update_fields=["status"])
    event_record(
        subject=assessment_month,
        action=CycleEvent.SENT_FOR_REVIEW,
        actor=actor,
        data={"month": month_text(assessment_month.month)},
    )
    return assessment_month


@transaction.atomic
def department_review(
    *, assessment_month: AssessmentMonth, unit: Unit, actor: Person, note: str = ""
) -> MonthReview:
    """ASM-3: a department manager reviews the month of their department's people (once)."""
    assessment_month = _locked(assessment_month)
    month = month_text(assessment_month.month)
    if assessment_month.status != MonthStatus.REVIEW:
        raise CycleError(MSG_NOT_REVIEWING, month=month)
    if unit not in selectors.departments_reviewable_by(actor, assessment_month):
        raise CycleError(MSG_NOT_YOUR_DEPARTMENT, unit=unit.name, status=403)
    if assessment_month.reviews.filter(unit=unit).exists():
        raise CycleError(MSG_ALREADY_REVIEWED, unit=unit.name, month=month)
    review = MonthReview.objects.create(
        assessment_month=assessment_month,
        unit=unit,
        reviewer=actor,
        reviewed_at=now(),
        note=note.strip(),
    )
    event_record(
        subject=assessment_month,
        action=CycleEvent.DEPARTMENT_REVIEWED,
        actor=actor,
        data={"month": month, "unit_id": unit.pk},
    )
    return review


def _appeal_window(company: Company) -> timedelta:
    # Read directly: `rule_applied` formats the value for an entry, and a duration is none.
    value = rule_value_or_none(WINDOW_RULE, pack=pack_of(company), company=company)
    if value is None:
        value = DEFAULT_WINDOW
    return value if isinstance(value, timedelta) else timedelta(days=int(value))


def month_publish(*, assessment_month: AssessmentMonth, actor: Person) -> AssessmentMonth:
    """ASM-3: once every department is reviewed, the quality department publishes the month
    to staff (公示), computed again from the ledger; the pack's appeal window opens."""
    with transaction.atomic():
        assessment_month = _locked(assessment_month)
        MONTH_WORKFLOW.check(assessment_month, "publish", actor)
        month_compute(company=assessment_month.company, month=assessment_month.month, actor=actor)
        moment = now()
        assessment_month.status = MonthStatus.PUBLISHED
        assessment_month.published_at = moment
        assessment_month.appeal_until = moment + _appeal_window(assessment_month.company)
        assessment_month.save(update_fields=["status", "published_at", "appeal_until"])
        event_record(
            subject=assessment_month,
            action=CycleEvent.PUBLISHED,
            actor=actor,
            data={
                "month": month_text(assessment_month.month),
                "appeal_until": assessment_month.appeal_until.isoformat(),
            },
        )
    return assessment_month


def appeal_file(*, entry: PointsEntry, actor: Person, reason: str) -> Appeal:
    """ASM-3: an employee contests one of their own entries of a published month, with a
    reason, inside the appeal window; one appeal per entry."""
    with transaction.atomic():
        assessment_month = AssessmentMonth.objects.filter(
            company_id=entry.company_id, month=entry.month
        ).first()
        month = month_text(entry.month)
        if entry.person_id != actor.pk:
            raise CycleError(MSG_NOT_OWN_ENTRY, status=403)
        if assessment_month is None or assessment_month.status != MonthStatus.PUBLISHED:
            raise CycleError(MSG_NOT_PUBLISHED, month=month)
        assessment_month = _locked(assessment_month)
        if assessment_month.appeal_until is None or now() >= assessment_month.appeal_until:
            until = _local(assessment_month.appeal_until) if assessment_month.appeal_until else ""
            raise CycleError(MSG_WINDOW_CLOSED, month=month, until=until)
        if entry.kind == EntryKind.CORRECTION:
            raise CycleError(MSG_CORRECTION_NOT_APPEALABLE)
        if Appeal.objects.filter(entry=entry).exists():
            raise CycleError(MSG_ALREADY_APPEALED)
        if not reason.strip():
            raise CycleError(MSG_REASON_REQUIRED, field="reason", status=422)
        appeal = Appeal.objects.create(
            entry=entry, person=actor, reason=reason.strip(), created_at=now()
        )
        event_record(
            subject=appeal,
            action=CycleEvent.APPEALED,
            actor=actor,
            company=entry.company_id,
            data={"month": month, "entry_id": entry.pk, "person_id": actor.pk},
        )
    return appeal


def _correction_moment(entry: PointsEntry) -> datetime:
    """A moment in the entry's own month, so the correction counts where the entry does."""
    if month_of(entry.occurred_at) == entry.month:
        return entry.occurred_at
    return month_bounds(entry.month)[0]


def appeal_decide(
    *,
    appeal: Appeal,
    actor: Person,
    outcome: str,
    decision: str,
    points: int | None = None,
) -> Appeal:
    """ASM-3: decide an appeal (the quality department or the person's line manager).
    Upheld: a correction entry cancels the entry's points and money; partly upheld: a
    correction brings the entry to `points` (between its points and zero; its money in
    proportion); rejected: the reason stands. The month is computed again."""
    with transaction.atomic():
        appeal = (
            Appeal.objects.select_for_update().select_related("entry", "person").get(pk=appeal.pk)
        )
        entry = appeal.entry
        assessment_month = AssessmentMonth.objects.get(
            company_id=entry.company_id, month=entry.month
        )
        assessment_month = _locked(assessment_month)
        month = month_text(entry.month)
        if appeal.status != AppealStatus.PENDING:
            raise CycleError(MSG_NOT_PENDING)
        if not selectors.may_decide(actor, appeal):
            raise CycleError(MSG_MAY_NOT_DECIDE, status=403)
        if assessment_month.status != MonthStatus.PUBLISHED:
            raise CycleError(MSG_MONTH_CHANGED, month=month)
        errors = []
        if outcome not in (AppealStatus.UPHELD, AppealStatus.PARTLY, AppealStatus.REJECTED):
            errors.append(CycleError(MSG_UNKNOWN_OUTCOME, field="outcome", status=422))
        if not decision.strip():
            errors.append(CycleError(MSG_DECISION_REQUIRED, field="decision", status=422))
        if outcome == AppealStatus.PARTLY and (
            points is None
            or points == entry.points
            or points == 0
            or not min(entry.points, 0) <= points <= max(entry.points, 0)
        ):
            errors.append(CycleError(MSG_PARTLY_POINTS, field="points", status=422))
        if errors:
            raise CycleError.several(errors) if len(errors) > 1 else errors[0]
        correction = None
        if outcome in (AppealStatus.UPHELD, AppealStatus.PARTLY):
            if outcome == AppealStatus.UPHELD:
                delta = -entry.points
                amount = -entry.amount if entry.amount is not None else None
                reason = CORRECTION_UPHELD % {"month": month, "decision": decision.strip()}
            else:
                assert points is not None
                delta = points - entry.points
                amount = None
                if entry.amount is not None and entry.points:
                    kept = entry.amount * Decimal(points) / Decimal(entry.points)
                    amount = (kept - entry.amount).quantize(Decimal("0.01"))
                reason = CORRECTION_PARTLY % {
                    "month": month,
                    "points": points,
                    "decision": decision.strip(),
                }
            correction = entry_book(
                company=assessment_month.company,
                person=appeal.person,
                kind=EntryKind.CORRECTION,
                occurred_at=_correction_moment(entry),
                points=delta,
                amount=amount,
                reason=reason,
                corrects=entry,
                entered_by=actor,
            )
        appeal.status = outcome
        appeal.decision = decision.strip()
        appeal.decided_by = actor
        appeal.decided_at = now()
        appeal.correction = correction
        appeal.save(update_fields=["status", "decision", "decided_by", "decided_at", "correction"])
        event_record(
            subject=appeal,
            action=CycleEvent.APPEAL_DECIDED,
            actor=actor,
            company=entry.company_id,
            data={
                "month": month,
                "entry_id": entry.pk,
                "outcome": outcome,
                "correction_id": correction.pk if correction else None,
            },
        )
        if correction is not None:
            month_compute(company=assessment_month.company, month=entry.month, actor=actor)
    return appeal


@transaction.atomic
def month_approve(*, assessment_month: AssessmentMonth, actor: Person) -> AssessmentMonth:
    """ASM-3: the quality department approves the published month once the appeal window
    is over and every appeal is decided."""
    assessment_month = _locked(assessment_month)
    MONTH_WORKFLOW.check(assessment_month, "approve", actor)
    assessment_month.status = MonthStatus.APPROVED
    assessment_month.approved_by, assessment_month.approved_at = actor, now()
    assessment_month.save(update_fields=["status", "approved_by", "approved_at"])
    event_record(
        subject=assessment_month,
        action=CycleEvent.APPROVED,
        actor=actor,
        data={"month": month_text(assessment_month.month)},
    )
    return assessment_month


@transaction.atomic
def month_close(*, assessment_month: AssessmentMonth, actor: Person) -> AssessmentMonth:
    """ASM-3: close the approved month and export it to payroll: its totals are computed a
    last time and frozen; from now on `entry_book` lands entries for it in the next open
    month (issue 11 item 1)."""
    assessment_month = _locked(assessment_month)
    MONTH_WORKFLOW.check(assessment_month, "close", actor)
    people, entries = _totals_write(assessment_month, assessment_month.company)
    assessment_month.status = MonthStatus.CLOSED
    assessment_month.closed_by, assessment_month.closed_at = actor, now()
    assessment_month.save(update_fields=["status", "closed_by", "closed_at"])
    event_record(
        subject=assessment_month,
        action=CycleEvent.CLOSED,
        actor=actor,
        data={"month": month_text(assessment_month.month), "people": people, "entries": entries},
    )
    return assessment_month


def months_compute_due() -> int:
    """The clock's daily job: compute, for every operator company whose pack has monthly
    assessment, the month just ended in Shanghai time when it is missing or still a draft
    (entries booked late in its last minutes are taken in). Returns how many months."""
    from pinzhi.orgs.models import Company as CompanyModel

    month = month_previous(month_of(now()))
    done = 0
    for company in CompanyModel.objects.filter(kind=CompanyModel.Kind.OPERATOR):
        if rule_applied(BASE_RULE, company=company) is None:
            continue
        existing = AssessmentMonth.objects.filter(company=company, month=month).first()
        if existing is not None and existing.status != MonthStatus.DRAFT:
            continue
        month_compute(company=company, month=month)
        done += 1
    return done
