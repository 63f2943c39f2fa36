"""The year's inspection plan: drafted, approved by leadership, notified to the units in
advance — only its announced entries (INS-1, INS-2)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from pinzhi.inspections import planning
from pinzhi.inspections.models import InspectionPlan
from pinzhi.lib.workflow import NotPermitted
from pinzhi.notify.models import Notification
from pinzhi.orgs.tests.factories import UnitFactory
from pinzhi.timeline.models import Event

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def estate(company):
    return UnitFactory(company=company, code="CH", name="翠湖花园")


@pytest.fixture
def plan(company, person_with, estate):
    planner = person_with("quality_department")
    plan = planning.plan_create(
        company=company, year=2027, title="2027 年度检查计划", actor=planner
    )
    planning.plan_entry_add(
        plan=plan,
        title="一季度服务质量监督检查",
        units=[estate],
        starts_on=date(2027, 1, 10),
        ends_on=date(2027, 1, 20),
        actor=planner,
    )
    planning.plan_entry_add(
        plan=plan,
        title="夜间安保暗查",
        units=[estate],
        starts_on=date(2027, 1, 12),
        ends_on=date(2027, 1, 12),
        actor=planner,
        is_announced=False,
        is_surprise=True,
    )
    plan.planner = planner
    return plan


def test_leadership_approves_what_the_quality_department_submits(plan, person_with):
    """INS-1: draft → submitted → approved by leadership; the quality department may not
    approve."""
    planning.plan_submit(plan=plan, actor=plan.planner)
    with pytest.raises(NotPermitted):
        planning.plan_approve(plan=plan, actor=plan.planner)
    leader = person_with("leadership")
    planning.plan_approve(plan=plan, actor=leader)
    plan.refresh_from_db()
    assert plan.status == InspectionPlan.Status.APPROVED and plan.approved_by == leader
    assert Event.objects.filter(action="inspection_plan.approved").exists()


def test_leadership_sends_a_plan_back_with_its_reason(plan, person_with):
    planning.plan_submit(plan=plan, actor=plan.planner)
    leader = person_with("leadership")
    with pytest.raises(planning.PlanningError):
        planning.plan_return(plan=plan, actor=leader, reason="")
    planning.plan_return(plan=plan, actor=leader, reason="请补充二季度安排")
    plan.refresh_from_db()
    assert plan.status == InspectionPlan.Status.DRAFT
    assert plan.returned_reason == "请补充二季度安排"


def test_an_entry_outside_the_plans_year_is_refused(plan, estate):
    with pytest.raises(planning.PlanningError) as refused:
        planning.plan_entry_add(
            plan=plan,
            title="x",
            units=[estate],
            starts_on=date(2028, 1, 1),
            ends_on=date(2028, 1, 2),
            actor=plan.planner,
        )
    assert refused.value.field == "starts_on"


def test_an_empty_plan_cannot_be_submitted(company, person_with):
    planner = person_with("quality_department")
    plan = planning.plan_create(company=company, year=2027, title="空计划", actor=planner)
    with pytest.raises(planning.PlanningError):
        planning.plan_submit(plan=plan, actor=planner)


def test_the_units_are_told_only_of_the_announced_entries(plan, person_with, estate):
    """INS-1, INS-2: the unit's management is notified of the announced entries; an
    unannounced one (暗查) is never told."""
    manager = person_with("department_manager", unit=estate)
    planning.plan_submit(plan=plan, actor=plan.planner)
    planning.plan_approve(plan=plan, actor=person_with("leadership"))
    planning.plan_notify(plan=plan, actor=plan.planner)
    notice = Notification.objects.get(recipient=manager)
    assert "一季度服务质量监督检查" in notice.body
    assert "暗查" not in notice.body and "夜间安保" not in notice.body
    plan.refresh_from_db()
    assert plan.status == InspectionPlan.Status.NOTIFIED


def test_the_clock_notifies_a_plan_when_the_notice_period_is_reached(
    plan, person_with, estate, property_pack
):
    """INS-1: at the latest the pack's notice period (7 days) before the first announced
    entry, the units are told even if nobody did it."""
    person_with("department_manager", unit=estate)
    planning.plan_submit(plan=plan, actor=plan.planner)
    planning.plan_approve(plan=plan, actor=person_with("leadership"))
    first = datetime(2027, 1, 10, tzinfo=SH)
    assert planning.plan_notice_due(plan) == first - timedelta(days=7)
    assert planning.plans_notify_due(at=first - timedelta(days=8)) == 0
    with time_machine.travel(first - timedelta(days=7), tick=False):
        assert planning.plans_notify_due() == 1
    plan.refresh_from_db()
    assert plan.status == InspectionPlan.Status.NOTIFIED


def test_the_plan_pages_take_the_steps(plan, client, person_with):
    from pinzhi.orgs.tests.factories import PASSWORD

    client.login(username=plan.planner.username, password=PASSWORD)
    response = client.get(f"/inspections/plans/{plan.pk}/")
    assert response.status_code == 200
    assert "一季度服务质量监督检查" in response.content.decode()
    response = client.post(f"/inspections/plans/{plan.pk}/steps/submit/")
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == InspectionPlan.Status.SUBMITTED
    refused = client.post(f"/inspections/plans/{plan.pk}/steps/approve/")
    assert refused.status_code == 403
    plan.refresh_from_db()
    assert plan.status == InspectionPlan.Status.SUBMITTED


def test_a_manager_whose_scope_covers_the_unit_is_told_too(plan, person_with, company, unit):
    """INS-1: the notice reaches the management covering the unit from above, not people of
    other units."""
    from pinzhi.orgs.tests.factories import person_in_role

    area = UnitFactory(company=company, code="PQ", name="片区")
    estate = UnitFactory(company=company, code="PQ-1", name="金桂苑", parent=area)
    entry = plan.entries.first()
    entry.units.add(estate)
    covering = person_in_role("pq.supervisor", "supervisor", unit, scope=[area])
    elsewhere = person_with("department_manager", unit=unit)
    planning.plan_submit(plan=plan, actor=plan.planner)
    planning.plan_approve(plan=plan, actor=person_with("leadership"))
    planning.plan_notify(plan=plan, actor=plan.planner)
    assert Notification.objects.filter(recipient=covering).exists()
    assert not Notification.objects.filter(recipient=elsewhere).exists()
