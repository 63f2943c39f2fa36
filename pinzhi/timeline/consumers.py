"""Consumers of the timeline (issue 7, item 5): the points ledger, reports and the next
capabilities follow complaints and inspections by reading their events after a cursor,
never by polling their tables.

    def ledger_apply(events: list[Event]) -> None:
        for event in events:
            ...  # event.data is the documented payload of event.action

    events_consume(consumer="points", kinds=[ComplaintEvent.VERIFIED], handler=ledger_apply)

Each call takes the next batch, claims it with one conditional UPDATE of the consumer's
cursor and runs the handler in the same transaction: the cursor's advance and the
handler's writes commit together (exactly once), a handler exception rolls both back (the
batch is offered again), and of two workers racing for the same consumer only one gets
the batch. Positions are kept per chain (`seq`, gap-free within a chain): an event is
numbered when it is linked, after its transaction committed, so a chain's events are
read in `seq` order (their commit order), never in id order (a transaction may commit a
lower id after a higher one was read). Unlinked events are not read until linked.
"""

from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import F, Q, QuerySet

from pinzhi.lib.clock import now
from pinzhi.timeline.models import Event, EventCursor


def events_pending(
    *, positions: dict[str, int], kinds: Iterable[str] | None = None
) -> QuerySet[Event]:
    """The linked events after `positions` (chain → last seq consumed), of `kinds` if
    given, in chain order (chain, then seq: a batch cut anywhere holds a gap-free start of
    each chain's pending events). A chain not in `positions` is read from its start."""
    after = Q(~Q(chain__in=list(positions)))
    for chain, seq in positions.items():
        after |= Q(chain=chain, seq__gt=seq)
    events = Event.objects.filter(after, seq__isnull=False)
    if kinds is not None:
        events = events.filter(action__in=[str(kind) for kind in kinds])
    return events.order_by("chain", "seq")


def cursor_claim(*, name: str, claims: int, positions: dict[str, int]) -> bool:
    """Move consumer `name`'s cursor to `positions` if nobody has claimed a batch since it
    was read with `claims` batches: one conditional UPDATE, so a stale claim changes
    nothing and returns False."""
    return bool(
        EventCursor.objects.filter(name=name, claims=claims).update(
            positions=positions, claims=F("claims") + 1, updated_at=now()
        )
    )


def events_consume(
    *,
    consumer: str,
    handler: Callable[[list[Event]], None],
    kinds: Iterable[str] | None = None,
    batch: int = 100,
) -> int:
    """Hand the next `batch` events (of `kinds`, if given) after `consumer`'s cursor to
    `handler`, exactly once (issue 7, item 5). Returns how many were handed over: 0 when
    there is nothing new or another worker claimed the batch first.

    The claim and the handler run in one transaction: if the handler raises, its writes
    and the cursor's advance are rolled back together and the exception propagates."""
    kinds = None if kinds is None else [str(kind) for kind in kinds]
    with transaction.atomic():
        cursor, _created = EventCursor.objects.get_or_create(name=consumer)
        positions = {str(chain): int(seq) for chain, seq in cursor.positions.items()}
        events = list(events_pending(positions=positions, kinds=kinds)[:batch])
        if not events:
            return 0
        advanced = dict(positions)
        for event in events:
            advanced[event.chain] = max(advanced.get(event.chain, 0), event.seq or 0)
        if not cursor_claim(name=consumer, claims=cursor.claims, positions=advanced):
            return 0
        handler(events)
    return len(events)
