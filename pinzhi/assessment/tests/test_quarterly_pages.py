"""The quarterly assessment's pages (ASM-2, ASM-9, SAT-2): drafting with validated weights,
the steps, the rankings and report, a unit head's acknowledgement, the year-end roll-up."""

import pytest
from django.urls import reverse

from pinzhi.assessment.models import AssessmentPlan, Level, PlanStatus
from pinzhi.assessment.services import quarterly
from pinzhi.assessment.tests import test_quarterly_plan as worked

computed = worked.computed
quarter = worked.quarter  # the worked example's fixture

WEIGHTS = {
    "weight_satisfaction": "30",
    "weight_response": "15",
    "weight_resolution": "15",
    "weight_inspection": "20",
    "weight_rectification": "10",
    "weight_complaints": "10",
}


def test_it_drafts_a_plan_from_the_form_and_refuses_weights_not_adding_up(client, org):
    """ASM-2: the quality department drafts the plan; weights adding up to 95 are refused with
    the total, and nothing is written."""
    client.force_login(org.quality)
    url = reverse("assessment:quarterly_plan_create")
    assert client.get(url).status_code == 200
    data = {"year": "2026", "quarter": "1", "units": [org.ch.pk, org.bjm.pk], **WEIGHTS}
    refused = client.post(url, {**data, "weight_complaints": "5"})
    assert refused.status_code == 400
    assert "合计为 95" in refused.content.decode()
    assert not AssessmentPlan.objects.exists()
    response = client.post(url, data)
    plan = AssessmentPlan.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/quarterly/{plan.pk}/")
    assert plan.title == "2026年第1季度质量考核"


def test_it_takes_the_steps_from_the_plan_page(client, quarter):
    """ASM-2: leadership approves on the plan page; the quality department computes; the page
    shows the units' ranking with the branded-window eligibility and the people."""
    plan = quarterly.plan_create(
        company=quarter.company, actor=quarter.quality, year=2026, quarter=1,
        units=[quarter.ch, quarter.bjm],
    )  # fmt: skip
    client.force_login(quarter.quality)
    refused = client.post(reverse("assessment:quarterly_step", args=[plan.pk, "approve"]))
    assert refused.status_code == 403
    client.force_login(quarter.leader)
    client.post(reverse("assessment:quarterly_step", args=[plan.pk, "approve"]))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    client.force_login(quarter.quality)
    client.post(reverse("assessment:quarterly_step", args=[plan.pk, "compute"]))
    page = client.get(reverse("assessment:quarterly_plan", args=[plan.pk])).content.decode()
    assert "滨江名苑" in page and "61.43" in page and "标杆" in page
    assert "不符合资格" in page  # CH below 90 % satisfaction
    assert "李保洁" in page and "55.71" in page
    searched = client.get(
        reverse("assessment:quarterly_plan", args=[plan.pk]), {"q": "E002", "people": "1"}
    ).content.decode()
    assert "吴秩序" in searched and "李保洁" not in searched.split('id="people"')[-1]


def test_it_lets_the_unit_head_acknowledge_and_hides_the_plans_from_staff(client, quarter):
    """ASM-2: feedback to each unit — its department manager reads and acknowledges it; a
    service staff member has no plan pages; another unit's head cannot open it."""
    plan = computed(quarter)
    quarterly.plan_report(plan=plan, actor=quarter.quality)
    ch = plan.results.get(level=Level.UNIT, unit=quarter.ch)
    bjm = plan.results.get(level=Level.UNIT, unit=quarter.bjm)
    client.force_login(quarter.manager)
    url = reverse("assessment:quarterly_feedback", args=[ch.pk])
    page = client.get(url).content.decode()
    assert "客户满意度" in page and "确认" in page
    assert client.get(reverse("assessment:quarterly_feedback", args=[bjm.pk])).status_code == 404
    assert client.post(url).status_code == 302
    ch.refresh_from_db()
    assert ch.acknowledged_by == quarter.manager
    assert "翠湖花园" in client.get(reverse("assessment:quarterly_plans")).content.decode()
    client.force_login(quarter.staff)
    assert client.get(reverse("assessment:quarterly_plans")).status_code == 403


def test_it_rolls_the_issued_quarters_up_for_the_year_end(client, quarter):
    """ASM-9: the year-end roll-up lists each unit's issued quarterly scores and their
    average."""
    plan = computed(quarter)
    client.force_login(quarter.quality)
    page = client.get(reverse("assessment:quarterly_year"), {"year": "2026"}).content.decode()
    assert "本年度尚未发布季度考核报告" in page  # computed, not yet issued
    quarterly.plan_report(plan=plan, actor=quarter.quality)
    page = client.get(reverse("assessment:quarterly_year"), {"year": "2026"}).content.decode()
    assert "61.43" in page and "100.00" in page


@pytest.mark.parametrize("status", [PlanStatus.DRAFT])
def test_it_shows_an_empty_state_before_the_plan_is_computed(client, org, status):
    """ASM-2: a draft plan says the indicators come after the approval."""
    plan = quarterly.plan_create(
        company=org.company, actor=org.quality, year=2026, quarter=1, units=[org.ch]
    )
    client.force_login(org.quality)
    page = client.get(reverse("assessment:quarterly_plan", args=[plan.pk])).content.decode()
    assert 'data-testid="not-computed"' in page and 'data-testid="plan-edit"' in page
