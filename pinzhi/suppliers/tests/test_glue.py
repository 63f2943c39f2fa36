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


def test_the_supplier_month_lists_its_findings_and_links_its_checks(
    client, sup, django_capture_on_commit_callbacks
):
    """NCR-5 / NCR-2 / INS-5: the supplier's month page lists the findings of its checks in
    the month, each linking to the nonconformity's page where its people report the fix, and
    each check links to the inspection's page; another month shows neither."""
    from django.urls import reverse

    from pinzhi.orgs.tests.factories import PASSWORD
    from pinzhi.rectification.models import Nonconformity

    inspector = person_in_role("inspector", "inspector", sup.hq, [sup.ch])
    with django_capture_on_commit_callbacks(execute=True):
        inspection = inspection_conducted(
            version=sup.versions["daily"],
            unit=sup.ch,
            inspector=inspector,
            failed=("A1",),
            supplier=sup.supplier,
        )
    nc = Nonconformity.objects.get(inspection=inspection)
    assert client.login(username=sup.supplier_person.username, password=PASSWORD)
    url = reverse("suppliers:month", args=[sup.contract.pk, "2026-11"])
    page = client.get(url).content.decode()
    assert "本月检查发现的不合格项" in page
    assert reverse("rectification:detail", args=[nc.pk]) in page
    assert reverse("inspections:detail", args=[inspection.pk]) in page
    assert client.get(reverse("rectification:detail", args=[nc.pk])).status_code == 200
    other = client.get(reverse("suppliers:month", args=[sup.contract.pk, "2026-10"]))
    assert reverse("rectification:detail", args=[nc.pk]) not in other.content.decode()
