from datetime import date
from decimal import Decimal

from pinzhi.assessment.hooks import month_end_run
from pinzhi.assessment.models import (
    Consequence,
    ConsequenceKind,
    ConsequenceStatus,
    EntryKind,
    PointsEntry,
    WorstServiceRating,
)
from pinzhi.assessment.services.board import worst_service_rate
from pinzhi.assessment.services.ledger import entry_book, rule_applied
from pinzhi.assessment.tests.factories import complaint_verified
from pinzhi.lib.clock import now
from pinzhi.timeline.models import Event

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


def complaints(org, person, count, clock, *, day=3):
    """`count` verified complaints about `person` on successive days of the clock's month,
    booked as the ledger books them (kind COMPLAINT, count n, n × −5)."""
    entries = []
    for n in range(1, count + 1):
        clock.move_to(now().replace(day=day + n))
        complaint = complaint_verified(staff=person)
        applied = rule_applied("assessment.verified_complaint_per_count", company=org.company)
        entries.append(
            entry_book(
                company=org.company,
                person=person,
                kind=EntryKind.COMPLAINT,
                occurred_at=now(),
                points=n * applied.value,
                applied=applied,
                count=n,
                subject=complaint,
            )
        )
    return entries


def test_it_rates_worst_service_at_two_complaints_in_a_month_with_a_500_fine(org, clock):
    """ASM-7 (004 第5篇 二.4): two verified complaints within one month → rated worst
    service and fined 500 yuan; one complaint is not enough."""
    complaints(org, org.staff, 2, clock)
    complaints(org, org.other, 1, clock)
    worst_service_rate(company=org.company, month=MAR)

    rating = WorstServiceRating.objects.get()
    assert (rating.person, rating.month, rating.complaints, rating.ordinal) == (
        org.staff,
        MAR,
        2,
        1,
    )
    fine = rating.entry
    assert fine.kind == EntryKind.WORST_SERVICE and fine.month == MAR
    assert fine.amount == Decimal("-500") and fine.points == 0
    assert "第5篇 二.4" in fine.citation
    assert Event.objects.filter(action="worst_service.rated").count() == 1


def test_it_rates_once_however_often_the_month_is_computed(org, clock):
    """ASM-7: the month-end step is run at every (re)computation; the rating and its fine
    stay one, and a third complaint updates the count."""
    complaints(org, org.staff, 2, clock)
    month_end_run(company=org.company, month=MAR)
    complaints(org, org.staff, 1, clock, day=20)
    month_end_run(company=org.company, month=MAR)
    assert WorstServiceRating.objects.get().complaints == 3
    assert PointsEntry.objects.filter(kind=EntryKind.WORST_SERVICE).count() == 1


def test_it_proposes_dismissal_at_the_third_rating_for_a_person_to_decide(org, clock):
    """ASM-7 (004 第5篇 二.4): rated worst three times in total → a dismissal proposal,
    never a dismissal: a person decides it."""
    for month in ("2026-01-05", "2026-02-05", "2026-03-05"):
        clock.move_to(f"{month} 09:00 +0800")
        complaints(org, org.staff, 2, clock)
        worst_service_rate(company=org.company, month=now().date().replace(day=1))
    assert list(WorstServiceRating.objects.order_by("month").values_list("ordinal", flat=True)) == [
        1,
        2,
        3,
    ]
    proposal = Consequence.objects.get()
    assert proposal.kind == ConsequenceKind.DISMISSAL_PROPOSAL
    assert proposal.status == ConsequenceStatus.PROPOSED
    assert proposal.person == org.staff
    assert proposal.source_rating == WorstServiceRating.objects.get(month=MAR)


def test_it_withdraws_a_rating_when_an_upheld_appeal_leaves_one_complaint(org, clock):
    """ASM-7 with ASM-3: an upheld appeal corrects a complaint entry; recomputing the month
    withdraws the rating and corrects its fine."""
    first, _second = complaints(org, org.staff, 2, clock)
    worst_service_rate(company=org.company, month=MAR)
    entry_book(
        company=org.company,
        person=org.staff,
        kind=EntryKind.CORRECTION,
        occurred_at=now(),
        points=-first.points,
        corrects=first,
        reason="申诉成立",
    )
    worst_service_rate(company=org.company, month=MAR)
    assert not WorstServiceRating.objects.exists()
    fine_total = sum(
        entry.amount or 0
        for entry in PointsEntry.objects.filter(person=org.staff, month=MAR)
        if entry.kind in (EntryKind.WORST_SERVICE, EntryKind.CORRECTION)
    )
    assert fine_total == 0


def test_it_counts_complaints_in_the_month_of_asia_shanghai(org, clock):
    """ASM-7: 31 January 23:30 in Shanghai (15:30 UTC) is January: one complaint then and
    one on 1 February are one in each month, no rating."""
    clock.move_to("2026-01-31 23:30 +0800")
    complaint_one = complaint_verified(staff=org.staff)
    clock.move_to("2026-02-01 00:30 +0800")
    complaint_two = complaint_verified(staff=org.staff)
    for complaint in (complaint_one, complaint_two):
        entry_book(
            company=org.company,
            person=org.staff,
            kind=EntryKind.COMPLAINT,
            occurred_at=complaint.verified_at,
            points=-5,
            count=1,
            subject=complaint,
        )
    worst_service_rate(company=org.company, month=JAN)
    worst_service_rate(company=org.company, month=FEB)
    assert not WorstServiceRating.objects.exists()
