"""X-3: retry sweeps running at the same time on PostgreSQL, each thread with its own
database connection, send every due attempt exactly once between them."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection

from pinzhi.lib.clock import now
from pinzhi.notify import services
from pinzhi.notify.models import Delivery
from pinzhi.notify.services import notify

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent writers (CI runs it)"
    ),
]


def test_concurrent_sweeps_send_each_attempt_once(person_with, gateway, endpoint_for):
    server = gateway()
    endpoint_for(server)
    people = [person_with("complaint_handler") for _ in range(40)]
    notify(recipients=people, kind="deadline.breached", title="t")
    Delivery.objects.filter(status=Delivery.Status.PENDING).update(
        next_attempt_at=now() - timedelta(minutes=1)
    )
    barrier = threading.Barrier(3)
    errors = []

    def worker():
        try:
            barrier.wait()
            services.deliveries_retry_due()
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    sent = Counter(request.headers["X-Pinzhi-Delivery"] for request in server.requests)
    assert len(sent) == 40
    assert set(sent.values()) == {1}
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 40
