"""Background work of the deadline engine, enqueued by the clock process."""

from django.tasks import task

from pinzhi.deadlines.sweep import sweep
from pinzhi.lib.clock import now


@task
def sweep_deadlines() -> dict:
    """Take every due breach and escalation step, exactly once each (DESIGN mechanism 2)."""
    return sweep(now()).counts
