"""A lock on a name, held until the transaction ends (issue 9 item 2)."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from pinzhi.lib.locks import name_lock


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_lock_outside_a_transaction():
    """Issue 9 item 2: a name lock lasts until the transaction ends, so it needs one."""
    with pytest.raises(RuntimeError):
        name_lock("api.idempotency:1:k")


def test_it_locks_a_name_inside_a_transaction(db):
    with transaction.atomic():
        name_lock("api.idempotency:1:k")
        name_lock("api.idempotency:1:k")  # the holder may take it again


@pytest.mark.django_db(transaction=True)
def test_it_makes_a_second_holder_of_the_same_name_wait_and_no_other():
    """Issue 9 item 2: two writes with the same Idempotency-Key wait for each other; a
    write with another key does not wait (PostgreSQL's advisory locks)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time anyway")
    held, release, waited = threading.Event(), threading.Event(), {}

    def holder():
        with transaction.atomic():
            name_lock("same")
            held.set()
            release.wait(5)
        connections.close_all()

    def taker(name):
        started = time.monotonic()
        with transaction.atomic():
            name_lock(name)
        waited[name] = time.monotonic() - started
        connections.close_all()

    first = threading.Thread(target=holder)
    first.start()
    held.wait(5)
    other = threading.Thread(target=taker, args=("other",))
    same = threading.Thread(target=taker, args=("same",))
    other.start()
    other.join(5)
    same.start()
    time.sleep(0.3)
    assert "other" in waited and "same" not in waited
    release.set()
    same.join(5)
    first.join(5)
    assert "same" in waited
