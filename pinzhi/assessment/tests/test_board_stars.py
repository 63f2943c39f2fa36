from datetime import date
from decimal import Decimal

import pytest

from pinzhi.assessment.models import (
    AssessmentMonth,
    EntryKind,
    MonthStatus,
    PointsEntry,
    ServiceStar,
)
from pinzhi.assessment.services.board import BoardError, star_name, star_withdraw
from pinzhi.orgs.tests.factories import person_in_role
from pinzhi.timeline.models import Event

JAN, FEB, MAR, APR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)


def _name(org, month, person, actor=None, unit=None):
    return star_name(
        company=org.company,
        unit=unit or org.ch,
        month=month,
        person=person,
        actor=actor or org.manager,
    )


def test_it_rewards_stars_in_january_february_and_april_500_1000_500(org, clock):
    """ASM-6 (004 第5篇 二.3): a star in January, February and April → 500, 1,000, 500 yuan:
    the streak restarts after March, when the unit named nobody."""
    _name(org, JAN, org.staff)
    _name(org, FEB, org.staff)
    clock.move_to("2026-04-20 10:00 +0800")
    april = _name(org, APR, org.staff)

    entries = PointsEntry.objects.filter(kind=EntryKind.SERVICE_STAR).order_by("month")
    assert [(e.month, e.amount, e.count) for e in entries] == [
        (JAN, Decimal("500"), 1),
        (FEB, Decimal("1000"), 2),
        (APR, Decimal("500"), 1),
    ]
    assert april.streak == 1
    first = entries[0]
    assert first.rule_key == "assessment.service_star_reward"
    assert "第5篇 二.3" in first.citation
    assert first.points == 0 and first.person == org.staff


def test_it_breaks_the_streak_with_a_vacancy_or_another_person(org):
    """ASM-6: 没有按空额对待 — a vacancy books nothing and starts the count again, as does
    naming another person."""
    other = person_in_role("staff2", "service_staff", org.ch)
    _name(org, date(2025, 11, 1), org.staff)
    vacancy = _name(org, date(2025, 12, 1), None)
    assert vacancy.person is None and vacancy.streak == 0 and vacancy.entry is None
    assert _name(org, JAN, org.staff).streak == 1
    assert _name(org, FEB, other).streak == 1
    assert _name(org, MAR, other).entry.amount == Decimal("1000")


def test_it_books_the_star_on_the_month_named_even_when_named_after_it(org):
    """ASM-6: a star named on 10 March for February counts in February (Asia/Shanghai)."""
    star = _name(org, FEB, org.staff)
    assert star.entry.month == FEB
    assert Event.objects.filter(action="service_star.named", object_id=str(star.pk)).exists()


def test_it_names_one_star_per_unit_and_month(org):
    """ASM-6: one per unit per month — naming again is refused until withdrawn."""
    _name(org, FEB, org.staff)
    with pytest.raises(BoardError) as refused:
        _name(org, FEB, org.staff)
    assert refused.value.status == 409


def test_it_refuses_a_future_month_a_closed_month_and_someone_of_another_unit(org):
    with pytest.raises(BoardError) as future:
        _name(org, APR, org.staff)
    assert future.value.field == "month"
    AssessmentMonth.objects.create(company=org.company, month=JAN, status=MonthStatus.CLOSED)
    with pytest.raises(BoardError) as closed:
        _name(org, JAN, org.staff)
    assert "工资" in str(closed.value.message % closed.value.params)
    with pytest.raises(BoardError) as elsewhere:
        _name(org, FEB, org.other)
    assert elsewhere.value.field == "person"


def test_it_lets_only_the_units_department_manager_or_the_quality_department_name(org):
    """ASM-6: each unit names its own (its department manager), or the quality department."""
    with pytest.raises(BoardError) as refused:
        _name(org, FEB, org.staff, actor=org.supervisor)
    assert refused.value.status == 403
    with pytest.raises(BoardError):
        _name(org, FEB, org.other, actor=org.manager, unit=org.bjm)
    assert _name(org, FEB, org.other, actor=org.quality, unit=org.bjm).entry.amount == 500


def test_it_corrects_the_reward_when_a_naming_is_withdrawn_before_the_month_closes(org):
    """ASM-6 / mechanism 4: withdrawing books a correction citing the reward; the unit may
    name again."""
    star = _name(org, FEB, org.staff)
    reward = star.entry
    star_withdraw(star=star, actor=org.quality, reason="评选有误")
    correction = PointsEntry.objects.get(kind=EntryKind.CORRECTION)
    assert correction.corrects == reward
    assert correction.amount == Decimal("-500")
    assert "评选有误" in correction.reason
    assert not ServiceStar.objects.exists()
    assert _name(org, FEB, org.staff).streak == 1


def test_it_refuses_to_withdraw_without_a_reason_or_before_a_later_naming(org):
    star = _name(org, JAN, org.staff)
    _name(org, FEB, org.staff)
    with pytest.raises(BoardError) as no_reason:
        star_withdraw(star=star, actor=org.quality, reason="  ")
    assert no_reason.value.field == "reason"
    with pytest.raises(BoardError) as later:
        star_withdraw(star=star, actor=org.quality, reason="错了")
    assert "2026-02" in str(later.value.message % later.value.params)


def test_it_refuses_to_withdraw_once_the_month_is_closed(org):
    star = _name(org, JAN, org.staff)
    AssessmentMonth.objects.create(company=org.company, month=JAN, status=MonthStatus.CLOSED)
    with pytest.raises(BoardError) as closed:
        star_withdraw(star=star, actor=org.quality, reason="错了")
    assert closed.value.status == 409
    assert ServiceStar.objects.count() == 1
