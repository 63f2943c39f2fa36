"""Background work of planning, enqueued by the clock process (INS-1)."""

from django.tasks import task

from pinzhi.inspections.planning import plans_notify_due, schedules_materialise_due
from pinzhi.lib.clock import now


@task
def materialise_schedules() -> dict:
    """Extend every active schedule's rolling window: its tasks for the coming days,
    exactly once each."""
    return schedules_materialise_due(at=now())


@task
def notify_plans() -> dict:
    """Notify the units of every approved plan whose notice period has been reached."""
    return {"plans": plans_notify_due(at=now())}
