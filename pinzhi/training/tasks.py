"""Background work of training (TRN-1)."""

from django.tasks import task

from pinzhi.training.services import annual_assignments_ensure, assignments_behind_warn


@task
def training_daily_task() -> dict:
    """The clock's daily job: give the inspectors their annual training of the period, then
    warn about the assignments falling behind."""
    return {"assigned": annual_assignments_ensure(), "warned": assignments_behind_warn()}
