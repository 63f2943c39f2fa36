"""STD-3 quality goals and SLAs, STD-4 public service commitments."""

from datetime import date
from decimal import Decimal

import pytest

from pinzhi.orgs.tests.factories import PostFactory, UnitFactory
from pinzhi.standards import selectors, services
from pinzhi.standards.models import CommitmentState, GoalMetric, GoalPeriod


def _goal(unit, quality, target, effective_from, **kwargs):
    return services.goal_set(
        unit=unit,
        metric=kwargs.get("metric", GoalMetric.SATISFACTION_RATE),
        period=kwargs.get("period", GoalPeriod.QUARTER),
        target=Decimal(target),
        effective_from=effective_from,
        reason=kwargs.get("reason", ""),
        actor=quality,
    )


def test_it_adjusts_a_goal_by_a_new_version_from_its_effective_date(unit, quality):
    """STD-3 (002 第三章 动态调整): an adjustment is a new version with its effective date;
    each day is judged against the version in force then, and the old one stays."""
    first = _goal(unit, quality, "90", date(2026, 1, 1))
    second = _goal(unit, quality, "92", date(2026, 7, 1), reason="业主要求提高。")
    assert (first.version, second.version) == (1, 2)
    metric, period = GoalMetric.SATISFACTION_RATE, GoalPeriod.QUARTER
    assert selectors.goal_in_force(unit, metric, period, on=date(2026, 6, 30)) == first
    assert selectors.goal_in_force(unit, metric, period, on=date(2026, 7, 1)) == second
    first.refresh_from_db()
    assert first.target == Decimal("90")


def test_it_refuses_a_goal_that_does_not_make_sense(unit, quality):
    """STD-3: a percentage above 100, a negative target, a second version on the same date,
    or an "adjustment" to the same target are refused, naming the field."""
    _goal(unit, quality, "90", date(2026, 1, 1))
    cases = [
        (dict(target="101", effective_from=date(2026, 2, 1)), "target"),
        (dict(target="90", effective_from=date(2026, 2, 1)), "target"),
        (dict(target="95", effective_from=date(2026, 1, 1)), "effective_from"),
    ]
    for kwargs, field in cases:
        with pytest.raises(services.StandardError) as caught:
            _goal(unit, quality, **kwargs)
        assert caught.value.field == field and caught.value.status == 422
    with pytest.raises(services.StandardError) as caught:
        _goal(unit, quality, "-1", date(2026, 3, 1), metric=GoalMetric.COMPLAINT_COUNT)
    assert caught.value.field == "target"


def test_it_lists_the_goals_in_force_with_the_adjustments_to_come(unit, quality):
    """STD-3: the goals page shows each goal as in force today and the version to come."""
    _goal(unit, quality, "90", date(2026, 1, 1))
    _goal(unit, quality, "95", date(2027, 1, 1))
    rows = selectors.goals_in_force(quality, on=date(2026, 11, 30))
    assert len(rows) == 1
    assert rows[0]["goal"].target == Decimal("90")
    assert [g.target for g in rows[0]["upcoming"]] == [Decimal("95")]


def _sla(company, quality, **overrides):
    fields = dict(
        customer="某银行数据中心",
        contract_number="IT-2026-07",
        unit=None,
        valid_from=date(2026, 1, 1),
        valid_until=date(2026, 12, 31),
        response_minutes=15,
        resolution_hours=4,
        availability_percent=Decimal("99.9"),
        satisfaction_percent=None,
        callback_hours=24,
        notes="",
    )
    fields.update(overrides)
    return services.sla_record(company=company, actor=quality, **fields)


def test_it_records_the_service_levels_of_a_customer_contract(company, quality):
    """STD-3 (003 4.3(1)): an SLA per customer contract, with its levels; a contract number
    is recorded once per company."""
    sla = _sla(company, quality)
    assert sla.response_minutes == 15 and sla.availability_percent == Decimal("99.9")
    with pytest.raises(services.StandardError) as caught:
        _sla(company, quality)
    assert caught.value.field == "contract_number"


def test_it_refuses_an_sla_without_levels_or_with_impossible_ones(company, quality):
    """STD-3: an SLA names at least one level; percentages and dates must make sense."""
    empty = dict(
        response_minutes=None,
        resolution_hours=None,
        availability_percent=None,
        callback_hours=None,
    )
    for overrides, field in [
        (empty, "response_minutes"),
        (dict(availability_percent=Decimal("120")), "availability_percent"),
        (dict(valid_until=date(2025, 1, 1)), "valid_until"),
        (dict(customer=" "), "customer"),
    ]:
        with pytest.raises(services.StandardError) as caught:
            _sla(company, quality, **overrides)
        assert caught.value.field == field


def test_it_publishes_only_published_commitments_of_the_company(company, unit, quality):
    """STD-4: the public page shows a company's published commitments only — not drafts,
    not withdrawn ones, not another company's."""
    post = PostFactory(unit=unit, name="门卫")
    shown = services.commitment_write(
        company=company, post=post, text="文明服务，礼貌待客。\n\n按序办理。", actor=quality
    )
    assert shown.post_name == "门卫" and shown.lines == ["文明服务，礼貌待客。", "按序办理。"]
    draft = services.commitment_write(
        company=company, post_name="开票室", text="核对无误后收款。", actor=quality
    )
    gone = services.commitment_write(
        company=company, post_name="司磅室", text="提醒客户核对重量。", actor=quality
    )
    services.commitment_publish(commitment=shown, actor=quality)
    services.commitment_publish(commitment=gone, actor=quality)
    services.commitment_withdraw(commitment=gone, actor=quality, reason="岗位撤销")
    other_unit = UnitFactory()
    services.commitment_publish(
        commitment=services.commitment_write(
            company=other_unit.company, post_name="门卫", text="别家承诺。", actor=None
        ),
        actor=None,
    )
    assert list(selectors.commitments_published(company)) == [shown]
    draft.refresh_from_db()
    assert draft.state == CommitmentState.DRAFT


def test_it_refuses_an_empty_commitment_or_publishing_twice(company, quality):
    """STD-4: a commitment has a post and at least one line; a published one is not
    published again nor edited in place."""
    with pytest.raises(services.StandardError) as caught:
        services.commitment_write(company=company, post_name="门卫", text=" \n ", actor=quality)
    assert caught.value.field == "text"
    with pytest.raises(services.StandardError) as caught:
        services.commitment_write(company=company, post_name="", text="x", actor=quality)
    assert caught.value.field == "post_name"
    commitment = services.commitment_write(
        company=company, post_name="门卫", text="x", actor=quality
    )
    services.commitment_publish(commitment=commitment, actor=quality)
    for call in (
        lambda: services.commitment_publish(commitment=commitment, actor=quality),
        lambda: services.commitment_edit(
            commitment=commitment, post_name="门卫", text="y", actor=quality
        ),
    ):
        with pytest.raises(services.StandardError) as caught:
            call()
        assert caught.value.status == 409
