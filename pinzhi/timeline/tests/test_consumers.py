"""Issue 7 item 5: a consumer reads events after its cursor and claims each batch with a
conditional UPDATE, exactly once, restart-safe, per chain."""

import threading

import pytest
from django.db import connection, connections

from pinzhi.orgs.events import OrgEvent
from pinzhi.orgs.tests.factories import CompanyFactory, UnitFactory
from pinzhi.timeline.consumers import cursor_claim, events_consume
from pinzhi.timeline.models import Event, EventCursor, chain_key
from pinzhi.timeline.services import event_record

pytestmark = pytest.mark.django_db


class Collector:
    def __init__(self):
        self.seen: list[int] = []

    def __call__(self, events):
        self.seen.extend(event.pk for event in events)


def record(subject, n=1, action=OrgEvent.UNIT_UPDATED):
    return [event_record(subject=subject, action=action) for _ in range(n)]


def test_it_hands_each_event_to_the_handler_exactly_once(unit):
    """Issue 7 item 5: a second run finds nothing new; new events come in the next one."""
    events = record(unit, 3)
    collect = Collector()
    assert events_consume(consumer="ledger", handler=collect) == len(collect.seen)
    assert {e.pk for e in events} <= set(collect.seen)
    assert events_consume(consumer="ledger", handler=collect) == 0
    later = record(unit)
    assert events_consume(consumer="ledger", handler=collect) == 1
    assert collect.seen[-1] == later[0].pk
    assert len(collect.seen) == len(set(collect.seen))


def test_it_takes_at_most_a_batch_and_resumes_after_a_restart(unit):
    """Issue 7 item 5: the place is kept in the database, so a new process (a restart)
    continues after the last batch, in id order."""
    record(unit, 5)
    everything = list(Event.objects.order_by("id").values_list("pk", flat=True))
    first = Collector()
    assert events_consume(consumer="report", handler=first, batch=2) == 2
    assert first.seen == everything[:2]
    # A restart: nothing of the first run but the cursor row is left.
    again = Collector()
    while events_consume(consumer="report", handler=again, batch=2):
        pass
    assert first.seen + again.seen == everything


def test_a_handler_failure_rolls_back_its_writes_and_the_cursor(unit, company):
    """Issue 7 item 5: the handler's writes and the cursor's advance commit together; when
    the handler raises, neither is kept and the batch is offered again."""
    record(unit, 2)

    def failing(events):
        UnitFactory(company=company, code="WRITTEN", name="写入")
        raise RuntimeError("ledger down")

    with pytest.raises(RuntimeError):
        events_consume(consumer="ledger", handler=failing)
    assert not company.units.filter(code="WRITTEN").exists()
    assert not EventCursor.objects.filter(name="ledger", claims__gt=0).exists()
    collect = Collector()
    assert events_consume(consumer="ledger", handler=collect) == len(collect.seen) > 0


def test_it_reads_only_the_kinds_asked_for(unit):
    """Issue 7 item 5: a consumer of `unit.created` never sees other events, and is not
    held back by them."""
    record(unit, 2, action=OrgEvent.UNIT_UPDATED)
    wanted = record(unit, 1, action=OrgEvent.UNIT_CREATED)
    collect = Collector()
    events_consume(consumer="units", kinds=[OrgEvent.UNIT_CREATED], handler=collect)
    kinds = set(Event.objects.filter(pk__in=collect.seen).values_list("action", flat=True))
    assert kinds == {"unit.created"} and wanted[0].pk in collect.seen
    assert events_consume(consumer="units", kinds=["unit.created"], handler=collect) == 0


def test_consumers_keep_separate_cursors(unit):
    record(unit, 2)
    one, two = Collector(), Collector()
    events_consume(consumer="one", handler=one)
    events_consume(consumer="two", handler=two)
    assert one.seen == two.seen != []


def test_it_follows_every_chain_and_finds_an_event_committed_late(unit):
    """Issue 7 item 5: positions are per chain (gap-free `seq`), so an event of another
    company whose lower id committed after higher ids were read is still consumed."""
    other = CompanyFactory(name="乙物业有限公司")
    record(unit, 2)
    record(other, 2)
    collect = Collector()
    events_consume(consumer="ledger", handler=collect)
    cursor = EventCursor.objects.get(name="ledger")
    assert cursor.positions[chain_key(unit.company_id)] >= 2
    assert cursor.positions[chain_key(other.pk)] >= 1
    # A third company's transaction took an id before the others' but committed after
    # the batch was read: its id is lower than every id consumed.
    third = CompanyFactory(name="丙物业有限公司")
    late = record(third)[0]
    lowest = Event.objects.order_by("id").values_list("id", flat=True).first()
    Event.objects.filter(pk=late.pk).update(id=lowest - 1000)
    events_consume(consumer="ledger", handler=collect)
    assert lowest - 1000 in collect.seen


def test_a_stale_claim_is_refused(unit):
    """Issue 7 item 5: the claim is one UPDATE conditioned on the count of batches read;
    a worker that read the cursor before another claimed a batch changes nothing."""
    record(unit, 2)
    EventCursor.objects.create(name="ledger")
    assert cursor_claim(name="ledger", claims=0, positions={"x": 1})
    assert not cursor_claim(name="ledger", claims=0, positions={"x": 9})
    cursor = EventCursor.objects.get(name="ledger")
    assert (cursor.claims, cursor.positions) == (1, {"x": 1})


def test_a_worker_that_loses_the_claim_gets_nothing(unit, monkeypatch):
    """Issue 7 item 5: two workers race; the one whose claim is stale hands nothing to its
    handler and returns 0."""
    from pinzhi.timeline import consumers

    record(unit, 2)
    winner = Collector()
    real_claim = consumers.cursor_claim

    def claim_after_a_rival(**kwargs):
        # The rival claims the same batch between this worker's read and its claim.
        real_claim(name=kwargs["name"], claims=kwargs["claims"], positions=kwargs["positions"])
        winner.seen.append("rival")
        return real_claim(**kwargs)

    monkeypatch.setattr(consumers, "cursor_claim", claim_after_a_rival)
    loser = Collector()
    assert events_consume(consumer="ledger", handler=loser) == 0
    assert loser.seen == [] and winner.seen == ["rival"]


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"
)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_consume_each_event_exactly_once(company):
    """Issue 7 item 5: four workers consume one cursor at once; every event is handled by
    exactly one of them."""
    for _ in range(60):
        event_record(subject=company, action=OrgEvent.COMPANY_UPDATED)
    expected = set(Event.objects.values_list("pk", flat=True))
    seen: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def handler(events):
        with lock:
            seen.extend(e.pk for e in events)

    def work():
        try:
            start.wait()
            idle = 0
            while idle < 5:
                idle = 0 if events_consume(consumer="race", handler=handler, batch=7) else idle + 1
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(seen) == sorted(expected)
