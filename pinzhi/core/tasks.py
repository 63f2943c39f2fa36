"""Background work of the core, enqueued by the clock process: tasks abandoned by a worker
that was killed are marked failed (issue 6 item 10)."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from pinzhi.lib import clock

logger = logging.getLogger(__name__)

# One run looks at this many abandoned tasks at most; the next run takes the rest.
BATCH = 500


class WorkerLost(Exception):
    """The worker running a task stopped (killed, crashed, its machine lost) before the task
    finished. Recorded as the failed task's exception."""


WORKER_LOST = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"


def tasks_fail_abandoned(*, now: datetime) -> list[str]:
    """Issue 6 item 10: a task still RUNNING PINZHI_TASK_RUNNING_TIMEOUT_MINUTES after it
    started belonged to a worker that was killed (a live worker finishes or fails it): mark
    it FAILED with WorkerLost, so that it no longer looks alive. Each row is taken with a
    conditional UPDATE on its status and start time, so overlapping runs mark it once and a
    task started again meanwhile is left alone; idempotent. Returns the ids marked."""
    timeout = timedelta(minutes=settings.PINZHI_TASK_RUNNING_TIMEOUT_MINUTES)
    stale = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=now - timeout
    ).values_list("pk", "task_path", "started_at", "worker_ids")
    marked = []
    for pk, task_path, started_at, worker_ids in list(stale.order_by("started_at")[:BATCH]):
        started = started_at.isoformat() if started_at is not None else "?"
        explanation = (
            f"{WORKER_LOST}: the worker {', '.join(worker_ids) or '?'} stopped before the task "
            f"finished; still RUNNING {settings.PINZHI_TASK_RUNNING_TIMEOUT_MINUTES} minutes "
            f"after it started at {started}, marked failed at {now.isoformat()}."
        )
        taken = DBTaskResult.objects.filter(
            pk=pk, status=TaskResultStatus.RUNNING, started_at=started_at
        ).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            return_value=None,
            exception_class_path=WORKER_LOST,
            traceback=explanation,
        )
        if taken:
            logger.warning("abandoned task %s (%s) marked failed: %s", pk, task_path, explanation)
            marked.append(str(pk))
    return marked


@task
def tasks_recover_abandoned() -> dict:
    """Mark the tasks that killed workers left RUNNING failed (issue 6 item 10)."""
    marked = tasks_fail_abandoned(now=clock.now())
    return {"failed": len(marked)}


@task
def ratelimit_purge() -> dict:
    """Delete the rate-limit buckets whose window has passed (issue 7 item 6)."""
    from pinzhi.core.ratelimit import purge

    return {"deleted": purge(at=clock.now())}


@task
def signin_codes_purge() -> dict:
    """Delete the one-time sign-in codes expired for a month (issue 6 item 4); issuing and
    using them stays on the timeline."""
    from pinzhi.core.accounts import purge_expired_codes

    return {"deleted": purge_expired_codes(at=clock.now())}


@task
def import_batches_purge() -> dict:
    """Delete stale import batches and their uploads (issue 7 item 3)."""
    from pinzhi.core.imports import import_batches_purge as purge

    return {"deleted": purge(at=clock.now())}
