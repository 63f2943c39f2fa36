from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from pinzhi.assessment.models import AssessmentMonth, EntryKind, MonthStatus, PointsEntry
from pinzhi.assessment.services.board import star_name
from pinzhi.assessment.services.ledger import entry_book, rule_applied
from pinzhi.assessment.services.preview import amendment_impact, impact_of
from pinzhi.assessment.tests.test_board_worst import complaints
from pinzhi.lib.clock import now
from pinzhi.policy.models import Rule
from pinzhi.policy.services import amendment_propose, amendment_review

FEB = date(2026, 2, 1)


def _propose(org, key, value):
    rule = Rule.objects.get(pack__code="property", key=key)
    return amendment_propose(
        rule=rule, value=value, effective_from=None, reason="加大力度", proposed_by=org.quality
    )


def _close(org, month=FEB):
    AssessmentMonth.objects.create(company=org.company, month=month, status=MonthStatus.CLOSED)


@pytest.fixture
def february(org, clock):
    """February, closed: 李保洁 three verified complaints (−5, −10, −15), 吴秩序 one (−5)."""
    clock.move_to("2026-02-01 09:00 +0800")
    complaints(org, org.staff, 3, clock)
    complaints(org, org.other, 1, clock)
    clock.move_to("2026-03-10 10:00 +0800")
    _close(org)
    return org


def test_it_shows_who_would_lose_how_much_under_a_new_per_complaint_value(february):
    """Issue 11 item 6 (ASM-4, 004 第5篇 二.2): −8 per complaint instead of −5 would have
    made 李保洁's three complaints −8, −16, −24 (−48 instead of −30) and 吴秩序's −8."""
    amendment = _propose(february, "assessment.verified_complaint_per_count", -8)
    impact = impact_of(amendment)
    assert impact is not None and impact.month == FEB
    rows = {row.person.full_name: row for row in impact.people}
    assert (rows["李保洁"].points_before, rows["李保洁"].points_after) == (-30, -48)
    assert (rows["吴秩序"].points_before, rows["吴秩序"].points_after) == (-5, -8)
    totals = impact.totals
    assert (totals["points_before"], totals["points_after"], totals["changed"]) == (-35, -56, 2)
    html = amendment_impact(amendment)
    assert "李保洁" in html and "−18" not in html and "-18" in html
    assert "2026-02" in html


def test_it_recomputes_star_rewards_with_each_streak(org, clock):
    """Issue 11 item 6 (ASM-6): a reward of 600 instead of 500 would have paid the
    second month of a streak 1,200 instead of 1,000."""
    star_name(
        company=org.company,
        unit=org.ch,
        month=date(2026, 1, 1),
        person=org.staff,
        actor=org.quality,
    )
    star_name(company=org.company, unit=org.ch, month=FEB, person=org.staff, actor=org.quality)
    _close(org)
    impact = impact_of(_propose(org, "assessment.service_star_reward", 600))
    (row,) = impact.people
    assert (row.amount_before, row.amount_after) == (Decimal("1000"), Decimal("1200"))
    assert impact.money


def test_it_scales_a_fixed_deduction(february):
    """Issue 11 item 6 (ASM-4 二.1): an attitude deduction of −5 changed to −6."""
    applied = rule_applied(
        "assessment.attitude_complaint", company=february.company, at=now().replace(month=2)
    )
    PointsEntry.objects.filter(kind=EntryKind.COMPLAINT).update(rule_key="")
    AssessmentMonth.objects.filter(month=FEB).update(status=MonthStatus.PUBLISHED)
    entry_book(
        company=february.company,
        person=february.staff,
        kind=EntryKind.ATTITUDE,
        occurred_at=now().replace(month=2, day=20),
        points=applied.value,
        applied=applied,
    )
    AssessmentMonth.objects.filter(month=FEB).update(status=MonthStatus.CLOSED)
    (row,) = impact_of(_propose(february, "assessment.attitude_complaint", -6)).people
    assert (row.points_before, row.points_after) == (-5, -6)
    assert (row.month_before, row.month_after) == (-35, -36)  # with the three complaints


def test_it_shows_nothing_without_a_closed_month_or_an_entry_or_for_a_range(org, clock):
    """Issue 11 item 6: nothing to show when no month is closed, when the closed month has
    no entry under the rule, or for a rule a manager chooses a value within."""
    amendment = _propose(org, "assessment.verified_complaint_per_count", -8)
    assert amendment_impact(amendment) == ""
    _close(org)
    assert amendment_impact(amendment) == ""
    ranged = _propose(org, "assessment.offence_category_a", {"min": -20, "max": -5})
    assert amendment_impact(ranged) == ""


def test_it_puts_the_preview_on_the_amendments_approval_page(february, client):
    """Issue 11 item 6: before leadership approves, the amendment page shows the change."""
    amendment = _propose(february, "assessment.verified_complaint_per_count", -8)
    amendment_review(amendment=amendment, reviewer=february.quality, note="同意")
    client.force_login(february.leader)
    page = client.get(reverse("policy:amendment_approve", args=[amendment.pk])).content.decode()
    assert 'data-testid="rule-impact"' in page
    assert "李保洁" in page and "−35" not in page
