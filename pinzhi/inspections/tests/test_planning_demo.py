"""The planning demo is made through the services and loads once (issue 10 item 10)."""

from pinzhi.inspections.demo_planning import load_demo_planning
from pinzhi.inspections.models import Inspection, InspectionPlan, SamplingDraw, Schedule
from pinzhi.inspections.tests.factories import template_published
from pinzhi.lib.clock import now
from pinzhi.orgs.demo import load_demo_organisation


def test_the_demo_schedules_a_year_of_tasks_and_the_next_window(db, property_pack):
    """INS-1, INS-3, INS-6: past tasks for the conducting demo, the next 30 days ahead, the
    inspector never one of the estates', and a second load changes nothing."""
    company = load_demo_organisation()
    template_published(company, code="QJ-W", name="清洁服务周检表", cadence="weekly")
    load_demo_planning()
    assert Schedule.objects.filter(company=company).count() == 3
    tasks = Inspection.objects.filter(company=company)
    assert tasks.filter(due_at__lt=now()).count() > 100
    assert tasks.filter(occurrence__gt=now()).exists()
    assert not tasks.filter(inspector__unit__code__in=["CH", "BJM", "JG"]).exists()
    assert InspectionPlan.objects.filter(status="notified").count() == 1
    assert SamplingDraw.objects.filter(schedule__isnull=True).count() == 1
    count = tasks.count()
    load_demo_planning()
    assert tasks.count() == count
