"""DESIGN mechanism 2: sweeps running at the same time on PostgreSQL, each thread with its
own database connection, take every step exactly once between them."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection

from pinzhi.deadlines.services import deadline_open
from pinzhi.deadlines.sweep import sweep
from pinzhi.deadlines.tests.conftest import minutes
from pinzhi.lib.clock import now
from pinzhi.notify.models import Notification
from pinzhi.orgs.tests.factories import UnitFactory
from pinzhi.timeline.models import Event
from pinzhi.timeline.verify import timeline_check

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks (CI runs it)"
    ),
]

LADDER = [
    {"after": 0, "level": "department_head"},
    {"after": 600, "level": "group_leader"},
    {"after": 3600, "level": "chairman"},
]


def run_concurrently(count: int, at, batch_sizes):
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def worker(index):
        try:
            barrier.wait()
            results[index] = sweep(at, batch_size=batch_sizes[index])
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_concurrent_sweeps_take_each_step_exactly_once(clock, company, person_with, resolvers):
    people = {
        level: person_with("leadership", username=level)
        for level in ("department_head", "group_leader", "chairman")
    }
    resolvers("complaint", lambda deadline, level: [people[level]])
    deadlines = [
        deadline_open(
            subject=UnitFactory(company=company),
            kind="complaint.first_contact",
            duration=minutes(30) + timedelta(seconds=n),
            ladder=LADDER,
        )
        for n in range(120)
    ]
    clock.shift(timedelta(hours=2))

    results = run_concurrently(3, now(), batch_sizes=[7, 50, 500])

    steps = Counter(
        (e.data["deadline_id"], e.data["step"])
        for e in Event.objects.filter(action__in=["deadline.breached", "deadline.escalated"])
    )
    expected = {(d.pk, step): 1 for d in deadlines for step in (1, 2, 3)}
    assert steps == expected
    assert sum(r.steps for r in results) == 360
    assert sum(r.counts["failed"] for r in results) == 0
    notified = Counter((n.data["deadline_id"], n.data["step"]) for n in Notification.objects.all())
    assert notified == expected
    # The timeline's hash chain stayed intact under the concurrent appends.
    assert timeline_check().ok


def test_a_sweep_skips_the_batch_another_sweep_holds_and_neither_takes_a_step_twice(
    clock, company, person_with, resolvers, monkeypatch
):
    """Issue 9 item 5, DESIGN mechanism 2: while one sweep holds its batch (locked, its
    steps being worked out), a second sweep does not wait for it: it skips the locked
    deadlines and takes the others; between them every step is taken exactly once."""
    from pinzhi.deadlines import sweep as sweep_module

    people = {
        level: person_with("leadership", username=level)
        for level in ("department_head", "group_leader", "chairman")
    }
    resolvers("complaint", lambda deadline, level: [people[level]])
    deadlines = [
        deadline_open(
            subject=UnitFactory(company=company),
            kind="complaint.first_contact",
            duration=minutes(30) + timedelta(seconds=n),
            ladder=LADDER,
        )
        for n in range(20)
    ]
    clock.shift(timedelta(hours=2))
    at = now()
    real_record_events = sweep_module._record_events
    holding, release = threading.Event(), threading.Event()
    first = threading.current_thread()
    held = {}

    def hold_then_record(records):
        if not held:
            held["thread"] = threading.current_thread()
            holding.set()
            assert release.wait(timeout=60)
        real_record_events(records)

    monkeypatch.setattr(sweep_module, "_record_events", hold_then_record)
    results, errors = {}, []

    def slow():
        try:
            results["slow"] = sweep(at, batch_size=8)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=slow)
    thread.start()
    assert holding.wait(timeout=60)
    try:
        fast = sweep(at, batch_size=50)  # returns while the slow sweep still holds its batch
        assert held["thread"] is not first
        assert fast.steps == (20 - 8) * 3 and fast.counts["failed"] == 0
    finally:
        release.set()
        thread.join(timeout=120)
    assert not errors, errors
    assert results["slow"].steps == 8 * 3
    steps = Counter(
        (e.data["deadline_id"], e.data["step"])
        for e in Event.objects.filter(action__in=["deadline.breached", "deadline.escalated"])
    )
    assert steps == {(d.pk, step): 1 for d in deadlines for step in (1, 2, 3)}
    notified = Counter((n.data["deadline_id"], n.data["step"]) for n in Notification.objects.all())
    assert notified == {(d.pk, step): 1 for d in deadlines for step in (1, 2, 3)}
    assert timeline_check().ok
