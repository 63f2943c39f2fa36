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


def _home(client, person):
    from django.urls import reverse

    from pinzhi.orgs.tests.factories import PASSWORD

    client.logout()
    assert client.login(username=person.username, password=PASSWORD)
    return client.get(reverse("core:home")).content.decode()


def test_the_home_page_shows_a_unit_head_the_open_findings_of_their_units(client, org):
    """NCR-2 (issue 10 item 10): the unit's quality admin sees the open findings of their
    unit on the home page; another unit's admin does not see them."""
    nc = services.nonconformity_raise(
        unit=org.estate, title="消防通道堵塞", severity="general", actor=org.inspector
    )
    page = _home(client, org.unitqa)
    assert 'data-testid="tile-rectification-open"' in page and "本单位待整改问题" in page
    assert nc.title in page
    assert 'data-testid="tile-rectification-open"' not in _home(client, org.other_unitqa)


def test_the_home_page_shows_the_quality_department_the_overdue_rectifications(client, org, clock):
    """NCR-3 (issue 10 item 10): once a rectification is past its deadline, the quality
    department's home page counts it and links to the overdue board."""
    from datetime import timedelta

    from django.urls import reverse

    nc = services.nonconformity_raise(
        unit=org.estate, title="消防通道堵塞", severity="general", actor=org.inspector
    )
    assert 'data-testid="tile-rectification-overdue"' not in _home(client, org.quality)
    clock.shift(timedelta(days=8))
    page = _home(client, org.quality)
    assert 'data-testid="tile-rectification-overdue"' in page and nc.title in page
    assert reverse("rectification:board") in page


def test_the_home_page_shows_an_inspector_todays_tasks_and_the_outbox(client, org):
    """INS-5 (issue 10 item 10): an inspector's home page shows today's tasks and what waits
    on the phone to be sent."""
    from datetime import timedelta

    from pinzhi.inspections.tests.factories import inspection_planned
    from pinzhi.lib.clock import now

    assert 'data-testid="tile-inspections-day"' not in _home(client, org.inspector)
    inspection_planned(
        version=org.version,
        unit=org.estate,
        inspector=org.inspector,
        due_at=now() + timedelta(hours=2),
    )
    page = _home(client, org.inspector)
    assert 'data-testid="tile-inspections-day"' in page
    assert 'data-testid="tile-outbox-count"' in page and "待发送" in page
    assert org.version.template.name in page
