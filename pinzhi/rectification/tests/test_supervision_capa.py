"""Supervision orders with staged requirements and corrective actions for common problems
(NCR-4)."""

from datetime import timedelta

import pytest

from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.inspections.tests.factories import inspection_submitted
from pinzhi.lib.clock import now
from pinzhi.lib.workflow import NotPermitted
from pinzhi.rectification import services
from pinzhi.rectification.models import CorrectiveAction, SupervisionOrder


def test_a_supervision_order_completes_stage_by_stage(org):
    """NCR-4 (000 监督管理办法 五(二)): a 督办单 states the problem with staged requirements,
    each with its own due date (a deadline); stages complete in order and the order with
    its last stage."""
    order = services.supervision_order_issue(
        unit=org.estate,
        problem="车库照明长期不亮",
        stages=[
            ("一周内排查", now() + timedelta(days=7)),
            ("一月内建立巡检", now() + timedelta(days=30)),
        ],
        actor=org.quality,
    )
    first, second = order.stages.order_by("position")
    assert deadlines_for(first).get().kind == "rectification.supervision_stage"
    with pytest.raises(services.RectificationError):
        services.supervision_stage_complete(stage=second, actor=org.manager, note="提前完成")
    services.supervision_stage_complete(stage=first, actor=org.manager, note="已排查 42 盏")
    assert deadlines_for(first).get().state == Deadline.State.MET
    services.supervision_stage_complete(stage=second, actor=org.manager, note="巡检表已启用")
    order.refresh_from_db()
    assert order.status == SupervisionOrder.Status.CLOSED


def test_a_supervision_order_needs_a_stage_in_the_future(org):
    """Bad input: no stage, or a stage due in the past, is refused; nothing is written."""
    with pytest.raises(services.RectificationError) as error:
        services.supervision_order_issue(
            unit=org.estate, problem="问题", stages=[], actor=org.quality
        )
    assert error.value.field == "stages"
    with pytest.raises(services.RectificationError):
        services.supervision_order_issue(
            unit=org.estate,
            problem="问题",
            stages=[("x", now() - timedelta(days=1))],
            actor=org.quality,
        )
    assert not SupervisionOrder.objects.exists()


def _fail_in(org, unit):
    inspection_submitted(
        version=org.version, unit=unit, inspector=org.inspector, results={"A2": "fail"}
    )
    services.inspections_follow()


def test_the_same_problem_in_three_units_proposes_a_corrective_action(org):
    """NCR-4 (000 检验办法 4.9): the same checklist item failed in the pack's number of units
    (3) within the pack's period proposes one corrective action; two units do not."""
    _fail_in(org, org.estates[0])
    _fail_in(org, org.estates[1])
    _fail_in(org, org.estates[1])
    assert not CorrectiveAction.objects.exists()
    _fail_in(org, org.estates[2])
    action = CorrectiveAction.objects.get()
    assert action.status == CorrectiveAction.Status.PROPOSED
    assert action.units.count() == 3 and action.nonconformities.count() == 4
    _fail_in(org, org.estates[0])
    assert CorrectiveAction.objects.count() == 1
    assert action.nonconformities.count() == 5


def test_findings_outside_the_period_do_not_count(org, clock):
    """NCR-4: only findings within the pack's period (90 days) count as common."""
    _fail_in(org, org.estates[0])
    _fail_in(org, org.estates[1])
    clock.move_to(now() + timedelta(days=91))
    _fail_in(org, org.estates[2])
    assert not CorrectiveAction.objects.exists()


def test_a_corrective_action_closes_only_after_an_effective_check(org):
    """NCR-4: accepted with root cause, owner and due date; it closes only when its
    effectiveness check shows it worked; only the quality department decides."""
    for unit in org.estates:
        _fail_in(org, unit)
    action = CorrectiveAction.objects.get()
    with pytest.raises(NotPermitted):
        services.capa_accept(
            action=action, actor=org.manager, root_cause="x", plan="y", owner=org.manager
        )
    services.capa_accept(
        action=action,
        actor=org.quality,
        root_cause="服务用语培训不足",
        plan="全员文明用语培训",
        owner=org.manager,
    )
    action.refresh_from_db()
    assert action.status == CorrectiveAction.Status.ACCEPTED
    assert action.due_at == now() + timedelta(days=30)
    with pytest.raises(services.RectificationError) as error:
        services.capa_close(
            action=action, actor=org.quality, effectiveness="抽查仍有问题", effective=False
        )
    assert error.value.field == "effective"
    services.capa_close(
        action=action, actor=org.quality, effectiveness="连续一月抽查无复发", effective=True
    )
    action.refresh_from_db()
    assert action.status == CorrectiveAction.Status.CLOSED
    assert deadlines_for(action).get().state == Deadline.State.MET
