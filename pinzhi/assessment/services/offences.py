"""A manager's entries in the ledger (issue 11 item 2; ASM-3, ASM-5): a category A or B
offence at a value inside the rule's range with a reason (and, optionally, the measure the
clause allows), a daily assessment record, and the correction of an entry — always a new
entry citing the one it corrects. The quality department enters for the whole company; a
department manager or supervisor for the people of their scope; nobody for themselves."""

import importlib
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from pinzhi.assessment.events import LedgerEvent
from pinzhi.assessment.models import EntryKind, PointsEntry, Sanction
from pinzhi.assessment.selectors.access import MANAGE_ROLES, is_line_manager_of
from pinzhi.assessment.services.derive import OFFENCE_RULES
from pinzhi.assessment.services.ledger import Applied, entry_book, rule_applied
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.lib.months import day_of, local_start, month_text
from pinzhi.orgs.models import Company, Person
from pinzhi.policy.values import Range
from pinzhi.timeline.services import event_record


class LedgerError(DomainError):
    """An entry the ledger refuses, with the reason for the manager who tried it."""

    code = "assessment_entry_refused"
    status = 422


NOT_YOURS = _("You may record entries only for the people you manage.")
NOT_YOURSELF = _("Nobody records entries in their own assessment.")
REASON_REQUIRED = _("Give the reason for this entry.")
NO_RULE = _("The company's regulations have no rule for this entry.")
OUT_OF_RANGE = _("The points must be between %(low)s and %(high)s, as %(clause)s says.")
FUTURE_DAY = _("The day cannot be in the future.")
SANCTION_REFUSED = _("A category %(category)s offence cannot carry this measure.")
NOTICE_REFUSED = _("Only a category A offence is notified company-wide.")
CORRECTION_OF_CORRECTION = _("Correct the original entry, not a correction.")
NOTHING_CHANGES = _("The corrected value is the entry's value already.")
CORRECTION_OUT_OF_RANGE = _(
    "The corrected points must be 0 (cancelled) or between %(low)s and %(high)s, "
    "as %(clause)s says."
)
AMOUNT_REFUSED = _("This entry has no amount to correct.")

CATEGORIES = {"a": EntryKind.OFFENCE_A, "b": EntryKind.OFFENCE_B}
# 004 第4篇 九: category A "或同时记大过并通报全公司"; category B "或同时警告，情节严重的辞退".
SANCTIONS = {
    EntryKind.OFFENCE_A: {"", Sanction.MAJOR_DEMERIT},
    EntryKind.OFFENCE_B: {"", Sanction.WARNING, Sanction.DISMISSAL},
}
DAILY_RULE = "assessment.daily_record_points"
# Beyond any rule: the largest correction a form accepts (a typing error, not a rule).
POINTS_LIMIT = 1000


def may_enter_for(user: Person, person: Person) -> bool:
    """Whether `user` may record offences, daily records and corrections for `person`."""
    if not user.is_authenticated or user.pk == person.pk:
        return False
    if user.company_id != person.company_id:
        return bool(user.is_superuser)
    return bool(user.role_codes & MANAGE_ROLES) or is_line_manager_of(user, person)


def _check(user: Person, person: Person, reason: str) -> tuple[str, Company]:
    if user.pk == person.pk:
        raise LedgerError(NOT_YOURSELF, status=403)
    if not may_enter_for(user, person) or person.company is None:
        raise LedgerError(NOT_YOURS, status=403)
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError(REASON_REQUIRED, field="reason")
    return reason, person.company


def _moment(day: date | None) -> datetime:
    """When an entry for `day` happened: now for today (or no day), noon of a past day."""
    if day is None or day == day_of(now()):
        return now()
    if day > day_of(now()):
        raise LedgerError(FUTURE_DAY, field="day")
    return local_start(day) + timedelta(hours=12)


def _in_range(points: int, applied: Applied, *, field: str = "points") -> None:
    value = applied.value
    if isinstance(value, Range) and points not in value:
        raise LedgerError(
            OUT_OF_RANGE, field=field, low=value.min, high=value.max, clause=applied.citation
        )


def _entered(entry: PointsEntry, actor: Person, reason: str) -> None:
    event_record(
        subject=entry,
        action=LedgerEvent.ENTERED,
        actor=actor,
        reason=reason,
        data={
            "person_id": entry.person_id,
            "kind": str(entry.kind),
            "points": entry.points,
            "month": month_text(entry.month),
        },
    )


def _propose_dismissal(entry: PointsEntry, actor: Person) -> None:
    """A category B offence "情节严重" proposes a dismissal that a person must decide (part D:
    `services.consequences.consequence_propose`; absent until that part is merged)."""
    try:
        module = importlib.import_module("pinzhi.assessment.services.consequences")
    except ImportError:
        return
    module.consequence_propose(
        company=entry.company,
        kind="dismissal_proposal",
        reason=entry.reason,
        person=entry.person,
        sanction=Sanction.DISMISSAL,
        source_entry=entry,
        actor=actor,
    )


@transaction.atomic
def offence_record(
    *,
    person: Person,
    category: str,
    points: int,
    reason: str,
    actor: Person,
    day: date | None = None,
    sanction: str = "",
    notice: bool = False,
) -> PointsEntry:
    """ASM-5, 004 第4篇 九: a category A (−5 … −15) or B (−15 … −30) offence at `points`
    inside the rule's range, with a reason; A may add a major demerit and a company-wide
    notice, B a warning or a dismissal proposal (which goes to the consequences)."""
    reason, company = _check(actor, person, reason)
    kind = CATEGORIES.get(str(category).lower())
    if kind is None:
        raise LedgerError(NO_RULE, field="category")
    occurred_at = _moment(day)
    applied = rule_applied(OFFENCE_RULES[kind], company=company, at=occurred_at)
    if applied is None:
        raise LedgerError(NO_RULE, field="category")
    _in_range(points, applied)
    if sanction not in SANCTIONS[kind]:
        raise LedgerError(SANCTION_REFUSED, field="sanction", category=str(category).upper())
    if notice and kind != EntryKind.OFFENCE_A:
        raise LedgerError(NOTICE_REFUSED, field="notice")
    entry = entry_book(
        company=company,
        person=person,
        kind=kind,
        occurred_at=occurred_at,
        points=points,
        applied=applied,
        reason=reason,
        sanction=sanction,
        notice=notice,
        entered_by=actor,
    )
    _entered(entry, actor, reason)
    if sanction == Sanction.DISMISSAL:
        _propose_dismissal(entry, actor)
    return entry


@transaction.atomic
def daily_record(
    *, person: Person, points: int, reason: str, actor: Person, day: date | None = None
) -> PointsEntry:
    """ASM-3 (003 制度2 第4条): a manager's daily assessment record, points inside the pack's
    range (a deduction or an addition), with the reason; it counts in its day's month."""
    reason, company = _check(actor, person, reason)
    occurred_at = _moment(day)
    applied = rule_applied(DAILY_RULE, company=company, at=occurred_at)
    if applied is None:
        raise LedgerError(NO_RULE, field="points")
    _in_range(points, applied)
    entry = entry_book(
        company=company,
        person=person,
        kind=EntryKind.DAILY_RECORD,
        occurred_at=occurred_at,
        points=points,
        applied=applied,
        reason=reason,
        entered_by=actor,
    )
    _entered(entry, actor, reason)
    return entry


def entry_value(entry: PointsEntry) -> tuple[int, Decimal | None]:
    """What an entry counts now: its points (and amount) with its corrections'."""
    points, amount = entry.points, entry.amount
    for correction in entry.corrections.all():
        points += correction.points
        if correction.amount is not None:
            amount = (amount or Decimal(0)) + correction.amount
    return points, amount


def awaiting_value(entry: PointsEntry) -> bool:
    """An offence booked from the complaints app at the range's mildest value that no
    manager has set yet (CMP-9)."""
    return (
        entry.kind in OFFENCE_RULES
        and entry.event_id is not None
        and entry.corrects_id is None
        and not entry.corrections.exists()
    )


@transaction.atomic
def entry_correct(
    *,
    entry: PointsEntry,
    points: int,
    reason: str,
    actor: Person,
    amount: Decimal | None = None,
) -> PointsEntry:
    """Put an entry right: `points` (and `amount`) are what it should count; the difference
    is booked as a new CORRECTION entry citing it, in the entry's month — or, once that month
    is exported to payroll, in the next open month. An offence's value stays in its range
    (or 0, cancelled); an offence awaiting its value may be confirmed as booked."""
    entry = PointsEntry.objects.select_related("person", "company").get(pk=entry.pk)
    reason, _company = _check(actor, entry.person, reason)
    if entry.kind == EntryKind.CORRECTION:
        raise LedgerError(CORRECTION_OF_CORRECTION)
    if abs(points) > POINTS_LIMIT:
        raise LedgerError(
            OUT_OF_RANGE, field="points", low=-POINTS_LIMIT, high=POINTS_LIMIT, clause="—"
        )
    if entry.rule_key in (*OFFENCE_RULES.values(), DAILY_RULE) and points != 0:
        applied = rule_applied(entry.rule_key, company=entry.company, at=entry.occurred_at)
        if applied is not None and isinstance(applied.value, Range):
            if points not in applied.value:
                raise LedgerError(
                    CORRECTION_OUT_OF_RANGE,
                    field="points",
                    low=applied.value.min,
                    high=applied.value.max,
                    clause=applied.citation,
                )
    current_points, current_amount = entry_value(entry)
    if amount is not None and entry.amount is None:
        raise LedgerError(AMOUNT_REFUSED, field="amount")
    delta_amount = None if amount is None else amount - (current_amount or Decimal(0))
    delta = points - current_points
    if delta == 0 and not delta_amount and not awaiting_value(entry):
        raise LedgerError(NOTHING_CHANGES, field="points")
    correction = entry_book(
        company=entry.company,
        person=entry.person,
        kind=EntryKind.CORRECTION,
        occurred_at=entry.occurred_at,
        points=delta,
        amount=delta_amount or None,
        applied=Applied(
            key=entry.rule_key, value=None, text=entry.rule_value, citation=entry.citation
        ),
        reason=reason,
        corrects=entry,
        entered_by=actor,
    )
    _entered(correction, actor, reason)
    return correction
