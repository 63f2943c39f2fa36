"""The hooks the apps above inspections register (round 11b G): a submission's callbacks run
after the commit (INS-5), and the inspection page lists what the findings providers give."""

import pytest

from pinzhi.inspections.hooks import (
    FindingLink,
    findings_links,
    register_findings_link,
    register_on_submitted,
    unregister_findings_link,
    unregister_on_submitted,
)
from pinzhi.inspections.tests.factories import inspection_conducted, template_published
from pinzhi.orgs.tests.factories import UnitFactory


@pytest.fixture
def inspector(person_with, company):
    return person_with("inspector", unit=UnitFactory(company=company, code="ZG", name="品质部"))


@pytest.fixture
def submitted_ids():
    seen: list[int] = []
    register_on_submitted(seen.append)
    yield seen
    unregister_on_submitted(seen.append)


def test_it_calls_each_submitted_callback_with_the_inspection_after_the_commit(
    company, unit, inspector, submitted_ids, django_capture_on_commit_callbacks
):
    """INS-5: a registered callback gets the inspection's id once the submission commits,
    never before; a resent submission calls nothing again."""
    version = template_published(company)
    with django_capture_on_commit_callbacks(execute=False):
        inspection_conducted(version=version, unit=unit, inspector=inspector)
    assert submitted_ids == []
    with django_capture_on_commit_callbacks(execute=True):
        inspection = inspection_conducted(version=version, unit=unit, inspector=inspector)
    assert submitted_ids == [inspection.pk]
    from pinzhi.inspections import services

    with django_capture_on_commit_callbacks(execute=True):
        services.inspection_submit(inspection=inspection, actor=inspector)
    assert submitted_ids == [inspection.pk]


def test_it_gathers_the_findings_links_of_every_provider(db):
    """INS-5: the page lists each registered provider's links for the viewer."""

    from types import SimpleNamespace

    from django.contrib.auth.models import AnonymousUser

    def provider(user, inspection):
        return [FindingLink(label=f"ZG-{inspection.pk}", url="/x/")]

    viewer, inspection = AnonymousUser(), SimpleNamespace(pk=7)
    register_findings_link(provider)
    try:
        assert findings_links(viewer, inspection) == [FindingLink(label="ZG-7", url="/x/")]
    finally:
        unregister_findings_link(provider)
    assert findings_links(viewer, inspection) == []
