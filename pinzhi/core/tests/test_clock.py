from datetime import timedelta

import time_machine
from django.tasks import task

from pinzhi.core import clock
from pinzhi.core.models import PeriodicJob

calls = []


@task
def tick():
    calls.append(1)


def test_it_registers_the_daily_timeline_verification():
    assert "timeline.verify" in clock.periodic_jobs


def test_a_job_is_enqueued_once_per_period_however_often_the_clock_checks(db, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    calls.clear()
    saved = dict(clock.periodic_jobs)
    clock.periodic_jobs.clear()
    clock.register_periodic(name="test.tick", task=tick, every=timedelta(minutes=1))
    try:
        with time_machine.travel("2026-11-21 09:00:00 +0800", tick=False) as traveller:
            from pinzhi.lib.clock import now

            assert clock.enqueue_due(now=now()) == ["test.tick"]
            assert clock.enqueue_due(now=now()) == []  # a second clock, or a restart
            traveller.shift(61)
            assert clock.enqueue_due(now=now()) == ["test.tick"]
        assert len(calls) == 2
        assert PeriodicJob.objects.get(name="test.tick").last_enqueued_at is not None
    finally:
        clock.periodic_jobs.clear()
        clock.periodic_jobs.update(saved)
