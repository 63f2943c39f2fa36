"""The month-end assessment benchmark computes what the hand-written SQL computes (issue 11,
"Tests and evidence"), at a size a test affords."""

import pytest
from django.db import connection

from pinzhi.assessment.models import MonthlyTotal, PointsEntry
from pinzhi.bench import assessment
from pinzhi.orgs.models import Company

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the benchmark's SQL aggregate is PostgreSQL's"
)


@needs_postgresql
@pytest.mark.django_db
def test_it_agrees_with_the_hand_written_sql_and_leaves_nothing_behind(monkeypatch):
    """ASM-3/ASM-4/ASM-7: 300 staff, 3,600 verified complaints over twelve months; the
    month's first 60 derived by the ledger's consumer, the rest booked in bulk; the totals
    of month_compute (worst service included) equal the SQL aggregate straight from the
    events, and the rolled-back run leaves no company, entry or total."""
    from pinzhi.policy.services import pack_load

    pack_load(code="property")
    monkeypatch.setattr(assessment, "STAFF", 300)
    monkeypatch.setattr(assessment, "EVENTS", 3600)
    monkeypatch.setattr(assessment, "DERIVE", 60)
    monkeypatch.setattr(assessment, "RUNS", 2)
    got = assessment.assessment_month()
    assert got.equal, got.note
    assert got.derived == 60 and len(got.compute) == 1 and len(got.raw) == 2
    assert "worst-service ratings" in got.note
    assert not Company.objects.filter(name__startswith="基准考核").exists()
    assert not PointsEntry.objects.exists() and not MonthlyTotal.objects.exists()
