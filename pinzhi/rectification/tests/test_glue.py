"""The glue between inspections and rectification (issue 10, round 11b G): findings right
after submission (INS-5, NCR-2) and the inspection page's links to them."""

from pinzhi.inspections.tests.factories import inspection_conducted
from pinzhi.rectification import services
from pinzhi.rectification.models import Nonconformity


def test_it_raises_the_findings_as_soon_as_the_submission_commits(
    org, django_capture_on_commit_callbacks
):
    """INS-5 / NCR-2: submitting through the service raises the nonconformities on commit,
    without waiting for the clock's job; the job then adds nothing."""
    with django_capture_on_commit_callbacks(execute=True):
        inspection = inspection_conducted(
            version=org.version, unit=org.estate, inspector=org.inspector, failed=("A1", "A2")
        )
    raised = Nonconformity.objects.filter(inspection=inspection)
    assert sorted(raised.values_list("item_code", flat=True)) == ["A1", "A2"]
    services.inspections_follow()
    assert Nonconformity.objects.count() == 2


def test_nothing_is_raised_before_the_submission_commits(org, django_capture_on_commit_callbacks):
    """NCR-2: the findings follow the committed submission only."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        inspection_conducted(
            version=org.version, unit=org.estate, inspector=org.inspector, failed=("A1",)
        )
    assert callbacks and not Nonconformity.objects.exists()


def test_the_inspection_page_links_to_the_findings_raised_from_it(
    client, org, django_capture_on_commit_callbacks
):
    """INS-5 / NCR-2: once submitted, the inspection's page lists the nonconformities raised
    from it, each linking to its page (rectification registers the provider)."""
    from django.urls import reverse

    from pinzhi.orgs.tests.factories import PASSWORD

    with django_capture_on_commit_callbacks(execute=True):
        inspection = inspection_conducted(
            version=org.version, unit=org.estate, inspector=org.inspector, failed=("A1",)
        )
    nc = Nonconformity.objects.get(inspection=inspection)
    assert client.login(username=org.unitqa.username, password=PASSWORD)
    page = client.get(reverse("inspections:detail", args=[inspection.pk])).content.decode()
    assert "本次检查发现的不合格项" in page
    assert reverse("rectification:detail", args=[nc.pk]) in page and nc.number in page
