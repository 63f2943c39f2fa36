"""The quarterly assessment (ASM-1, ASM-2, ASM-8, ASM-9, SAT-2): a worked example computed by
hand from the pack's default weights (satisfaction 30, response 15, resolution 15,
inspection 20, rectification 10, complaint rate 10; complaint-rate deduction 20 points per
complaint per person; pass mark 60; one benchmark, two advanced, one lagging behind;
required satisfaction 90 %)."""

import importlib.util
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from pinzhi.assessment.models import AssessmentPlan, Band, Level, PlanStatus
from pinzhi.assessment.services import quarterly
from pinzhi.assessment.services.quarterly import QuarterlyError
from pinzhi.assessment.tests.factories import complaint_verified
from pinzhi.complaints.models import Callback, Complaint
from pinzhi.inspections.tests.factories import inspection_submitted, template_published
from pinzhi.rectification.models import Nonconformity

SH = ZoneInfo("Asia/Shanghai")
HAS_CONSEQUENCES = importlib.util.find_spec("pinzhi.assessment.services.consequences") is not None


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def callback(complaint: Complaint, by, satisfaction: str, when: str) -> Callback:
    return Callback.objects.create(
        complaint=complaint, at=at(when), by=by, satisfaction=satisfaction, confirmed=True
    )


@pytest.fixture
def quarter(org, clock):
    """Q1 2026 at 翠湖花园 (CH, 3 people) and 滨江名苑 (BJM, 1 person):

    CH — three verified complaints about 李保洁 (January, February, March), called back
    satisfied once and dissatisfied twice; one inspection at 75 % (one of four items
    failed); one nonconformity due in February, fixed in time (李保洁 responsible).
    BJM — a complaint not established about nobody, rated 5 of 5 when resolved; one
    inspection at 100 %."""
    complaints = []
    for when in ("2026-01-12 09:00", "2026-02-03 09:00", "2026-03-02 09:00"):
        clock.move_to(at(when))
        complaints.append(complaint_verified(staff=org.staff))
    callback(complaints[0], org.quality, "satisfied", "2026-01-20 10:00")
    callback(complaints[1], org.quality, "dissatisfied", "2026-02-10 10:00")
    callback(complaints[2], org.quality, "neutral", "2026-03-05 10:00")
    Complaint.objects.create(
        company=org.company, location=org.bjm, channel="phone", category="efficiency",
        status="closed", customer_name="张女士", title="咨询", content="咨询",
        received_at=at("2026-02-01 09:00"), registered_at=at("2026-02-01 09:00"),
        resolved_at=at("2026-02-02 09:00"), customer_rating=5,
    )  # fmt: skip
    version = template_published(org.company)
    inspection_submitted(
        version=version, unit=org.ch, results={"A1": "fail"}, submitted_at=at("2026-02-15 10:00")
    )
    inspection_submitted(version=version, unit=org.bjm, submitted_at=at("2026-02-16 10:00"))
    Nonconformity.objects.create(
        company=org.company, unit=org.ch, number="NC-1", source="inspection", title="地面有垃圾",
        severity="general", responsible=org.staff, due_at=at("2026-02-20 10:00"),
        raised_at=at("2026-02-15 10:00"), closed_at=at("2026-02-18 10:00"), status="closed",
    )  # fmt: skip
    clock.move_to(at("2026-04-02 10:00"))
    return org


def plan_drafted(org, **kwargs) -> AssessmentPlan:
    return quarterly.plan_create(
        company=org.company, actor=org.quality, year=2026, quarter=1, units=[org.ch, org.bjm],
        **kwargs,
    )  # fmt: skip


def computed(org) -> AssessmentPlan:
    plan = plan_drafted(org)
    quarterly.plan_approve(plan=plan, actor=org.leader)
    return quarterly.plan_compute(plan=plan, actor=org.quality)


def result(plan, *, unit=None, person=None):
    if person is not None:
        return plan.results.get(level=Level.PERSON, person=person)
    return plan.results.get(level=Level.UNIT, unit=unit)


def value(plan, code, *, unit=None, person=None):
    if person is not None:
        return plan.values.get(level=Level.PERSON, person=person, code=code)
    return plan.values.get(level=Level.UNIT, unit=unit, code=code)


def test_it_drafts_a_plan_for_the_calendar_quarter_with_the_packs_weights(org):
    """ASM-2: a plan names its time, scope and indicators; the weights come from the pack."""
    plan = plan_drafted(org)
    assert (plan.starts_on.isoformat(), plan.ends_on.isoformat()) == ("2026-01-01", "2026-03-31")
    assert plan.title == "2026年第1季度质量考核"
    assert {row["code"]: row["weight"] for row in plan.indicators} == {
        "satisfaction": "30", "response": "15", "resolution": "15",
        "inspection": "20", "rectification": "10", "complaints": "10",
    }  # fmt: skip
    assert set(plan.units.all()) == {org.ch, org.bjm}
    assert plan.status == PlanStatus.DRAFT


def test_it_refuses_weights_that_do_not_add_up_to_100(org):
    """ASM-2: the weights of a plan must add up to 100, with a message saying the total."""
    weights = {"satisfaction": 30, "response": 15, "resolution": 15, "inspection": 20}
    with pytest.raises(QuarterlyError) as refused:
        plan_drafted(org, weights=weights)
    assert "合计" in refused.value.reason and "80" in refused.value.reason
    with pytest.raises(QuarterlyError) as refused:
        plan_drafted(org, weights={**weights, "complaints": "abc"})
    assert refused.value.field == "weight_complaints"
    assert not AssessmentPlan.objects.exists()


def test_it_lets_only_leadership_approve_and_only_an_approved_plan_be_computed(org):
    """ASM-2: the quality department drafts, leadership approves, then it is computed."""
    plan = plan_drafted(org)
    with pytest.raises(QuarterlyError):
        quarterly.plan_compute(plan=plan, actor=org.quality)
    with pytest.raises(QuarterlyError):
        quarterly.plan_approve(plan=plan, actor=org.quality)
    quarterly.plan_approve(plan=plan, actor=org.leader)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED and plan.approved_by == org.leader
    with pytest.raises(QuarterlyError):
        quarterly.plan_update(
            plan=plan, actor=org.quality, title="x", starts_on=plan.starts_on,
            ends_on=plan.ends_on, units=[org.ch], weights=quarterly.plan_weights(plan),
        )  # fmt: skip


def test_it_computes_each_indicator_with_its_sample(quarter):
    """ASM-1, SAT-2: satisfaction from callbacks and ratings, inspection average, rectification
    on time, complaint rate per person — each with the sample it rests on."""
    plan = computed(quarter)
    ch, bjm = quarter.ch, quarter.bjm
    satisfaction = value(plan, "satisfaction", unit=ch)
    assert (satisfaction.value, satisfaction.sample) == (Decimal("33.33"), 3)
    assert value(plan, "satisfaction", unit=bjm).value == Decimal("100.00")
    assert value(plan, "inspection", unit=ch).value == Decimal("75.00")
    assert value(plan, "rectification", unit=ch).value == Decimal("100.00")
    complaints = value(plan, "complaints", unit=ch)
    assert (complaints.value, complaints.sample, complaints.score) == (
        Decimal("1.00"), 3, Decimal("80.00"),
    )  # fmt: skip
    response = value(plan, "response", unit=ch)
    assert (response.value, response.sample, response.score) == (None, 0, None)


def test_it_weights_ranks_and_bands_units_and_people_as_worked_by_hand(quarter):
    """ASM-1, ASM-9: CH = (33.33×30 + 75×20 + 100×10 + 80×10) / 70 = 61.43 (no response or
    resolution sample: those weights drop out); BJM = (100×30 + 100×20 + 100×10) / 60 = 100.
    李保洁 = (33.33×30 + 75×20 + 100×10 + 40×10) / 70 = 55.71 — below 60, failed and last."""
    plan = computed(quarter)
    ch, bjm = result(plan, unit=quarter.ch), result(plan, unit=quarter.bjm)
    assert (bjm.score, bjm.rank, bjm.band) == (Decimal("100.00"), 1, Band.BENCHMARK)
    assert (ch.score, ch.rank, ch.band) == (Decimal("61.43"), 2, Band.LAGGARD)
    staff = result(plan, person=quarter.staff)
    assert (staff.score, staff.passed) == (Decimal("55.71"), False)
    manager = result(plan, person=quarter.manager)
    supervisor = result(plan, person=quarter.supervisor)
    assert manager.score == supervisor.score == Decimal("83.33")  # (75×20 + 100×10) / 30
    assert (manager.rank, supervisor.rank) == (2, 2)
    assert {manager.band, supervisor.band} == {Band.ADVANCED}
    assert (staff.rank, staff.band) == (4, Band.LAGGARD)
    other = result(plan, person=quarter.other)
    assert (other.score, other.rank, other.band) == (Decimal("100.00"), 1, Band.BENCHMARK)
    assert not plan.results.filter(person=quarter.leader).exists()  # not in the scope


def test_it_withdraws_the_branded_window_below_the_satisfaction_rate(quarter):
    """SAT-2, ASM-9: CH's 33.33 % is below the pack's 90 %: not eligible; BJM's 100 % is."""
    plan = computed(quarter)
    assert result(plan, unit=quarter.ch).eligible_branded is False
    assert result(plan, unit=quarter.bjm).eligible_branded is True


def test_it_withdraws_the_branded_window_after_a_serious_quality_problem(quarter):
    """ASM-9: a major complaint in the quarter costs BJM its eligibility despite 100 %."""
    Complaint.objects.create(
        company=quarter.company, location=quarter.bjm, channel="phone", category="safety",
        severity="major", status="in_progress", customer_name="刘先生", title="电梯困人",
        content="电梯困人", received_at=at("2026-03-20 09:00"), registered_at=at("2026-03-20 09:00"),
    )  # fmt: skip
    plan = computed(quarter)
    bjm = result(plan, unit=quarter.bjm)
    assert bjm.eligible_branded is False
    assert value(plan, "serious", unit=quarter.bjm).value == Decimal("1.00")
    assert "严重质量问题" in bjm.feedback


def test_it_suggests_improvements_from_the_weakest_indicators(quarter):
    """ASM-2: the report's suggestions name the unit's weakest indicators below the pass mark;
    the quality department may edit them before the report is issued."""
    plan = computed(quarter)
    ch = result(plan, unit=quarter.ch)
    assert "客户满意度 33.33%" in ch.feedback
    assert "继续保持" in result(plan, unit=quarter.bjm).feedback  # nothing weak
    quarterly.result_feedback_set(result=ch, actor=quarter.quality, feedback="加强回访")
    ch.refresh_from_db()
    assert ch.feedback == "加强回访"
    with pytest.raises(QuarterlyError):
        quarterly.result_feedback_set(result=ch, actor=quarter.manager, feedback="x")


def test_it_lets_the_units_head_acknowledge_the_issued_feedback_once(quarter):
    """ASM-2: feedback to each unit — its head acknowledges the issued report."""
    plan = computed(quarter)
    ch = result(plan, unit=quarter.ch)
    with pytest.raises(QuarterlyError):  # not issued yet
        quarterly.result_acknowledge(result=ch, actor=quarter.manager)
    quarterly.plan_report(plan=plan, actor=quarter.quality)
    with pytest.raises(QuarterlyError):  # not CH's head
        quarterly.result_acknowledge(result=ch, actor=quarter.staff)
    quarterly.result_acknowledge(result=ch, actor=quarter.manager)
    ch.refresh_from_db()
    assert ch.acknowledged_by == quarter.manager
    with pytest.raises(QuarterlyError):
        quarterly.result_acknowledge(result=ch, actor=quarter.manager)


@pytest.mark.skipif(not HAS_CONSEQUENCES, reason="the consequences part (D) is not merged yet")
def test_it_proposes_retraining_for_a_failed_person_when_the_report_is_issued(quarter):
    """ASM-8 (公司服务监督管理制度 第十一条): 李保洁 failed — a retraining proposal citing the
    result, which a person decides; nobody else gets one."""
    from pinzhi.assessment.models import Consequence, ConsequenceKind, ConsequenceStatus

    plan = computed(quarter)
    quarterly.plan_report(plan=plan, actor=quarter.quality)
    proposal = Consequence.objects.get()
    assert proposal.kind == ConsequenceKind.RETRAINING
    assert proposal.person == quarter.staff
    assert proposal.source_result == result(plan, person=quarter.staff)
    assert proposal.status == ConsequenceStatus.PROPOSED


def test_it_reports_without_the_consequences_part_and_recomputes_until_reported(quarter):
    """ASM-2: computing again replaces the results; once the report is issued they are
    final (no more computing)."""
    plan = computed(quarter)
    first = plan.results.count()
    quarterly.plan_compute(plan=plan, actor=quarter.quality)
    assert plan.results.count() == first
    quarterly.plan_report(plan=plan, actor=quarter.quality)
    with pytest.raises(QuarterlyError):
        quarterly.plan_compute(plan=plan, actor=quarter.quality)
    quarterly.plan_close(plan=plan, actor=quarter.quality)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED


def test_it_gives_equal_scores_the_same_rank_and_band(org):
    """ASM-9: three units at 100 share rank 1 and are all benchmarks — none of them is named
    lagging behind for a tie."""
    from pinzhi.assessment.models import AssessmentResult

    results = [
        AssessmentResult(score=Decimal(score), rank=0, passed=True)
        for score in ("100", "100", "100", "80")
    ]
    quarterly._ranked(results, company=org.company)
    assert [(r.rank, r.band) for r in results] == [
        (1, Band.BENCHMARK), (1, Band.BENCHMARK), (1, Band.BENCHMARK), (4, Band.LAGGARD),
    ]  # fmt: skip


def test_it_gives_a_team_member_the_inspection_score_of_the_estate_assessed(quarter):
    """ASM-1: inspections are of the estate; a member of the estate's security team takes the
    estate's average (75 %), not an empty figure of the team."""
    from pinzhi.orgs.models import Unit
    from pinzhi.orgs.tests.factories import UnitFactory, person_in_role

    team = UnitFactory(
        company=quarter.company, code="CH-AB", name="翠湖花园安保班", parent=quarter.ch,
        kind=Unit.Kind.TEAM,
    )  # fmt: skip
    guard = person_in_role("guard", "service_staff", team)
    plan = computed(quarter)
    assert value(plan, "inspection", person=guard).value == Decimal("75.00")


def test_it_proposes_reassignment_for_a_person_who_failed_the_quarter_before_too(
    quarter, monkeypatch
):
    """ASM-8 (公司服务监督管理制度 第十一条 培训或调整工作岗位): 李保洁 failed Q4 2025 too — the
    proposal handed to the consequences part is a reassignment citing the result; the
    others, who passed, get none."""
    from pinzhi.assessment.models import AssessmentResult, ConsequenceKind
    from pinzhi.lib.clock import now

    before = AssessmentPlan.objects.create(
        company=quarter.company, title="2025年第4季度质量考核", year=2025, quarter=4,
        starts_on="2025-10-01", ends_on="2025-12-31", status=PlanStatus.REPORTED,
        created_by=quarter.quality, created_at=now(),
    )  # fmt: skip
    AssessmentResult.objects.create(
        plan=before, level=Level.PERSON, person=quarter.staff, unit=quarter.ch,
        score=Decimal("50"), rank=1, passed=False,
    )  # fmt: skip
    proposed = []
    monkeypatch.setattr(quarterly, "_propose", lambda **kwargs: proposed.append(kwargs))
    plan = computed(quarter)
    quarterly.plan_report(plan=plan, actor=quarter.quality)
    (proposal,) = proposed
    assert proposal["kind"] == ConsequenceKind.REASSIGNMENT
    assert proposal["person"] == quarter.staff
    assert proposal["source_result"] == result(plan, person=quarter.staff)
    assert "55.71" in proposal["reason"] and "60" in proposal["reason"]
