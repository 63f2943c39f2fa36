import threading

import pytest
from django.db import connection, connections, transaction

from pinzhi.orgs.tests.factories import CompanyFactory
from pinzhi.timeline.models import Event, chain_key
from pinzhi.timeline.services import event_record
from pinzhi.timeline.verify import timeline_check

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"
)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_do_not_fork_the_chain(company):
    """X-1: transactions appending to one company's chain at the same time queue on its
    head; the chain stays one line with no gaps."""
    events = Event.objects.filter(chain=chain_key(company.pk))
    before = events.count()
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def append(n: int) -> None:
        try:
            start.wait()
            for i in range(10):
                with transaction.atomic():
                    event_record(subject=company, action="company.touched", data={"n": n, "i": i})
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
    seqs = list(events.order_by("seq").values_list("seq", flat=True))
    assert len(seqs) == before + 80
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert timeline_check().ok


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_an_open_transaction_holds_no_chain_head(company):
    """Issue 7 item 7 and issue 9 item 2: while a transaction of company A that recorded an
    event is still open (a long import), company B and other writers of A record and link
    their events at once: the head is only locked by the short linking transaction after
    a commit. The import's event is linked after its own commit, after theirs."""
    other = CompanyFactory(name="乙物业有限公司")
    holding = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def long_import() -> None:
        try:
            with transaction.atomic():
                event_record(subject=company, action="company.imported", data={"row": 1})
                holding.set()
                release.wait(timeout=30)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
            holding.set()
        finally:
            connections.close_all()

    def record(subject) -> Event:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = 2000")
            return event_record(subject=subject, action="company.touched")

    thread = threading.Thread(target=long_import)
    thread.start()
    try:
        assert holding.wait(timeout=30)
        for _ in range(5):
            record(other)  # B does not wait for A's open transaction
        mine = [record(company) for _ in range(3)]  # nor does A's next writer
        assert all(event.seq is not None for event in mine)
    finally:
        release.set()
        thread.join()
    assert errors == []
    assert Event.objects.filter(chain=chain_key(other.pk), action="company.touched").count() == 5
    imported = Event.objects.get(action="company.imported")
    assert imported.seq == max(event.seq for event in mine) + 1
    assert imported.pk < min(event.pk for event in mine)
    assert timeline_check().ok
