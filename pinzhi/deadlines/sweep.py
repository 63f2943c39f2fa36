"""The sweep (DESIGN mechanism 2): run by the clock every minute, it moves each deadline
whose next step is due one step up its ladder — the first step is the breach — exactly
once per step however many sweeps run at the same time and however often one crashes.

Issue 9 item 5: due deadlines are claimed a batch at a time,

    SELECT … FROM deadline WHERE next_escalation_at <= now AND state IN (open, breached)
    ORDER BY next_escalation_at, id LIMIT n FOR UPDATE SKIP LOCKED

and the whole batch is taken in one transaction: every due step of each deadline worked
out, the steps' events appended with one head lock per company chain (`events_record`),
their notifications and deliveries written in bulk (`notify.batch.notify_many`), and the
deadlines moved with one UPDATE. A second sweep skips the rows the first holds and takes
the next ones; a crash rolls back the batch in flight, which the next sweep takes again.
A batch whose writes fail is rolled back and taken again one step per transaction, each
step claimed with a conditional UPDATE

    UPDATE deadline SET escalation_step = k + 1, … WHERE id = ? AND escalation_step = k
                                                   AND state = ? AND next_escalation_at = ?

so that one bad step delays only itself. Deadlines are read by the partial index on
(next_escalation_at, id), so 100,000 open deadlines that are not due cost one empty range
query.
"""

import copy
import json
import logging
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, cast

from django.conf import settings
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Q, prefetch_related_objects
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from pinzhi.deadlines.display import (
    DEFAULT_PACK,
    NIGHT_BEGINS,
    NIGHT_ENDS,
    _night_hours,
    duration_text,
    kind_label,
    level_label,
    night_due,
)
from pinzhi.deadlines.escalation import escalation_recipients
from pinzhi.deadlines.events import DeadlineEvent
from pinzhi.deadlines.models import Deadline
from pinzhi.lib import clock
from pinzhi.policy.selectors import RuleNotFound, rule_versions
from pinzhi.timeline.services import event_record, events_record, subject_company_id

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
ACTIVE = (Deadline.State.OPEN, Deadline.State.BREACHED)

TITLE_BREACHED = _("Deadline breached: %(kind)s — %(subject)s")
TITLE_ESCALATED = _("Deadline escalated to %(level)s: %(kind)s — %(subject)s")
BODY = _("It was due at %(due)s and is %(overrun)s overdue.")
NIGHT_NOTE = _("It fell due at night, at %(time)s.")


@dataclass
class SweepResult:
    """What one sweep did: steps taken as breaches and as escalations, steps another sweep
    took first ("lost"), and steps that failed and will be tried again ("failed")."""

    counts: dict[str, int] = field(
        default_factory=lambda: {"breached": 0, "escalated": 0, "lost": 0, "failed": 0}
    )

    @property
    def steps(self) -> int:
        return self.counts["breached"] + self.counts["escalated"]


def _notify(**kwargs: Any) -> None:
    from pinzhi.notify.services import notify

    notify(**kwargs)


def _subject_url(subject: models.Model) -> str:
    url = getattr(subject, "get_absolute_url", None)
    if callable(url):
        try:
            return url()
        except NoReverseMatch:  # a subject without its own page
            pass
    return reverse("deadlines:list")


@dataclass
class StepRecord:
    """What one ladder step writes: its event on the subject's timeline and, when anyone is
    to be told, the notification (the arguments of `notify`)."""

    subject: models.Model
    action: str
    data: dict
    message: dict | None


def _step_record(
    deadline: Deadline,
    *,
    at: datetime,
    step: int,
    notified: bool = True,
    night: Callable[[Deadline], str] = night_due,
) -> StepRecord:
    level = deadline.ladder[step - 1]["level"] if step <= len(deadline.ladder) else ""
    overrun = max(at - deadline.due_at, timedelta(0))
    action = DeadlineEvent.BREACHED if step == 1 else DeadlineEvent.ESCALATED
    subject = deadline.subject if deadline.subject is not None else deadline
    data = {
        "kind": deadline.kind,
        "deadline_id": deadline.pk,
        "rule_key": deadline.rule_key,
        "due_at": deadline.due_at.isoformat(),
        "overrun_seconds": int(overrun.total_seconds()),
        "step": step,
        "level": level,
    }
    record = StepRecord(subject=subject, action=action, data=data, message=None)
    if not notified:
        return record
    recipients = escalation_recipients(deadline, level)
    if not recipients:
        return record
    with translation.override(settings.LANGUAGE_CODE):
        names = {"kind": kind_label(deadline.kind), "subject": deadline.subject_repr}
        if step == 1:
            title = str(TITLE_BREACHED) % names
        else:
            title = str(TITLE_ESCALATED) % {
                **names,
                "level": level_label(level, kind=deadline.kind),
            }
        body = str(BODY) % {
            "due": timezone.localtime(deadline.due_at).strftime("%Y-%m-%d %H:%M"),
            "overrun": duration_text(overrun),
        }
        at_night = night(deadline)
        if at_night:
            # Issue 8 item 1: whoever is told at night knows it is a night breach.
            body = f"{body} {NIGHT_NOTE % {'time': at_night}}"
    record.message = {
        "recipients": recipients,
        "kind": action,
        "title": title,
        "body": body,
        "url": _subject_url(subject),
        "subject": subject,
        "data": data,
    }
    return record


def breach_record(deadline: Deadline, *, at: datetime, step: int, notified: bool = True) -> None:
    """Record that `deadline` took ladder step `step` (1 = the breach) at `at`, on its
    subject's timeline, and tell the people of the step's level (X-3). The assessment
    consumes "deadline.breached" with its overrun (CMP-9)."""
    record = _step_record(deadline, at=at, step=step, notified=notified)
    event_record(subject=record.subject, action=record.action, data=record.data)
    if record.message is not None:
        _notify(**record.message)


def _take_step(deadline: Deadline, now: datetime) -> bool:
    """Claim and take the next step of `deadline`; False when the row had moved on (another
    sweep took the step, or the deadline was met, paused or cancelled meanwhile)."""
    k = deadline.escalation_step
    next_at = deadline.step_at(k + 1)
    breached_at = deadline.breached_at or deadline.due_at
    with transaction.atomic():
        claimed = Deadline.objects.filter(
            pk=deadline.pk,
            escalation_step=k,
            state=deadline.state,
            next_escalation_at=deadline.next_escalation_at,
        ).update(
            escalation_step=k + 1,
            state=Deadline.State.BREACHED,
            breached_at=breached_at,
            next_escalation_at=next_at,
        )
        if not claimed:
            return False
        deadline.escalation_step = k + 1
        deadline.state = Deadline.State.BREACHED
        deadline.breached_at = breached_at
        deadline.next_escalation_at = next_at
        breach_record(deadline, at=now, step=k + 1)
    return True


def _advance(deadline: Deadline, now: datetime, result: SweepResult) -> None:
    """Take every step of `deadline` that is due at `now`, one transaction each."""
    while (
        deadline.state in ACTIVE
        and deadline.next_escalation_at is not None
        and deadline.next_escalation_at <= now
        and deadline.escalation_step < len(deadline.ladder)
    ):
        snapshot = (
            deadline.escalation_step,
            deadline.state,
            deadline.breached_at,
            deadline.next_escalation_at,
        )
        try:
            taken = _take_step(deadline, now)
        except Exception:
            # Rolled back: the step stays untaken and the next sweep tries it again.
            (
                deadline.escalation_step,
                deadline.state,
                deadline.breached_at,
                deadline.next_escalation_at,
            ) = snapshot
            logger.exception("deadline %s: step %s failed", deadline.pk, snapshot[0] + 1)
            result.counts["failed"] += 1
            return
        if not taken:
            result.counts["lost"] += 1
            return
        result.counts["breached" if deadline.escalation_step == 1 else "escalated"] += 1


class _NightHours:
    """The night hours of each company at each due time, read once per batch: the policy
    rules are looked up again only when a due time falls in another period of their
    versions (issue 9 item 5: a batch of 500 breaches is not 1,000 rule lookups)."""

    def __init__(self) -> None:
        self.changes: dict[tuple[str, int | None], list[datetime]] = {}
        self.hours: dict[tuple, tuple[int, int] | None] = {}

    def _changes(self, pack: str, company_id: int | None) -> list[datetime]:
        key = (pack, company_id)
        if key not in self.changes:
            points: list[datetime] = []
            for rule_key in (NIGHT_BEGINS, NIGHT_ENDS):
                try:
                    versions = rule_versions(rule_key, pack=pack, company=company_id)
                except RuleNotFound:
                    continue
                points.extend(versions.values_list("effective_from", flat=True))
            self.changes[key] = sorted(points)
        return self.changes[key]

    def __call__(self, deadline: Deadline, at: datetime) -> tuple[int, int] | None:
        company = deadline.company if deadline.company_id else None
        pack = (company.policy_pack if company is not None else "") or DEFAULT_PACK
        period = bisect_right(self._changes(pack, deadline.company_id), at)
        key = (pack, deadline.company_id, period)
        if key not in self.hours:
            self.hours[key] = _night_hours(deadline, at)
        return self.hours[key]

    def due(self, deadline: Deadline) -> str:
        return night_due(deadline, night_hours=self)


def _due_steps(deadline: Deadline, now: datetime) -> list[int]:
    """The ladder steps of `deadline` due at `now`, in order (as `_advance` takes them)."""
    steps: list[int] = []
    k, next_at = deadline.escalation_step, deadline.next_escalation_at
    while (
        deadline.state in ACTIVE
        and next_at is not None
        and next_at <= now
        and k < len(deadline.ladder)
    ):
        k += 1
        steps.append(k)
        next_at = deadline.step_at(k)
    return steps


def _claim_batch(
    now: datetime, cursor: tuple[datetime | None, int] | None, batch_size: int
) -> list[Deadline]:
    """The next due deadlines after `cursor`, locked for this transaction; rows another sweep
    (or a request) holds are skipped: that sweep takes them (PostgreSQL; SQLite's
    IMMEDIATE transaction holds the whole database instead).

    The ids are claimed first, alone, and the rows with their owner, company, calendar and
    unit read after by primary key: sorting only (due time, id) pairs, not every due row
    joined to four tables, before the LIMIT (issue 9 item 5: 10,000 due rows made each
    claim sort 7 MB on disk)."""
    due = Deadline.objects.filter(next_escalation_at__lte=now, state__in=ACTIVE)
    if cursor is not None:
        due = due.filter(
            Q(next_escalation_at__gt=cursor[0]) | Q(next_escalation_at=cursor[0], pk__gt=cursor[1])
        )
    claimed = list(
        due.select_for_update(skip_locked=True)
        .order_by("next_escalation_at", "pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    if not claimed:
        return []
    batch = list(Deadline.objects.filter(pk__in=claimed).order_by("next_escalation_at", "pk"))
    _related_attach(batch)
    return batch


# What a step reads of each deadline besides the row: who owns it, its company's
# policy pack and calendar (night hours), its unit (the owning role's scope).
_STEP_RELATED = ("owner", "company", "calendar", "unit")


def _related_attach(batch: list[Deadline]) -> None:
    """Give the deadlines of `batch` their `_STEP_RELATED` objects, each distinct one read
    once for the batch and shared (a batch of 500 has a handful of companies, calendars and
    owners: `select_related` built one instance per deadline and relation)."""
    for name in _STEP_RELATED:
        field = cast(models.ForeignKey, Deadline._meta.get_field(name))
        ids = {getattr(d, field.attname) for d in batch} - {None}
        related = field.related_model._base_manager.in_bulk(ids) if ids else {}
        for deadline in batch:
            value = getattr(deadline, field.attname)
            field.set_cached_value(deadline, related.get(value) if value is not None else None)


def _take_batch(batch: list[Deadline], now: datetime, result: SweepResult) -> list[Deadline]:
    """Take every due step of the locked deadlines of `batch` in the caller's transaction:
    the steps' events recorded per chain and action with one head lock each, their
    notifications written in bulk, and the deadlines moved with one UPDATE. A deadline whose
    step cannot be worked out (a failing resolver) is left as it was and counted failed.
    Returns the deadlines that failed so."""
    prefetch_related_objects(batch, "subject")
    night = _NightHours()
    records: list[StepRecord] = []
    moved: list[Deadline] = []
    failed: list[Deadline] = []
    counts = {"breached": 0, "escalated": 0}
    for deadline in batch:
        steps = _due_steps(deadline, now)
        if not steps:
            continue
        snapshot = (
            deadline.escalation_step,
            deadline.state,
            deadline.breached_at,
            deadline.next_escalation_at,
        )
        taken: list[StepRecord] = []
        try:
            for step in steps:
                deadline.escalation_step = step
                deadline.state = Deadline.State.BREACHED
                deadline.breached_at = deadline.breached_at or deadline.due_at
                deadline.next_escalation_at = deadline.step_at(step)
                taken.append(_step_record(deadline, at=now, step=step, night=night.due))
        except DatabaseError:
            raise  # the transaction is broken: the caller falls back to one step at a time
        except Exception:
            (
                deadline.escalation_step,
                deadline.state,
                deadline.breached_at,
                deadline.next_escalation_at,
            ) = snapshot
            logger.exception("deadline %s: step %s failed", deadline.pk, snapshot[0] + 1)
            failed.append(deadline)
            continue
        records.extend(taken)
        moved.append(deadline)
        counts["breached"] += steps[0] == 1
        counts["escalated"] += len(steps) - (steps[0] == 1)
    if moved:
        _record_events(records)
        messages = [r.message for r in records if r.message is not None]
        if messages:
            _notify_many(messages)
        _move(moved)
    for name, count in counts.items():
        result.counts[name] += count
    result.counts["failed"] += len(failed)
    return failed


def _move(deadlines: list[Deadline]) -> None:
    """Write the deadlines' new step, breach time and next step time with one UPDATE joined
    to the new values (`bulk_update`'s CASE per row costs seconds per thousand rows in
    Python). On PostgreSQL the values go as one JSON parameter (`json_to_recordset`), which
    is encoded in C where four parameters per row are quoted one by one in Python (issue 9
    item 5); elsewhere as a VALUES list per chunk. Every moved deadline is BREACHED."""
    table = connection.ops.quote_name(Deadline._meta.db_table)
    state = Deadline.State.BREACHED.value
    if connection.vendor == "postgresql":
        moved = [
            [
                deadline.pk,
                deadline.escalation_step,
                _iso(deadline.breached_at),
                _iso(deadline.next_escalation_at),
            ]
            for deadline in deadlines
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH moved AS (SELECT (m->>0)::bigint AS id, (m->>1)::integer AS step, "
                "(m->>2)::timestamptz AS breached_at, (m->>3)::timestamptz AS next_at "
                "FROM json_array_elements(%s::json) AS m) "
                f"UPDATE {table} SET escalation_step = moved.step, "
                "breached_at = moved.breached_at, next_escalation_at = moved.next_at, "
                f"state = %s FROM moved WHERE {table}.id = moved.id",
                [json.dumps(moved), state],
            )
        return
    step_field, breached_field, next_field = (
        cast(models.Field, Deadline._meta.get_field(name))
        for name in ("escalation_step", "breached_at", "next_escalation_at")
    )
    chunk = max(1, (connection.features.max_query_params or 4000) // 4 - 1)
    for start in range(0, len(deadlines), chunk):
        part = deadlines[start : start + chunk]
        params: list[Any] = []
        for deadline in part:
            params += [
                deadline.pk,
                step_field.get_db_prep_value(deadline.escalation_step, connection),
                breached_field.get_db_prep_value(deadline.breached_at, connection),
                next_field.get_db_prep_value(deadline.next_escalation_at, connection),
            ]
        params.append(state)
        values = ", ".join(["(%s, %s, %s, %s)"] * len(part))
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH moved (id, step, breached_at, next_at) AS (VALUES {values}) "
                f"UPDATE {table} SET escalation_step = moved.step, "
                "breached_at = moved.breached_at, next_escalation_at = moved.next_at, "
                f"state = %s FROM moved WHERE {table}.id = moved.id",
                params,
            )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _record_events(records: list[StepRecord]) -> None:
    """The steps' events, the same `event_record` writes one by one, appended with one head
    lock per chain and action (`events_record`): breaches first, then escalations, each in
    the order of the sweep, so a deadline's steps read in order on its subject."""
    groups: dict[tuple[str, int | None], list[tuple[models.Model, dict]]] = {}
    seen: set[int] = set()
    for record in records:
        key = (record.action, subject_company_id(record.subject))
        subject = record.subject
        if id(subject) in seen:
            # One subject may carry several events of a batch, each with its own data: the
            # data is looked up by the object, so each event gets its own copy.
            subject = copy.copy(subject)
        seen.add(id(subject))
        groups.setdefault(key, []).append((subject, record.data))
    # A stable sort: breaches first, each group in the order of the sweep.
    for (action, company_id), items in sorted(
        groups.items(), key=lambda group: group[0][0] != DeadlineEvent.BREACHED
    ):
        data = {id(subject): payload for subject, payload in items}
        events_record(
            subjects=[subject for subject, _payload in items],
            action=action,
            company=company_id,
            data_for=partial(_payload_of, data),
        )


def _payload_of(data: dict[int, dict], subject: models.Model) -> dict:
    return data[id(subject)]


def _notify_many(messages: list[dict]) -> None:
    from pinzhi.notify.batch import Message, notify_many

    notify_many(Message(**message) for message in messages)


def sweep(now: datetime | None = None, *, batch_size: int = BATCH_SIZE) -> SweepResult:
    """Move every deadline whose next ladder step is due at `now` up its ladder, exactly
    once per step (DESIGN mechanism 2, X-3). Safe to run concurrently and to re-run.

    Issue 9 item 5: deadlines are claimed `batch_size` at a time (SELECT … FOR UPDATE SKIP
    LOCKED, so concurrent sweeps share the work without waiting) and each batch is taken in
    one transaction with bulk writes. A batch whose writes fail is rolled back and taken
    again one step per transaction (`_advance`), so one bad step delays only itself."""
    now = now or clock.now()
    result = SweepResult()
    cursor: tuple[datetime | None, int] | None = None
    while True:
        batch: list[Deadline] = []
        failed: set[int] = set()
        try:
            with transaction.atomic():
                batch = _claim_batch(now, cursor, batch_size)
                if not batch:
                    return result
                cursor = (batch[-1].next_escalation_at, batch[-1].pk)
                failed = {d.pk for d in _take_batch(batch, now, result)}
        except Exception:
            if not batch:
                raise
            logger.exception(
                "sweep batch of %s deadlines failed; taking it step by step", len(batch)
            )
            _advance_each([d.pk for d in batch if d.pk not in failed], now, result)


def _advance_each(pks: list[int], now: datetime, result: SweepResult) -> None:
    """The fallback: each deadline's steps one transaction at a time, claimed with the
    conditional UPDATE of `_take_step`."""
    deadlines = list(
        Deadline.objects.filter(pk__in=pks)
        .select_related("owner")
        .order_by("next_escalation_at", "pk")
    )
    prefetch_related_objects(deadlines, "subject")
    for deadline in deadlines:
        _advance(deadline, now, result)


def sweep_one_by_one(now: datetime | None = None, *, batch_size: int = BATCH_SIZE) -> SweepResult:
    """The sweep as it was before issue 9: every step in its own transaction, claimed with
    a conditional UPDATE. Kept as the fallback of a failed batch and as the reference the
    tests compare the batched sweep with."""
    now = now or clock.now()
    result = SweepResult()
    cursor: tuple[datetime | None, int] | None = None
    while True:
        due = Deadline.objects.filter(next_escalation_at__lte=now, state__in=ACTIVE)
        if cursor is not None:
            due = due.filter(
                Q(next_escalation_at__gt=cursor[0])
                | Q(next_escalation_at=cursor[0], pk__gt=cursor[1])
            )
        batch = list(due.select_related("owner").order_by("next_escalation_at", "pk")[:batch_size])
        if not batch:
            return result
        cursor = (batch[-1].next_escalation_at, batch[-1].pk)
        prefetch_related_objects(batch, "subject")
        for deadline in batch:
            _advance(deadline, now, result)
