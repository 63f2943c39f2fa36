"""The clock process: enqueues periodic jobs and never does the work itself (DESIGN,
processes). Apps register their jobs in AppConfig.ready(); `enqueue_due(now)` claims each
due job with a conditional UPDATE, so several clocks or a restarted clock enqueue a job
once per period."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from pinzhi.core.models import PeriodicJob


@dataclass(frozen=True)
class Periodic:
    name: str
    task: Any  # a django.tasks Task
    every: timedelta


periodic_jobs: dict[str, Periodic] = {}


def register_periodic(*, name: str, task: Any, every: timedelta) -> None:
    periodic_jobs[name] = Periodic(name=name, task=task, every=every)


def enqueue_due(*, now: datetime) -> list[str]:
    """Enqueue every registered job whose period has passed; returns their names."""
    enqueued = []
    for job in periodic_jobs.values():
        PeriodicJob.objects.get_or_create(name=job.name)
        with transaction.atomic():
            claimed = (
                PeriodicJob.objects.filter(name=job.name)
                .filter_due(now=now, every=job.every)
                .update(last_enqueued_at=now)
            )
            if claimed:
                job.task.enqueue()
                enqueued.append(job.name)
    return enqueued
