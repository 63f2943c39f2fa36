"""Service stars and worst service (ASM-6, ASM-7, 004 第5篇 二.3~二.4), booked on the ledger.

A unit names one service star a month, or records that it names none (没有按空额对待). The
streak counts the months in a row the same person was the same unit's star: a vacancy, a
month not named or another person breaks it. The reward is streak × the pack's amount
(`rules.star_reward`): January, February and April → 500, 1,000, 500 yuan. Withdrawing a
naming before the month is closed books a correction of its reward.

The month-end computation (`hooks.month_end_run`) rates worst service everyone with the
pack's number of verified complaints in the month (their complaint entries, one per
complaint, not those an upheld appeal cancelled): a rating, the pack's fine on the ledger,
the n-th rating in total; from the pack's number of ratings a dismissal proposal that a
person decides (never automatic). A recomputation after an upheld appeal withdraws a
rating the month no longer supports."""

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils.translation import gettext_lazy as _

from pinzhi.assessment import rules
from pinzhi.assessment.events import BoardEvent
from pinzhi.assessment.models import (
    Consequence,
    ConsequenceKind,
    EntryKind,
    PointsEntry,
    Sanction,
    ServiceStar,
    WorstServiceRating,
)
from pinzhi.assessment.selectors.board import (
    STAR_UNIT_KINDS,
    may_name_star,
    month_last_instant,
)
from pinzhi.assessment.services.ledger import (
    entries_book,
    entry_book,
    entry_build,
    month_locked,
    open_month,
    rule_applied,
)
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.lib.months import month_of, month_previous, month_text
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.timeline.services import event_record, events_record


class BoardError(DomainError):
    """A refusal of the stars and worst-service services."""

    code = "board_refused"
    status = 422


MSG_NOT_ALLOWED = _(
    "Only the quality department or the department manager of %(unit)s may name its service star."
)
MSG_NOT_STAR_UNIT = _("%(unit)s does not name service stars.")
MSG_MONTH_FUTURE = _(
    "%(month)s has not begun yet: a service star is named for a month under way or past."
)
MSG_MONTH_CLOSED = _(
    "%(month)s is closed and exported to payroll: its service stars can no longer change."
)
MSG_ALREADY_NAMED = _(
    "%(unit)s has already named its service star of %(month)s; withdraw that naming first."
)
MSG_LATER_NAMED = _(
    "%(unit)s has already named its service star of a later month (%(later)s): withdraw the "
    "later naming first, since its streak counts this month."
)
MSG_PERSON_UNIT = _("%(person)s does not work at %(unit)s.")
MSG_PERSON_INACTIVE = _("%(person)s has left the company.")
MSG_REASON = _("Give the reason for withdrawing the naming.")
MSG_STAR_REASON_LONG = _("Keep the reason under 2,000 characters.")

REASON_STAR = _("Service star of %(unit)s in %(month)s, %(streak)s consecutive month(s)")
REASON_WITHDRAWN = _("Service star naming withdrawn: %(reason)s")
REASON_WORST = _("Rated worst service for %(month)s: %(complaints)s verified complaints")
REASON_WORST_WITHDRAWN = _(
    "Worst-service rating of %(month)s withdrawn: %(complaints)s verified complaint(s) remain"
)
REASON_DISMISSAL = _(
    "Rated worst service %(ordinal)s times in total (the latest for %(month)s): the regulation "
    "provides for dismissal; decide whether to dismiss."
)

# The kinds of entry that stand for one verified complaint about the person (whichever the
# ledger books for it: the n-th complaint, or an attitude / quarrel complaint).
COMPLAINT_KINDS = (EntryKind.COMPLAINT, EntryKind.ATTITUDE, EntryKind.QUARREL)


def _moment_in(month: date) -> datetime:
    """When a naming made now counts: now in a month under way, else the month's last
    instant (a star named on 2 April for March is March's)."""
    moment = now()
    return moment if month_of(moment) == month else month_last_instant(month)


@transaction.atomic
def star_name(
    *,
    company: Company,
    unit: Unit,
    month: date,
    person: Person | None,
    actor: Person,
    reason: str = "",
) -> ServiceStar:
    """ASM-6 (004 第5篇 二.3): `unit` names `person` its service star of `month`, or, with
    `person` None, records that it names none (a vacancy, which breaks a streak). The
    reward entry is streak × the pack's reward; nothing is booked when the company's
    regulations have no star reward. Months are named in order, one naming per unit."""
    params: dict[str, Any] = {"unit": unit.name, "month": month_text(month)}
    if unit.company_id != company.pk or unit.kind not in STAR_UNIT_KINDS or unit.parent_id is None:
        raise BoardError(MSG_NOT_STAR_UNIT, field="unit", **params)
    if not may_name_star(actor, unit):
        raise BoardError(MSG_NOT_ALLOWED, status=403, **params)
    if month > month_of(now()):
        raise BoardError(MSG_MONTH_FUTURE, field="month", **params)
    if month_locked(company.pk, month):
        raise BoardError(MSG_MONTH_CLOSED, field="month", status=409, **params)
    if len(reason) > 2000:
        raise BoardError(MSG_STAR_REASON_LONG, field="reason")
    if person is not None:
        if (
            person.company_id != company.pk
            or person.unit is None
            or not (person.unit.path.startswith(unit.path))
        ):
            raise BoardError(MSG_PERSON_UNIT, field="person", person=str(person), **params)
        if not person.is_active:
            raise BoardError(MSG_PERSON_INACTIVE, field="person", person=str(person))
    Unit.objects.select_for_update().get(pk=unit.pk)  # one naming at a time per unit
    if ServiceStar.objects.filter(unit=unit, month=month).exists():
        raise BoardError(MSG_ALREADY_NAMED, status=409, **params)
    later = ServiceStar.objects.filter(unit=unit, month__gt=month).aggregate(m=Max("month"))["m"]
    if later is not None:
        raise BoardError(MSG_LATER_NAMED, status=409, later=month_text(later), **params)
    previous = ServiceStar.objects.filter(unit=unit, month=month_previous(month)).first()
    streak = 0
    if person is not None:
        kept = previous is not None and previous.person_id == person.pk and previous.streak
        streak = previous.streak + 1 if kept and previous is not None else 1
    at = _moment_in(month)
    star = ServiceStar.objects.create(
        company=company,
        unit=unit,
        month=month,
        person=person,
        streak=streak,
        reason=reason,
        named_by=actor,
        named_at=now(),
    )
    event = event_record(
        subject=star,
        action=BoardEvent.STAR_NAMED,
        actor=actor,
        reason=reason,
        data={
            "month": month_text(month),
            "unit_id": unit.pk,
            "person_id": person.pk if person else None,
            "streak": streak,
        },
    )
    applied = rule_applied("assessment.service_star_reward", company=company, at=at)
    if person is not None and applied is not None:
        star.entry = entry_book(
            company=company,
            person=person,
            kind=EntryKind.SERVICE_STAR,
            occurred_at=at,
            amount=rules.star_reward(streak, reward=Decimal(applied.value)),
            applied=applied,
            count=streak,
            event=event,
            subject=star,
            reason=str(REASON_STAR % {**params, "streak": streak}),
            entered_by=actor,
        )
        star.save(update_fields=["entry"])
    return star


@transaction.atomic
def star_withdraw(*, star: ServiceStar, actor: Person, reason: str) -> None:
    """ASM-6: withdraw a naming (or a vacancy) before its month is closed: the reward is
    corrected by a new entry citing it, and the unit may name again. A later month's naming
    counted this one in its streak, so it must be withdrawn first."""
    unit = star.unit
    params: dict[str, Any] = {"unit": unit.name, "month": month_text(star.month)}
    if not may_name_star(actor, unit):
        raise BoardError(MSG_NOT_ALLOWED, status=403, **params)
    reason = reason.strip()
    if not reason:
        raise BoardError(MSG_REASON, field="reason")
    if len(reason) > 2000:
        raise BoardError(MSG_STAR_REASON_LONG, field="reason")
    if month_locked(star.company_id, star.month):
        raise BoardError(MSG_MONTH_CLOSED, status=409, **params)
    Unit.objects.select_for_update().get(pk=unit.pk)
    later = ServiceStar.objects.filter(unit=unit, month__gt=star.month).aggregate(m=Max("month"))[
        "m"
    ]
    if later is not None:
        raise BoardError(MSG_LATER_NAMED, status=409, later=month_text(later), **params)
    entry = star.entry
    if entry is not None:
        entry_book(
            company=star.company,
            person=entry.person,
            kind=EntryKind.CORRECTION,
            occurred_at=_moment_in(star.month),
            points=-entry.points,
            amount=-entry.amount if entry.amount is not None else None,
            corrects=entry,
            subject=unit,
            reason=str(REASON_WITHDRAWN % {"reason": reason}),
            entered_by=actor,
        )
    event_record(
        subject=unit,
        action=BoardEvent.STAR_WITHDRAWN,
        actor=actor,
        reason=reason,
        data={
            "month": month_text(star.month),
            "unit_id": unit.pk,
            "person_id": star.person_id,
        },
    )
    star.delete()


# --- worst service (month-end step) -------------------------------------------------------


def _complaints_counted(company: Company, month: date, people: set[int]) -> dict:
    """Per person of `people`: the verified complaints of `month` their ledger holds
    (distinct complaints among their complaint entries, leaving out entries an upheld
    appeal fully corrected), in order, each with the moment it was booked for."""
    if not people:
        return {}
    entries = PointsEntry.objects.filter(company=company, month=month, kind__in=COMPLAINT_KINDS)
    rows = entries.values_list("pk", "person_id", "subject_id", "occurred_at", "points").order_by(
        "occurred_at", "pk"
    )
    corrected = dict(
        PointsEntry.objects.filter(
            company=company,
            kind=EntryKind.CORRECTION,
            corrects__month=month,
            corrects__kind__in=COMPLAINT_KINDS,
        )
        .values("corrects_id")
        .annotate(total=Sum("points"))
        .values_list("corrects_id", "total")
    )
    counted: dict[int, dict[Any, datetime]] = defaultdict(dict)
    for pk, person_id, subject_id, at, points in rows.iterator(chunk_size=5000):
        if person_id not in people:
            continue
        if points and corrected.get(pk) == -points:
            continue  # cancelled by an upheld appeal
        key = subject_id if subject_id is not None else f"entry-{pk}"
        counted[person_id].setdefault(key, at)
    return {person_id: list(found.items()) for person_id, found in counted.items()}


def _candidates(company: Company, month: date, threshold: int) -> set[int]:
    """The people whose month holds at least `threshold` complaint entries: one aggregate,
    an upper bound checked exactly afterwards."""
    return set(
        PointsEntry.objects.filter(company=company, month=month, kind__in=COMPLAINT_KINDS)
        .values("person_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=threshold)
        .values_list("person_id", flat=True)
    )


@transaction.atomic
def worst_service_rate(*, company: Company, month: date, actor: Person | None = None) -> None:
    """ASM-7 (004 第5篇 二.4), the month-end step: everyone with the pack's number of verified
    complaints in `month` is rated worst service once — the rating, the pack's fine as a
    ledger entry (money, no points) and, at the pack's number of ratings in total, a
    dismissal proposal for a person to decide. A rating the month no longer supports (an
    appeal upheld since) is withdrawn and its fine corrected. Nothing when the company's
    regulations have no such rule. The ratings and their events are written in bulk; each
    fine goes through `entry_book`."""
    end = month_last_instant(month)
    threshold_rule = rule_applied("assessment.worst_service_complaints", company=company, at=end)
    if threshold_rule is None:
        return
    threshold = int(threshold_rule.value)
    fine = rule_applied("assessment.worst_service_fine", company=company, at=end)
    dismissal = rule_applied("assessment.worst_service_dismissal", company=company, at=end)
    existing = {
        rating.person_id: rating
        for rating in WorstServiceRating.objects.filter(company=company, month=month)
        .select_related("entry", "person")
        .select_for_update(of=("self",))
    }
    candidates = _candidates(company, month, threshold)
    counted = _complaints_counted(company, month, candidates | set(existing))
    rated = {person_id for person_id in candidates if len(counted.get(person_id, [])) >= threshold}
    for person_id, rating in existing.items():
        complaints = len(counted.get(person_id, []))
        if person_id not in rated:
            _rating_withdraw(rating, complaints=complaints, actor=actor)
        elif rating.complaints != complaints:
            rating.complaints = complaints
            rating.save(update_fields=["complaints"])
    new = sorted(rated - set(existing))
    if not new:
        return
    before = dict(
        WorstServiceRating.objects.filter(person_id__in=new)
        .values("person_id")
        .annotate(n=Count("pk"))
        .values_list("person_id", "n")
    )
    people = Person.objects.in_bulk(new)
    moment = now()
    ratings = WorstServiceRating.objects.bulk_create(
        [
            WorstServiceRating(
                company=company,
                person=people[person_id],
                unit_id=people[person_id].unit_id,
                month=month,
                complaints=len(counted[person_id]),
                ordinal=before.get(person_id, 0) + 1,
                created_at=moment,
            )
            for person_id in new
        ],
        batch_size=1000,
    )
    events_record(
        subjects=ratings,
        action=BoardEvent.WORST_RATED,
        company=company,
        actor=actor,
        data_for=lambda rating: {
            "month": month_text(month),
            "person_id": rating.person_id,
            "complaints": rating.complaints,
            "ordinal": rating.ordinal,
        },
    )
    dismissal_at = int(dismissal.value) if dismissal is not None else None
    if fine is not None:
        # One insert for the month's fines: they land in the month rated (or the next open).
        landing = open_month(company.pk, month)
        fines = entries_book(
            [
                entry_build(
                    company=company,
                    person=rating.person,
                    kind=EntryKind.WORST_SERVICE,
                    occurred_at=counted[rating.person_id][threshold - 1][1],
                    amount=-Decimal(fine.value),
                    applied=fine,
                    count=rating.ordinal,
                    subject=rating,
                    reason=str(
                        REASON_WORST % {"month": month_text(month), "complaints": rating.complaints}
                    ),
                    sanction=Sanction.FINE,
                    landing=landing,
                )
                for rating in ratings
            ]
        )
        for rating, entry in zip(ratings, fines, strict=True):
            rating.entry = entry
        WorstServiceRating.objects.bulk_update(ratings, ["entry"], batch_size=1000)
    for rating in ratings:
        if dismissal_at is not None and rating.ordinal >= dismissal_at:
            _dismissal_propose(
                company=company,
                person=rating.person,
                rating=rating,
                reason=str(
                    REASON_DISMISSAL % {"ordinal": rating.ordinal, "month": month_text(month)}
                ),
                actor=actor,
            )


def _rating_withdraw(rating: WorstServiceRating, *, complaints: int, actor: Person | None) -> None:
    """An upheld appeal left the month short of the pack's number: the fine is corrected
    and the rating goes, unless a consequence was already proposed from it (then it stays,
    for the person deciding that proposal to see)."""
    if Consequence.objects.filter(source_rating=rating).exists():
        return
    params = {"month": month_text(rating.month), "complaints": complaints}
    entry = rating.entry
    if entry is not None:
        entry_book(
            company=rating.company,
            person=rating.person,
            kind=EntryKind.CORRECTION,
            occurred_at=month_last_instant(rating.month) - timedelta(seconds=1),
            points=-entry.points,
            amount=-entry.amount if entry.amount is not None else None,
            corrects=entry,
            reason=str(REASON_WORST_WITHDRAWN % params),
        )
    event_record(
        subject=rating.person,
        action=BoardEvent.WORST_WITHDRAWN,
        actor=actor,
        company=rating.company,
        data={
            "month": month_text(rating.month),
            "person_id": rating.person_id,
            "complaints": complaints,
        },
    )
    rating.delete()


def _dismissal_propose(
    *,
    company: Company,
    person: Person,
    rating: WorstServiceRating,
    reason: str,
    actor: Person | None,
) -> None:
    """ASM-7: the dismissal proposal goes through part D's `consequence_propose`, which
    leaves the decision to a person."""
    try:
        from pinzhi.assessment.services.consequences import consequence_propose
    except ImportError:  # part D not merged yet: the proposal row itself, never decided
        Consequence.objects.create(
            company=company,
            kind=ConsequenceKind.DISMISSAL_PROPOSAL,
            person=person,
            unit_id=person.unit_id,
            reason=reason,
            source_rating=rating,
            source_entry=rating.entry,
            created_by=actor,
            created_at=now(),
        )
        return
    consequence_propose(
        company=company,
        kind=ConsequenceKind.DISMISSAL_PROPOSAL,
        reason=reason,
        person=person,
        source_rating=rating,
        source_entry=rating.entry,
        actor=actor,
    )
