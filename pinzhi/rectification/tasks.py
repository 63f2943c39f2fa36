"""Background work of rectification, enqueued by the clock process every minute."""

from django.tasks import task

from pinzhi.rectification import services


@task
def rectification_follow() -> dict:
    """Raise the nonconformities of newly submitted inspections (exactly once) and mark the
    rectifications that have run past their deadline (NCR-2, NCR-3)."""
    return {
        "inspections": services.inspections_follow(),
        "overdue": services.overdue_sweep(),
    }
