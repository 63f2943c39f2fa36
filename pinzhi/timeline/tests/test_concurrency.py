import threading

import pytest
from django.db import connection, connections, transaction

from pinzhi.timeline.models import Event
from pinzhi.timeline.services import event_record
from pinzhi.timeline.verify import timeline_check

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"
)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_do_not_fork_the_chain(company):
    """X-1: transactions appending at the same time queue on the chain head; the chain
    stays one line with no gaps."""
    before = Event.objects.count()
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
    seqs = list(Event.objects.order_by("seq").values_list("seq", flat=True))
    assert len(seqs) == before + 80
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert timeline_check().ok
