"""The glue between inspections and supplier quality (issue 10, round 11b G): the supplier's
check is folded as soon as the submission commits (INS-5, NCR-5)."""

from pinzhi.inspections.tests.factories import inspection_conducted
from pinzhi.orgs.tests.factories import person_in_role
from pinzhi.suppliers import services
from pinzhi.suppliers.models import SupplierCheck


def test_it_folds_the_supplier_check_as_soon_as_the_submission_commits(
    sup, django_capture_on_commit_callbacks
):
    """INS-5 / NCR-5: a check of the supplier's service submitted through the service is
    counted in its month on commit; the clock's consumer then adds nothing."""
    inspector = person_in_role("inspector", "inspector", sup.hq, [sup.ch])
    with django_capture_on_commit_callbacks(execute=True):
        inspection = inspection_conducted(
            version=sup.versions["daily"],
            unit=sup.ch,
            inspector=inspector,
            failed=("A1",),
            supplier=sup.supplier,
        )
    check = SupplierCheck.objects.get(inspection=inspection)
    assert check.contract == sup.contract and not check.passed and check.failed_items == 1
    services.checks_fold_pending()
    assert SupplierCheck.objects.count() == 1
