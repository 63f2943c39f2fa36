"""Background work of the monthly cycle (ASM-3)."""

from django.tasks import task

from pinzhi.assessment.services.cycle import months_compute_due


@task
def assessment_months_task() -> dict:
    """The clock's daily job: the draft of the month just ended (Asia/Shanghai)."""
    return {"months": months_compute_due()}
