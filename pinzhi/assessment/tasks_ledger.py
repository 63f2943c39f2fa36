"""Background work of the points ledger, enqueued by the clock process every minute."""

from django.tasks import task

from pinzhi.assessment.services.derive import ledger_follow


@task
def assessment_ledger_follow() -> dict:
    """Book the entries of the events not yet consumed (exactly once, issue 11 item 1)."""
    return {"events": ledger_follow()}
