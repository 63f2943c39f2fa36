"""Issue 9 item 2: events are inserted unlinked by their transaction and linked into their
chain right after it commits, in a short transaction of their own; a sweep links what a
killed process left; consumers only read linked events, in chain order."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from pinzhi.lib.clock import now
from pinzhi.orgs.events import OrgEvent
from pinzhi.timeline import services
from pinzhi.timeline.consumers import events_consume
from pinzhi.timeline.models import ChainHead, Event, chain_key
from pinzhi.timeline.services import (
    event_record,
    events_link_pending,
    events_record,
    verification_record,
)
from pinzhi.timeline.verify import UNLINKED, UNLINKED_GRACE, timeline_check

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"
)


def chain_seqs(company) -> list[int]:
    return list(
        Event.objects.filter(chain=chain_key(company.pk))
        .order_by("seq")
        .values_list("seq", flat=True)
    )


@pytest.fixture
def killed_linker(monkeypatch):
    """The process dies between its transaction's commit and the link that follows."""
    monkeypatch.setattr(services._LinkAfterCommit, "__call__", lambda self: None)


@pytest.mark.django_db(transaction=True)
def test_it_links_the_events_of_a_transaction_once_it_commits(company):
    """Issue 9 item 2: inside the transaction the events are unlinked (no number, no hash);
    after the commit they are numbered after the head, hashed, and the head moved."""
    head_before = ChainHead.objects.filter(chain=chain_key(company.pk)).first()
    start = head_before.seq if head_before else 0
    with transaction.atomic():
        events = [event_record(subject=company, action=OrgEvent.COMPANY_UPDATED) for _ in range(3)]
        stored = Event.objects.filter(pk__in=[e.pk for e in events])
        assert set(stored.values_list("seq", "hash")) == {(None, "")}
    assert [e.seq for e in events] == [start + 1, start + 2, start + 3]
    head = ChainHead.objects.get(chain=chain_key(company.pk))
    assert (head.seq, head.hash) == (events[-1].seq, events[-1].hash)
    assert events[1].prev_hash == events[0].hash
    assert timeline_check().ok


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_nothing_to_link(company):
    """Issue 9 item 2: the events of a transaction that rolls back are never linked, and
    the chain stays gapless."""
    event_record(subject=company, action=OrgEvent.COMPANY_UPDATED)
    with pytest.raises(RuntimeError), transaction.atomic():
        event_record(subject=company, action=OrgEvent.COMPANY_UPDATED)
        raise RuntimeError("rolled back")
    event_record(subject=company, action=OrgEvent.COMPANY_UPDATED)
    seqs = chain_seqs(company)
    assert seqs == list(range(1, len(seqs) + 1))
    assert not Event.objects.filter(seq__isnull=True).exists()
    assert timeline_check().ok


@pytest.mark.django_db(transaction=True)
def test_a_killed_linkers_events_are_linked_by_the_sweep(company, killed_linker, monkeypatch):
    """Issue 9 item 2: events committed but left unlinked (the process was killed after
    its commit) are not shown to consumers and not yet a finding; after the grace period
    the verifier names them; the periodic sweep links them, gapless, and consumers then
    get each once, in chain order."""
    seen: list[Event] = []
    events_consume(consumer="ledger", handler=seen.extend)
    seen.clear()
    for _ in range(3):
        event_record(subject=company, action=OrgEvent.COMPANY_UPDATED)
    assert Event.objects.filter(seq__isnull=True).count() == 3
    assert events_consume(consumer="ledger", handler=seen.extend) == 0
    assert timeline_check().ok  # within the grace period: being linked
    with time_machine.travel(now() + UNLINKED_GRACE + timedelta(seconds=1), tick=False):
        findings = timeline_check().findings
    assert [f.kind for f in findings] == [UNLINKED] * 3
    monkeypatch.undo()
    assert events_link_pending() == 3
    assert not Event.objects.filter(seq__isnull=True).exists()
    seqs = chain_seqs(company)
    assert seqs == list(range(1, len(seqs) + 1))
    assert timeline_check().ok
    assert events_consume(consumer="ledger", handler=seen.extend) == 3
    assert [e.seq for e in seen] == seqs[-3:]
    assert events_consume(consumer="ledger", handler=seen.extend) == 0


@pytest.mark.django_db(transaction=True)
def test_the_recorded_verification_reports_then_links_leftovers(company, killed_linker):
    """Issue 9 item 2: `verify-timeline` (a recorded run) reports events left unlinked
    past the grace period, then links them, so the next run is intact."""
    event_record(subject=company, action=OrgEvent.COMPANY_UPDATED)
    with time_machine.travel(now() + UNLINKED_GRACE + timedelta(minutes=1), tick=False):
        result, _run = verification_record()
    assert [f.code for f in result.findings] == ["unlinked"]
    assert not Event.objects.filter(seq__isnull=True).exists()
    assert verification_record()[0].ok


def test_a_batch_of_events_costs_one_insert_and_one_head_lock(company):
    """Issue 9 item 3: appending k events of one transaction (`events_record`) is one bulk
    INSERT and one lock of the chain's head, whatever k."""
    event_record(subject=company, action=OrgEvent.COMPANY_UPDATED)  # the head exists
    subjects = [company] * 40
    with CaptureQueriesContext(connection) as queries:
        assert (
            events_record(subjects=subjects, action=OrgEvent.COMPANY_UPDATED, company=company) == 40
        )
    sql = [q["sql"] for q in queries.captured_queries]
    inserts = [s for s in sql if s.startswith('INSERT INTO "timeline_event"')]
    heads = [s for s in sql if 'FROM "timeline_chainhead"' in s]
    assert len(inserts) == 1
    assert len(heads) == 1
    seqs = chain_seqs(company)
    assert seqs == list(range(1, len(seqs) + 1))
    assert timeline_check().ok


@pytest.mark.django_db(transaction=True)
def test_events_of_one_transaction_are_linked_by_one_linker(company):
    """Issue 9 item 2: however many events a transaction records in one chain, one
    linking callback follows its commit, and gives each of them its number."""
    with transaction.atomic():
        events = [event_record(subject=company, action=OrgEvent.COMPANY_UPDATED) for _ in range(3)]
        callbacks = [
            func
            for _sids, func, _robust in connection.run_on_commit
            if isinstance(func, services._LinkAfterCommit)
        ]
    assert len(callbacks) == 1
    assert callbacks[0].events == events
    assert [e.seq for e in events] == [events[0].seq, events[0].seq + 1, events[0].seq + 2]


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_transactions_with_work_inside_give_a_gapless_verified_chain(company):
    """Issue 9 item 2: eight threads append events in transactions that do other work
    while open; transactions commit in another order than their ids were taken, and the
    chain is gapless, in commit order, and verifies."""
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def append(n: int) -> None:
        try:
            start.wait()
            for i in range(8):
                with transaction.atomic():
                    event_record(subject=company, action=OrgEvent.COMPANY_UPDATED, data={})
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_sleep(%s)", [0.002 * ((n + i) % 4)])
                    event_record(subject=company, action=OrgEvent.COMPANY_UPDATED, data={})
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert not Event.objects.filter(seq__isnull=True).exists()
    seqs = chain_seqs(company)
    assert len(seqs) >= 128 and seqs == list(range(1, len(seqs) + 1))
    head = ChainHead.objects.get(chain=chain_key(company.pk))
    assert head.seq == seqs[-1]
    assert timeline_check().ok


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_consumers_see_each_event_once_in_chain_order_while_events_are_appended(company):
    """Issue 9 item 2: a consumer running while four threads append sees every event
    exactly once, each chain in seq order, never an unlinked one."""
    stop = threading.Event()
    start = threading.Barrier(5)
    errors: list[BaseException] = []
    seen: list[Event] = []

    def append() -> None:
        try:
            start.wait()
            for _ in range(15):
                with transaction.atomic():
                    event_record(subject=company, action=OrgEvent.COMPANY_UPDATED)
                    event_record(subject=company, action=OrgEvent.COMPANY_UPDATED)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    def consume() -> None:
        try:
            start.wait()
            while not stop.is_set():
                events_consume(consumer="ledger", handler=seen.extend, batch=7)
            while events_consume(consumer="ledger", handler=seen.extend, batch=7):
                pass
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    appenders = [threading.Thread(target=append) for _ in range(4)]
    consumer = threading.Thread(target=consume)
    for thread in [*appenders, consumer]:
        thread.start()
    for thread in appenders:
        thread.join()
    stop.set()
    consumer.join()
    assert errors == []
    assert all(e.seq is not None for e in seen)
    assert len({e.pk for e in seen}) == len(seen)
    assert {e.pk for e in seen} == set(Event.objects.values_list("pk", flat=True))
    mine = [e.seq for e in seen if e.chain == chain_key(company.pk)]
    assert mine == sorted(mine) == list(range(1, len(mine) + 1))
