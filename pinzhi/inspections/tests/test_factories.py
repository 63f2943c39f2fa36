"""The shared builders produce what the services would (used by several apps' tests)."""

from pinzhi.inspections.models import Inspection
from pinzhi.inspections.selectors import inspections_visible_to
from pinzhi.inspections.tests.factories import inspection_submitted, template_published
from pinzhi.timeline.models import Event


def test_a_submitted_inspection_is_scored_and_on_the_timeline(company, unit):
    """INS-4, INS-5: a failed critical item fails the inspection; the event names the failures."""
    version = template_published(company)
    inspection = inspection_submitted(version=version, unit=unit, results={"B2": "fail"})
    assert inspection.failed_critical and inspection.passed is False
    event = Event.objects.get(action="inspection.submitted")
    assert len(event.data["failed_answer_ids"]) == 1


def test_an_unannounced_inspection_is_hidden_from_the_unit_until_it_starts(
    company, unit, person_with
):
    """INS-2: 暗查 stays invisible to the inspected unit until it starts."""
    from pinzhi.inspections.tests.factories import inspection_planned

    version = template_published(company)
    task = inspection_planned(version=version, unit=unit, is_announced=False)
    manager = person_with("department_manager")
    inspector = person_with("inspector")
    assert task not in inspections_visible_to(manager)
    assert task in inspections_visible_to(inspector)
    Inspection.objects.filter(pk=task.pk).update(status=Inspection.Status.IN_PROGRESS)
    assert task in inspections_visible_to(manager)
