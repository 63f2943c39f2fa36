"""The sweep (DESIGN mechanism 2): run by the clock every minute, it moves each deadline
whose next step is due one step up its ladder — the first step is the breach — exactly
once per step however many sweeps run at the same time and however often one crashes.

Each step is claimed with a conditional UPDATE

    UPDATE deadline SET escalation_step = k + 1, … WHERE id = ? AND escalation_step = k
                                                   AND state = ? AND next_escalation_at = ?

in its own short transaction together with its timeline event and its notifications: a
second sweep finds the row already moved and leaves it, and a crash rolls back only the
step in flight, which the next sweep takes again. Deadlines are read in batches by the
partial index on (next_escalation_at, id), so 100,000 open deadlines that are not due cost
one empty range query.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q, prefetch_related_objects
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from pinzhi.deadlines.display import duration_text, kind_label, level_label, night_due
from pinzhi.deadlines.escalation import escalation_recipients
from pinzhi.deadlines.events import DeadlineEvent
from pinzhi.deadlines.models import Deadline
from pinzhi.lib import clock
from pinzhi.timeline.services import event_record

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


def breach_record(deadline: Deadline, *, at: datetime, step: int, notified: bool = True) -> None:
    """Record that `deadline` took ladder step `step` (1 = the breach) at `at`, on its
    subject's timeline, and tell the people of the step's level (X-3). The assessment
    consumes "deadline.breached" with its overrun (CMP-9)."""
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
    event_record(subject=subject, action=action, data=data)
    if not notified:
        return
    recipients = escalation_recipients(deadline, level)
    if not recipients:
        return
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
        night = night_due(deadline)
        if night:
            # Issue 8 item 1: whoever is told at night knows it is a night breach.
            body = f"{body} {NIGHT_NOTE % {'time': night}}"
    _notify(
        recipients=recipients,
        kind=action,
        title=title,
        body=body,
        url=_subject_url(subject),
        subject=subject,
        data=data,
    )


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


def sweep(now: datetime | None = None, *, batch_size: int = BATCH_SIZE) -> SweepResult:
    """Move every deadline whose next ladder step is due at `now` up its ladder, exactly
    once per step (DESIGN mechanism 2, X-3). Safe to run concurrently and to re-run."""
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
