"""Background work of supplier quality (NCR-5)."""

from django.tasks import task

from pinzhi.suppliers.services import checks_fold_pending


@task
def suppliers_fold_task() -> dict:
    """The clock's job (every minute): fold the submitted inspections of suppliers' services
    into their checks and evaluate the months they touch."""
    return {"events": checks_fold_pending()}
