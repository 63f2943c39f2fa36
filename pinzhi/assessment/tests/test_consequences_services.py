"""Consequences (ASM-8, ASM-10): proposals, the penalty scale's deciders, retraining
tracked to completion."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from pinzhi.assessment.models import (
    ConsequenceKind,
    ConsequenceStatus,
    Sanction,
    WorstServiceRating,
)
from pinzhi.assessment.services.consequences import (
    ConsequenceError,
    consequence_decide,
    consequence_propose,
)
from pinzhi.lib.clock import now
from pinzhi.notify.models import Notification
from pinzhi.training import services as training
from pinzhi.training.models import AssignmentReason, AssignmentStatus, Course, Topic


def _sanction(o, step, person=None):
    return consequence_propose(
        company=o.company,
        kind=ConsequenceKind.SANCTION,
        sanction=step,
        person=person or o.staff,
        reason="多次服务态度投诉",
        actor=o.quality,
    )


def test_it_lets_the_department_manager_decide_criticism_and_warning_only(org):
    """ASM-10 (000 公司服务质量检验管理规定 第十九条): criticism and a warning by the person's
    department manager; a fine or a pay cut needs the quality department."""
    warning = _sanction(org, Sanction.WARNING)
    consequence_decide(consequence=warning, actor=org.manager, accept=True, decision="书面警告")
    warning.refresh_from_db()
    assert warning.status == ConsequenceStatus.DECIDED
    assert warning.decided_by == org.manager
    fine = _sanction(org, Sanction.FINE)
    with pytest.raises(ConsequenceError) as refused:
        consequence_decide(consequence=fine, actor=org.manager, accept=True, decision="罚款")
    assert refused.value.status == 403
    assert "质量管理部" in refused.value.reason or "Quality department" in refused.value.reason
    consequence_decide(consequence=fine, actor=org.quality, accept=True, decision="罚款 200 元")


def test_it_keeps_suspension_and_dismissal_for_leadership(org):
    """ASM-10: suspension and dismissal are decided by leadership, not the quality
    department."""
    dismissal = _sanction(org, Sanction.DISMISSAL)
    with pytest.raises(ConsequenceError):
        consequence_decide(consequence=dismissal, actor=org.quality, accept=True, decision="辞退")
    consequence_decide(
        consequence=dismissal, actor=org.leader, accept=False, decision="暂不辞退，调岗观察"
    )
    dismissal.refresh_from_db()
    assert dismissal.status == ConsequenceStatus.REJECTED


def test_it_keeps_another_departments_people_from_a_department_manager(org):
    """ASM-10: a department manager decides only for the people of their department."""
    criticism = _sanction(org, Sanction.CRITICISM, person=org.other)
    with pytest.raises(ConsequenceError):
        consequence_decide(consequence=criticism, actor=org.manager, accept=True, decision="批评")


def test_it_proposes_rewards_and_commendations_for_leadership_to_decide(org):
    """ASM-10 (000 第六部分 2): department and team rewards and the commendation of excellent
    inspectors, proposed by the quality department and decided by leadership."""
    reward = consequence_propose(
        company=org.company,
        kind=ConsequenceKind.DEPARTMENT_REWARD,
        unit=org.ch,
        amount=Decimal("2000"),
        reason="第一季度服务满意率第一",
        actor=org.quality,
    )
    assert Notification.objects.filter(recipient=org.leader, kind="consequence.proposed").exists()
    with pytest.raises(ConsequenceError):
        consequence_decide(consequence=reward, actor=org.quality, accept=True, decision="同意")
    consequence_decide(consequence=reward, actor=org.leader, accept=True, decision="同意奖励")
    reward.refresh_from_db()
    assert reward.status == ConsequenceStatus.DECIDED


def test_it_refuses_a_proposal_without_its_person_unit_step_or_reason(org):
    with pytest.raises(ConsequenceError) as refused:
        consequence_propose(company=org.company, kind=ConsequenceKind.SANCTION, reason=" ")
    fields = {e.field for e in refused.value.field_errors}
    assert fields == {"reason", "person", "sanction"}
    with pytest.raises(ConsequenceError) as refused:
        consequence_propose(
            company=org.company, kind=ConsequenceKind.TEAM_REWARD, reason="好", amount=Decimal(-1)
        )
    assert {e.field for e in refused.value.field_errors} == {"unit", "amount"}


def test_it_proposes_once_from_the_same_rating(org):
    """ASM-7: the 3rd worst-service rating brings one dismissal proposal, however often the
    month end runs."""
    rating = WorstServiceRating.objects.create(
        company=org.company,
        person=org.staff,
        unit=org.ch,
        month=date(2026, 2, 1),
        complaints=2,
        ordinal=3,
        created_at=now(),
    )
    first = consequence_propose(
        company=org.company,
        kind=ConsequenceKind.DISMISSAL_PROPOSAL,
        person=org.staff,
        reason="第 3 次被评为服务最差",
        source_rating=rating,
    )
    again = consequence_propose(
        company=org.company,
        kind=ConsequenceKind.DISMISSAL_PROPOSAL,
        person=org.staff,
        reason="第 3 次被评为服务最差",
        source_rating=rating,
    )
    assert first.pk == again.pk
    assert first.status == ConsequenceStatus.PROPOSED  # never decided automatically


def test_it_assigns_a_decided_retraining_and_marks_it_done_when_passed(org, clock):
    """ASM-8 (000 公司服务监督管理制度 第十一条) / TRN-1: a failed assessment → retraining,
    assigned when decided (due in the pack's 30 days) and done once the person passes the
    course."""
    course = Course.objects.create(
        company=org.company,
        code="FW-01",
        title="服务意识与礼仪",
        topic=Topic.SERVICE_AWARENESS,
        hours=4,
        pass_score=60,
    )
    retraining = consequence_propose(
        company=org.company,
        kind=ConsequenceKind.RETRAINING,
        person=org.staff,
        reason="第一季度考核不合格",
        actor=org.quality,
    )
    consequence_decide(
        consequence=retraining,
        actor=org.manager,
        accept=True,
        decision="参加服务意识培训",
        course=course,
    )
    retraining.refresh_from_db()
    assignment = retraining.training
    assert assignment.reason == AssignmentReason.RETRAINING
    assert assignment.course == course
    assert assignment.due_on == date(2026, 3, 10) + timedelta(days=30)
    assert retraining.status == ConsequenceStatus.DECIDED
    clock.move_to("2026-03-20 14:00 +0800")
    session = training.session_create(
        course=course, starts_at=now() - timedelta(hours=2), ends_at=now()
    )
    training.attendance_record(
        session=session,
        rows=[training.AttendanceRow(person=org.staff, attended=True, score=Decimal(75))],
        actor=org.quality,
    )
    retraining.refresh_from_db()
    assert retraining.training.status == AssignmentStatus.COMPLETED
    assert retraining.status == ConsequenceStatus.DONE


def test_it_records_a_reassignment_as_decided_and_refuses_a_second_decision(org):
    """ASM-8: a reassignment is recorded as decided (the organisation is not changed)."""
    reassignment = consequence_propose(
        company=org.company,
        kind=ConsequenceKind.REASSIGNMENT,
        person=org.staff,
        reason="连续两个季度考核不合格",
        actor=org.manager,
    )
    with pytest.raises(ConsequenceError):
        consequence_decide(consequence=reassignment, actor=org.quality, accept=True, decision=" ")
    consequence_decide(
        consequence=reassignment, actor=org.quality, accept=True, decision="调至绿化岗位"
    )
    with pytest.raises(ConsequenceError) as refused:
        consequence_decide(
            consequence=reassignment, actor=org.quality, accept=False, decision="撤回"
        )
    assert refused.value.status == 409
    reassignment.refresh_from_db()
    assert reassignment.status == ConsequenceStatus.DECIDED
    assert reassignment.person.unit == org.ch
