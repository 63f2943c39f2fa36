"""Writes of the deadline engine (DESIGN mechanism 2, X-5): opening, meeting, pausing,
resuming and cancelling deadlines, and maintaining working-time calendars.

Every transition locks the deadline row, checks its step (`deadlines/workflow.py`), and records a
timeline event on the deadline's SUBJECT ("deadline.opened", "deadline.met", …) so that
the case's own history shows its time limits. Breaches and escalations are taken by the
sweep (`pinzhi.deadlines.sweep.sweep`).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pinzhi.deadlines.calendars import (
    calendar_add,
    calendar_elapsed,
    periods_parse,
    working_day,
)
from pinzhi.deadlines.escalation import OWNER
from pinzhi.deadlines.events import CalendarEvent, DeadlineEvent
from pinzhi.deadlines.models import (
    DEFAULT_TIME_ZONE,
    WEEKDAYS,
    Calendar,
    CalendarDay,
    Deadline,
    RuleCalendar,
)
from pinzhi.deadlines.workflow import DEADLINE_WORKFLOW
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.lib.workflow import Step
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.timeline.privacy import subject_label
from pinzhi.timeline.services import event_record, events_record, subject_company_id

State = Deadline.State


class DeadlineError(DomainError):
    """An invalid deadline operation; `str(error)` is a translated, user-facing message."""

    code = "deadline_refused"
    status = 409


KIND_REQUIRED = _("A deadline needs a kind, e.g. “complaint.first_contact”.")
DURATION_INVALID = _("The allowed time of a deadline must be a duration of zero or more.")
SUBJECT_NOT_SAVED = _("The subject of a deadline must be saved first.")
REASON_REQUIRED = _("Say why the deadline is %(action)s.")
TIME_BEFORE_PAUSE = _("A deadline cannot resume before it was paused (%(paused_at)s).")
TIME_BEFORE_START = _("The time given is before the deadline started (%(started_at)s).")
LADDER_NOT_LIST = _("The escalation ladder must be a list of steps.")
LADDER_STEP_INVALID = _(
    "Step %(n)s of the escalation ladder needs “after” (seconds of overrun, zero or more) "
    "and a “level”."
)
CALENDAR_CODE_TAKEN = _("A calendar with the code “%(code)s” already exists.")
CALENDAR_OF_OTHER_COMPANY = _("That calendar belongs to another company.")
TIME_ZONE_UNKNOWN = _("“%(zone)s” is not a known time zone, e.g. Asia/Shanghai.")
EXTENSION_UNCHANGED = _(
    "The deadline already allows this time (due %(due_at)s); choose a different allowed time."
)
RULE_CALENDAR_UNCHANGED = _("This rule already counts on that calendar.")
DAY_EXISTS = _("%(date)s is already in this calendar as “%(existing)s”.")


# --- ladder ----------------------------------------------------------------------------


def ladder_normalise(ladder: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ladder as stored: steps {"after": int seconds, "level": str} sorted by "after"
    (stable), starting with the breach itself at overrun 0 — when the caller's first step
    comes later, a breach step telling the owner is put in front. "after" may be given as
    seconds or as a timedelta."""
    if isinstance(ladder, dict | str) or not isinstance(ladder, Iterable):
        raise DeadlineError(LADDER_NOT_LIST)
    steps: list[dict[str, Any]] = []
    for n, step in enumerate(ladder, start=1):
        after = step.get("after") if isinstance(step, dict) else None
        level = step.get("level") if isinstance(step, dict) else None
        if isinstance(after, timedelta):
            after = after.total_seconds()
        if (
            isinstance(after, bool)
            or not isinstance(after, int | float)
            or after < 0
            or not isinstance(level, str)
            or not level.strip()
        ):
            raise DeadlineError(LADDER_STEP_INVALID, n=n)
        steps.append({"after": int(after), "level": level.strip()})
    steps.sort(key=lambda s: s["after"])
    if not steps or steps[0]["after"] > 0:
        steps.insert(0, {"after": 0, "level": OWNER})
    return steps


# --- helpers ---------------------------------------------------------------------------


def _subject_of(deadline: Deadline) -> models.Model:
    """The subject the events go on; the deadline itself if its subject is gone."""
    subject = deadline.subject
    return subject if subject is not None else deadline


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _event_data(deadline: Deadline, **extra: Any) -> dict[str, Any]:
    data = {
        "kind": deadline.kind,
        "deadline_id": deadline.pk,
        "rule_key": deadline.rule_key,
        "due_at": _iso(deadline.due_at),
    }
    data.update(extra)
    return data


def _locked(deadline: Deadline) -> Deadline:
    return (
        Deadline.objects.select_for_update(of=("self",))
        .select_related("calendar", "owner")
        .get(pk=deadline.pk)
    )


def _step(deadline: Deadline, name: str) -> Step:
    """Check step `name` of the declared deadline workflow (deadlines/workflow.py): raises a
    DeadlineError naming the state when the deadline is not in one the step starts from."""
    return DEADLINE_WORKFLOW.check(deadline, name, anyone=True)


def _pk(company: Company | int | None) -> int | None:
    """A Company, its pk or None, as a pk."""
    return company.pk if isinstance(company, models.Model) else company


def _company_id(subject: models.Model, unit: Unit | None, owner: Person | None) -> int | None:
    """The company a deadline belongs to: its subject's, else its unit's, else its owner's."""
    for candidate in (subject, unit, owner):
        company_id = getattr(candidate, "company_id", None)
        if company_id:
            return company_id
    return None


def _refresh(target: Deadline, source: Deadline) -> Deadline:
    """Copy the saved row's field values onto the caller's instance."""
    for field in Deadline._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


def _deadline_row(
    *,
    content_type: ContentType,
    subject: models.Model,
    label: str,
    kind: str,
    rule_key: str,
    start: datetime,
    duration: timedelta,
    calendar: Calendar | None,
    steps: list[dict[str, Any]],
    owner: Person | None,
    owner_role: str,
    unit: Unit | None,
    company_id: int | None,
    created: datetime,
) -> Deadline:
    """An unsaved open deadline, due `duration` after `start` on `calendar`. Its stored
    label is shown on lists, tiles and notices to people who may not see the customer: the
    subject's timeline label (a complaint's tracking code), never a title that may carry a
    name or a phone number (ORG-3, issue 8 item 3)."""
    due_at = calendar_add(calendar, start, duration)
    return Deadline(
        content_type=content_type,
        object_id=str(subject.pk),
        subject_repr=label,
        kind=kind.strip(),
        rule_key=rule_key,
        started_at=start,
        duration=duration,
        calendar=calendar,
        due_at=due_at,
        state=State.OPEN,
        ladder=steps,
        escalation_step=0,
        next_escalation_at=due_at,
        owner=owner,
        owner_role="" if owner is not None else owner_role,
        unit=unit,
        company_id=company_id,
        created_at=created,
    )


# --- deadlines -------------------------------------------------------------------------


@transaction.atomic
def deadline_open(
    *,
    subject: models.Model,
    kind: str,
    duration: timedelta,
    start: datetime | None = None,
    calendar: Calendar | None = None,
    ladder: Iterable[dict[str, Any]] = (),
    owner: Person | None = None,
    unit: Unit | None = None,
    rule_key: str = "",
    actor: Person | None = None,
    owner_role: str = "",
) -> Deadline:
    """Open a deadline of `duration` on `subject` from `start` (default now), counted on the
    wall clock unless a working-time `calendar` is given (X-5). The duration itself comes
    from the policy pack (DESIGN mechanism 1); `rule_key` names the rule for traceability.
    Without an `owner`, the holders of `owner_role` in the deadline's scope own it (issue 8
    item 1)."""
    if not kind or not kind.strip():
        raise DeadlineError(KIND_REQUIRED, field="kind", status=422)
    if not isinstance(duration, timedelta) or duration < timedelta(0):
        raise DeadlineError(DURATION_INVALID, field="duration", status=422)
    if subject.pk is None:
        raise DeadlineError(SUBJECT_NOT_SAVED)
    steps = ladder_normalise(ladder)
    start = start or now()
    deadline = _deadline_row(
        content_type=ContentType.objects.get_for_model(subject),
        subject=subject,
        label=subject_label(subject),
        kind=kind,
        rule_key=rule_key,
        start=start,
        duration=duration,
        calendar=calendar,
        steps=steps,
        owner=owner,
        owner_role=owner_role,
        unit=unit,
        company_id=_company_id(subject, unit, owner),
        created=now(),
    )
    deadline.save(force_insert=True)
    event_record(
        subject=subject,
        action=DeadlineEvent.OPENED,
        actor=actor,
        data=_event_data(
            deadline,
            started_at=_iso(start),
            duration_seconds=int(duration.total_seconds()),
            calendar=calendar.code if calendar else None,
            ladder=steps,
        ),
    )
    return deadline


def rule_duration(
    value: Any, *, start: datetime, calendar: Calendar | None = None, unit: str = ""
) -> timedelta:
    """Turn a policy rule value into an allowed time: a duration as it is, a range by its
    upper end ("1–3 days" → 3 days), and a whole number of calendar days as "by the end of
    that day" (0 = the same day, in the calendar's time zone or Asia/Shanghai). On a
    working-time calendar a rule in days means working days of the calendar's standard
    length ("2 days" → 2 × 7.5 working hours), not 48 working hours."""
    upper = None if isinstance(value, timedelta) else getattr(value, "max", None)
    if isinstance(upper, timedelta):  # a policy Range
        value = upper
    if isinstance(value, timedelta):
        if calendar is not None and unit == "days":
            return working_day(calendar) * (value / timedelta(days=1))
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        zone = calendar.zone if calendar else ZoneInfo(DEFAULT_TIME_ZONE)
        local = start.astimezone(zone)
        day = local.date() + timedelta(days=value + 1)
        end = datetime(day.year, day.month, day.day, tzinfo=zone)
        return end - local
    raise DeadlineError(DURATION_INVALID, field="duration", status=422)


def deadline_open_for_rule(
    *,
    subject: models.Model,
    kind: str,
    rule_key: str,
    pack: str,
    start: datetime | None = None,
    calendar: Calendar | None = None,
    ladder: Iterable[dict[str, Any]] = (),
    owner: Person | None = None,
    unit: Unit | None = None,
    actor: Person | None = None,
    owner_role: str = "",
) -> Deadline:
    """Open a deadline whose allowed time is policy rule `rule_key` of `pack` as the
    deadline's company has it in force at `start` (STD-5), on the calendar that company
    chose for the rule (X-5) unless one is given."""
    from pinzhi.policy.selectors import rule_unit, rule_value

    start = start or now()
    company_id = _company_id(subject, unit, owner)
    if calendar is None:
        calendar = rule_calendar(pack=pack, rule_key=rule_key, company=company_id)
    value = rule_value(rule_key, pack=pack, company=company_id, at=start)
    unit_name = rule_unit(rule_key, pack=pack)
    return deadline_open(
        subject=subject,
        kind=kind,
        duration=rule_duration(value, start=start, calendar=calendar, unit=unit_name or ""),
        start=start,
        calendar=calendar,
        ladder=ladder,
        owner=owner,
        unit=unit,
        rule_key=rule_key,
        actor=actor,
        owner_role=owner_role,
    )


@dataclass(frozen=True)
class RuleLimit:
    """One deadline to open with `deadlines_open_for_rules`: its kind and policy rule."""

    kind: str
    rule_key: str


@transaction.atomic(savepoint=False)
def deadlines_open_for_rules(
    *,
    subject: models.Model,
    limits: Sequence[RuleLimit],
    pack: str,
    start: datetime | None = None,
    ladder: Iterable[dict[str, Any]] = (),
    owner: Person | None = None,
    unit: Unit | None = None,
    actor: Person | None = None,
    owner_role: str = "",
) -> list[Deadline]:
    """Open several deadlines of one subject from the same start (a registration's time
    limits, CMP-4), each exactly as `deadline_open_for_rule` opens it (the rule's value in
    force at `start` for the company, on the calendar the company chose, X-5, STD-5) and
    with the same "deadline.opened" events in the same order; but with the calendars read
    in one query, the deadlines inserted in one and their events appended as one batch
    (issue 9 item 2). Returns the deadlines in the order of `limits`."""
    from pinzhi.policy.selectors import rule_unit, rule_value

    if not limits:
        return []
    if subject.pk is None:
        raise DeadlineError(SUBJECT_NOT_SAVED)
    steps = ladder_normalise(ladder)
    start = start or now()
    company_id = _company_id(subject, unit, owner)
    calendars = rule_calendars(
        pack=pack, rule_keys=[limit.rule_key for limit in limits], company=company_id
    )
    content_type = ContentType.objects.get_for_model(subject)
    label = subject_label(subject)
    created = now()
    deadlines = []
    for limit in limits:
        if not limit.kind or not limit.kind.strip():
            raise DeadlineError(KIND_REQUIRED, field="kind", status=422)
        calendar = calendars[limit.rule_key]
        value = rule_value(limit.rule_key, pack=pack, company=company_id, at=start)
        duration = rule_duration(
            value, start=start, calendar=calendar, unit=rule_unit(limit.rule_key, pack=pack)
        )
        deadlines.append(
            _deadline_row(
                content_type=content_type,
                subject=subject,
                label=label,
                kind=limit.kind,
                rule_key=limit.rule_key,
                start=start,
                duration=duration,
                calendar=calendar,
                steps=steps,
                owner=owner,
                owner_role=owner_role,
                unit=unit,
                company_id=company_id,
                created=created,
            )
        )
    _insert(deadlines)
    payloads = iter(
        _event_data(
            deadline,
            started_at=_iso(start),
            duration_seconds=int(deadline.duration.total_seconds()),
            calendar=deadline.calendar.code if deadline.calendar else None,
            ladder=steps,
        )
        for deadline in deadlines
    )
    events_record(
        subjects=[subject] * len(deadlines),
        action=DeadlineEvent.OPENED,
        actor=actor,
        company=_event_company(subject, actor),
        data_for=lambda _subject: next(payloads),
    )
    return deadlines


# `deadlines_hand_over` moves the rows itself unless told whom they were opened for.
_MOVE = object()


def deadlines_hand_over(
    *,
    subject: models.Model,
    deadlines: Sequence[Deadline],
    owner: Person,
    actor: Person | None = None,
    opened_for: Person | None | object = _MOVE,
) -> None:
    """Move deadlines that were opened in the caller's transaction (nobody else can see or
    lock them yet) to `owner`: what `deadline_reassign` does for each, with the same
    "deadline.reassigned" events, but with one UPDATE and without re-reading them (issue 9
    item 2: a complaint that nobody on the staff registered goes to its first-contact owner
    at once, CMP-3). `subject` is the deadlines' subject, where the events go.

    With `opened_for` (a person or None), the deadlines were opened with `owner` already in
    place of that one, so nothing is updated: only the events of the move are recorded,
    the same as after opening them for `opened_for` and moving them."""
    if opened_for is _MOVE:
        moving = [d for d in deadlines if d.owner_id != owner.pk]
        before = [{"owner": d.owner_id, "unit": d.unit_id} for d in moving]
        if moving:
            Deadline.objects.filter(pk__in=[d.pk for d in moving]).update(
                owner=owner, owner_role=""
            )
    else:
        was_id = getattr(opened_for, "pk", None)
        moving = [d for d in deadlines if was_id != owner.pk]
        before = [{"owner": was_id, "unit": d.unit_id} for d in moving]
    for deadline, was in zip(moving, before, strict=True):
        deadline.owner, deadline.owner_role = owner, ""
        event_record(
            subject=subject,
            action=DeadlineEvent.REASSIGNED,
            actor=actor,
            before=was,
            after={"owner": deadline.owner_id, "unit": deadline.unit_id},
            data=_event_data(deadline),
        )


def _event_company(subject: models.Model, actor: Person | None) -> int | None:
    """The company whose chain `event_record` would put an event about `subject` in."""
    company_id = subject_company_id(subject)
    if company_id is None and actor is not None and actor.is_authenticated:
        company_id = actor.company_id
    return company_id


def _insert(deadlines: list[Deadline]) -> None:
    """Insert `deadlines` and give them their ids: one INSERT … RETURNING where the database
    returns ids from a bulk insert (PostgreSQL, SQLite), else one by one."""
    if connection.features.can_return_rows_from_bulk_insert:
        Deadline.objects.bulk_create(deadlines)
    else:
        for deadline in deadlines:
            deadline.save(force_insert=True)


def rule_calendars(
    *, pack: str, rule_keys: Sequence[str], company: Company | int | None
) -> dict[str, Calendar | None]:
    """`rule_calendar` of each of `rule_keys`, in one query."""
    company_id = _pk(company)
    choices: dict[str, dict[int | None, Calendar | None]] = {}
    for choice in (
        RuleCalendar.objects.filter(pack=pack, rule_key__in=list(rule_keys))
        .filter(Q(company__isnull=True) | Q(company_id=company_id))
        .select_related("calendar")
    ):
        choices.setdefault(choice.rule_key, {})[choice.company_id] = choice.calendar
    result: dict[str, Calendar | None] = {}
    for key in rule_keys:
        of_rule = choices.get(key, {})
        result[key] = of_rule[company_id] if company_id in of_rule else of_rule.get(None)
    return result


def rule_calendar(*, pack: str, rule_key: str, company: Company | int | None) -> Calendar | None:
    """The working-time calendar `company` (a Company, its pk or None) chose for a rule,
    else the operator's default choice, else None for the wall clock (X-5)."""
    company_id = _pk(company)
    choices = {
        choice.company_id: choice.calendar
        for choice in RuleCalendar.objects.filter(pack=pack, rule_key=rule_key)
        .filter(Q(company__isnull=True) | Q(company_id=company_id))
        .select_related("calendar")
    }
    # A company's own choice wins, the wall clock (None) included.
    return choices[company_id] if company_id in choices else choices.get(None)


@transaction.atomic
def deadline_meet(
    *, deadline: Deadline, at: datetime | None = None, actor: Person | None = None
) -> Deadline:
    """The obligation was fulfilled at `at` (default now). A deadline met after its due
    time stays visibly late: `breached_at` is kept (or set, if the sweep had not run yet)
    and the event says so (CMP-4, CMP-9)."""
    locked = _locked(deadline)
    step = _step(locked, "meet")
    at = at or now()
    if at < locked.started_at:
        raise DeadlineError(TIME_BEFORE_START, started_at=locked.started_at)
    if locked.state == State.PAUSED:
        _close_pause(locked, at)
    elif locked.state == State.OPEN and at > locked.due_at:
        # Late, but the sweep has not taken the breach yet: record it now, without telling
        # anyone (the work is done), so that every breach has its "deadline.breached" event.
        from pinzhi.deadlines.sweep import breach_record

        locked.breached_at = locked.due_at
        locked.escalation_step = max(locked.escalation_step, 1)
        breach_record(locked, at=at, step=1, notified=False)
    locked.state = State.MET
    locked.met_at = at
    locked.next_escalation_at = None
    locked.save()
    overrun = locked.overrun(at)
    event_record(
        subject=_subject_of(locked),
        action=step.event,
        actor=actor,
        data=_event_data(
            locked,
            met_at=_iso(at),
            late=locked.breached_at is not None,
            overrun_seconds=int(overrun.total_seconds()),
        ),
    )
    return _refresh(deadline, locked)


def _close_pause(deadline: Deadline, at: datetime) -> None:
    """End a pause at `at`: the due time (and the escalation times with it) moves by the
    time paused, counted like the deadline (working time for a working-time calendar)."""
    assert deadline.paused_at is not None  # only a paused deadline is resumed
    if at < deadline.paused_at:
        raise DeadlineError(TIME_BEFORE_PAUSE, paused_at=deadline.paused_at)
    paused = calendar_elapsed(deadline.calendar, deadline.paused_at, at)
    deadline.paused_total += paused
    deadline.due_at = calendar_add(deadline.calendar, deadline.due_at, paused)
    deadline.paused_at = None


@transaction.atomic
def deadline_pause(
    *, deadline: Deadline, reason: str, at: datetime | None = None, actor: Person | None = None
) -> Deadline:
    """Stop the clock (e.g. waiting on the customer): the time until resume does not count
    and no escalation happens meanwhile (DESIGN mechanism 2)."""
    if not reason or not str(reason).strip():
        raise DeadlineError(
            REASON_REQUIRED,
            field="reason",
            status=422,
            action=DEADLINE_WORKFLOW.step("pause").participle,
        )
    locked = _locked(deadline)
    step = _step(locked, "pause")
    at = at or now()
    if at < locked.started_at:
        raise DeadlineError(TIME_BEFORE_START, started_at=locked.started_at)
    before = locked.state
    locked.state = State.PAUSED
    locked.paused_at = at
    locked.next_escalation_at = None
    locked.save()
    event_record(
        subject=_subject_of(locked),
        action=step.event,
        actor=actor,
        reason=reason,
        before={"state": before},
        after={"state": State.PAUSED},
        data=_event_data(locked, paused_at=_iso(at)),
    )
    return _refresh(deadline, locked)


@transaction.atomic
def deadline_resume(
    *, deadline: Deadline, at: datetime | None = None, actor: Person | None = None
) -> Deadline:
    """Restart the clock: the due time moves by the paused span, in working time for a
    working-time calendar; a deadline paused after its breach goes back to breached and
    climbs the rest of its ladder from the overrun it had."""
    locked = _locked(deadline)
    step = _step(locked, "resume")
    at = at or now()
    paused_at = locked.paused_at
    old_due = locked.due_at
    _close_pause(locked, at)
    locked.state = State.BREACHED if locked.breached_at else State.OPEN
    locked.next_escalation_at = locked.step_at(locked.escalation_step)
    locked.save()
    event_record(
        subject=_subject_of(locked),
        action=step.event,
        actor=actor,
        before={"state": State.PAUSED, "due_at": _iso(old_due)},
        after={"state": locked.state, "due_at": _iso(locked.due_at)},
        data=_event_data(
            locked,
            paused_at=_iso(paused_at),
            resumed_at=_iso(at),
            paused_seconds=int(calendar_elapsed(locked.calendar, paused_at, at).total_seconds()),  # type: ignore[arg-type]
        ),
    )
    return _refresh(deadline, locked)


@transaction.atomic
def deadline_cancel(
    *, deadline: Deadline, reason: str, at: datetime | None = None, actor: Person | None = None
) -> Deadline:
    """The obligation no longer applies (e.g. a complaint found not established): no more
    escalation."""
    if not reason or not str(reason).strip():
        raise DeadlineError(
            REASON_REQUIRED,
            field="reason",
            status=422,
            action=DEADLINE_WORKFLOW.step("cancel").participle,
        )
    locked = _locked(deadline)
    step = _step(locked, "cancel")
    at = at or now()
    before = locked.state
    locked.state = State.CANCELLED
    locked.cancelled_at = at
    locked.next_escalation_at = None
    locked.save()
    event_record(
        subject=_subject_of(locked),
        action=step.event,
        actor=actor,
        reason=reason,
        before={"state": before},
        after={"state": State.CANCELLED},
        data=_event_data(locked, cancelled_at=_iso(at)),
    )
    return _refresh(deadline, locked)


@transaction.atomic
def deadline_extend(
    *, deadline: Deadline, duration: timedelta, reason: str, actor: Person | None = None
) -> Deadline:
    """Grant a longer allowed time before the deadline runs out (e.g. CMP-4: a special case
    may take 4 hours for the first contact, with the reason recorded)."""
    if not reason or not str(reason).strip():
        raise DeadlineError(
            REASON_REQUIRED,
            field="reason",
            status=422,
            action=DEADLINE_WORKFLOW.step("extend").participle,
        )
    if not isinstance(duration, timedelta) or duration < timedelta(0):
        raise DeadlineError(DURATION_INVALID, field="duration", status=422)
    locked = _locked(deadline)
    step = _step(locked, "extend")
    if duration == locked.duration:
        # Issue 8 item 2: a step that changes nothing is refused, not recorded as a change.
        raise DeadlineError(
            EXTENSION_UNCHANGED,
            field="duration",
            code="deadline_unchanged",
            status=422,
            due_at=timezone.localtime(locked.due_at).strftime("%Y-%m-%d %H:%M"),
        )
    old_due, old_duration = locked.due_at, locked.duration
    locked.duration = duration
    due = calendar_add(locked.calendar, locked.started_at, duration)
    locked.due_at = calendar_add(locked.calendar, due, locked.paused_total)
    locked.next_escalation_at = locked.step_at(locked.escalation_step)
    locked.save()
    event_record(
        subject=_subject_of(locked),
        action=step.event,
        actor=actor,
        reason=reason,
        before={"due_at": _iso(old_due), "duration_seconds": int(old_duration.total_seconds())},
        after={"due_at": _iso(locked.due_at), "duration_seconds": int(duration.total_seconds())},
        data=_event_data(locked),
    )
    return _refresh(deadline, locked)


@transaction.atomic
def deadline_reassign(
    *,
    deadline: Deadline,
    owner: Person | None = None,
    unit: Unit | None = None,
    actor: Person | None = None,
) -> Deadline:
    """Move a running deadline to another owner and/or unit (a case routed or handed over):
    its queue and the first step of its ladder follow the work — the next breach notice goes
    to the new owner (issue 8 item 1). The move is recorded on the subject's timeline."""
    locked = _locked(deadline)
    if locked.state not in (State.OPEN, State.BREACHED, State.PAUSED):
        return deadline
    before = {"owner": locked.owner_id, "unit": locked.unit_id}
    if owner is not None:
        locked.owner = owner
        locked.owner_role = ""
    if unit is not None:
        locked.unit = unit
    if before == {"owner": locked.owner_id, "unit": locked.unit_id}:
        return deadline
    locked.save(update_fields=["owner", "owner_role", "unit"])
    event_record(
        subject=_subject_of(locked),
        action=DeadlineEvent.REASSIGNED,
        actor=actor,
        before=before,
        after={"owner": locked.owner_id, "unit": locked.unit_id},
        data=_event_data(locked),
    )
    return _refresh(deadline, locked)


# --- calendars -------------------------------------------------------------------------


class CalendarError(DomainError):
    """A calendar change that is not valid, with the field and the reason."""

    code = "calendar_refused"
    status = 422


def _clean(instance: models.Model) -> None:
    """The model's own validation, its refusal as a CalendarError keyed by field."""
    try:
        instance.full_clean()
    except ValidationError as error:
        raise CalendarError.from_validation_error(error) from None


def _check_zone(zone: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise CalendarError(TIME_ZONE_UNKNOWN, field="time_zone", zone=zone) from error


def _clean_hours(hours: dict[Any, Any]) -> dict[str, list[list[str]]]:
    """Hours per weekday given as text ("09:00-12:00, 13:30-18:00") or lists of pairs."""
    cleaned, errors = {}, []
    for day in WEEKDAYS:
        value = hours.get(day, hours.get(int(day), ""))
        text = value if isinstance(value, str) else ", ".join(f"{s}-{e}" for s, e in value)
        try:
            cleaned[day] = periods_parse(text)
        except ValidationError as error:
            errors += [
                CalendarError(one.message, field=f"hours_{day}", **(one.params or {}))
                for one in error.error_list
            ]
    if errors:
        raise CalendarError.several(errors)
    return cleaned


@transaction.atomic
def calendar_create(
    *,
    company: Company | int | None,
    code: str,
    name: str,
    time_zone: str = "Asia/Shanghai",
    hours: dict[Any, Any] | None = None,
    copy_from: Calendar | None = None,
    actor: Person | None = None,
) -> Calendar:
    """A new working-time calendar of `company` (a Company, its pk, or None for a calendar
    shared by every company, which only an operator makes) — X-5. Monday–Friday
    09:00–12:00 and 13:30–18:00 unless `hours` says otherwise; `copy_from` gives the hours
    and the holidays of another calendar (a company starts from the shared public
    holidays and adds its own)."""
    company_id = _pk(company)
    if copy_from is not None and copy_from.company_id not in (None, company_id):
        raise CalendarError(CALENDAR_OF_OTHER_COMPANY, field="copy_from")
    if copy_from is not None and hours is None:
        hours = copy_from.hours
    if Calendar.objects.filter(company_id=company_id, code=code).exists():  # type: ignore[misc]
        # Formatted here: "code" is the error's own keyword (the kind of refusal).
        raise CalendarError(CALENDAR_CODE_TAKEN % {"code": code}, field="code")
    _check_zone(time_zone)
    calendar = Calendar(company_id=company_id, code=code, name=name, time_zone=time_zone)
    if hours is not None:
        calendar.hours = _clean_hours(hours)
    _clean(calendar)
    calendar.save()
    if copy_from is not None:
        CalendarDay.objects.bulk_create(
            CalendarDay(calendar=calendar, date=day.date, kind=day.kind, name=day.name)
            for day in copy_from.days.all()
        )
    event_record(
        subject=calendar,
        action=CalendarEvent.CREATED,
        actor=actor,
        after=calendar.hours,
        data={"copied_from": copy_from.code} if copy_from is not None else None,
    )
    return calendar


@transaction.atomic
def calendar_update(
    *,
    calendar: Calendar,
    name: str | None = None,
    time_zone: str | None = None,
    hours: dict[Any, Any] | None = None,
    actor: Person | None = None,
) -> Calendar:
    """Change a calendar's name, time zone or working hours (X-5). Deadlines already open
    keep the due time computed when they opened (or last resumed)."""
    before = {"name": calendar.name, "time_zone": calendar.time_zone, "hours": calendar.hours}
    errors: list[DomainError] = []
    if name is not None:
        calendar.name = name
    if time_zone is not None:
        try:
            _check_zone(time_zone)
        except CalendarError as error:
            errors += error.field_errors
        calendar.time_zone = time_zone
    if hours is not None:
        try:
            calendar.hours = _clean_hours(hours)
        except CalendarError as error:
            errors += error.field_errors
    if errors:
        raise CalendarError.several(errors)
    _clean(calendar)
    after = {"name": calendar.name, "time_zone": calendar.time_zone, "hours": calendar.hours}
    if after == before:
        # Issue 8 item 2: saving the form unchanged is harmless; it is not a change.
        return calendar
    calendar.save()
    event_record(
        subject=calendar, action=CalendarEvent.UPDATED, actor=actor, before=before, after=after
    )
    return calendar


@transaction.atomic
def calendar_day_add(
    *, calendar: Calendar, date: date, kind: str, name: str = "", actor: Person | None = None
) -> CalendarDay:
    """Enter one holiday or make-up working day by hand (X-5)."""
    existing = CalendarDay.objects.filter(calendar=calendar, date=date).first()
    if existing is not None:
        raise CalendarError(DAY_EXISTS, field="date", date=date, existing=existing)
    day = CalendarDay(calendar=calendar, date=date, kind=kind, name=name)
    _clean(day)
    day.save()
    event_record(
        subject=calendar,
        action=CalendarEvent.DAY_ADDED,
        actor=actor,
        data={"date": date, "kind": kind, "name": name},
    )
    return day


@transaction.atomic
def calendar_day_remove(*, day: CalendarDay, actor: Person | None = None) -> None:
    event_record(
        subject=day.calendar,
        action=CalendarEvent.DAY_REMOVED,
        actor=actor,
        data={"date": day.date, "kind": day.kind, "name": day.name},
    )
    day.delete()


@transaction.atomic
def rule_calendar_set(
    *,
    company: Company | int | None,
    pack: str,
    rule_key: str,
    calendar: Calendar | None,
    actor: Person | None = None,
) -> RuleCalendar | None:
    """Choose the calendar `company`'s deadlines of a rule count on: one of its own
    calendars or a shared one, or None for the wall clock, the default (X-5). `company`
    None sets the operator's default for companies without a choice. Applies to deadlines
    opened from now on."""
    company_id = _pk(company)
    if calendar is not None and calendar.company_id not in (None, company_id):
        raise CalendarError(CALENDAR_OF_OTHER_COMPANY, field="calendar")
    rows = {
        row.company_id: row
        for row in RuleCalendar.objects.filter(pack=pack, rule_key=rule_key)
        .filter(Q(company__isnull=True) | Q(company_id=company_id))
        .select_related("calendar")
    }
    current = rows.get(company_id)
    default = rows[None].calendar if company_id is not None and None in rows else None
    previous = current.calendar if current else default
    if (current.calendar == calendar) if current else (calendar is None and default is None):
        # Issue 8 item 2: choosing again what is already chosen changes nothing. (Choosing
        # the operator's default as the company's own does: it no longer follows the default.)
        raise CalendarError(RULE_CALENDAR_UNCHANGED, field="calendar", status=409)
    if calendar is None and default is None:
        # The wall clock is what a rule counts on without a row.
        if current:
            current.delete()
        choice = None
    elif current:
        current.calendar = calendar
        current.save(update_fields=["calendar"])
        choice = current
    else:
        # A company's explicit choice, the wall clock included, wins over the default.
        choice = RuleCalendar.objects.create(
            company_id=company_id, pack=pack, rule_key=rule_key, calendar=calendar
        )
    target = calendar or previous
    if target is not None:
        event_record(
            subject=target,
            company=company_id,
            action=CalendarEvent.RULE_CHOSEN if calendar else CalendarEvent.RULE_RELEASED,
            actor=actor,
            before={"calendar": previous.code if previous else None},
            after={"calendar": calendar.code if calendar else None},
            data={"pack": pack, "rule_key": rule_key},
        )
    return choice
