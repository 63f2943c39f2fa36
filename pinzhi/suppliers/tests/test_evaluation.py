"""The monthly evaluation of a supplier and its deduction ledger (NCR-5, 004 第3篇)."""

from datetime import UTC, date
from decimal import Decimal

import pytest

from pinzhi.notify.models import Notification
from pinzhi.suppliers import selectors, services
from pinzhi.suppliers.models import (
    ContractDeduction,
    DeductionKind,
    EvaluationStatus,
    MonthlyEvaluation,
    SupplierCheck,
)
from pinzhi.timeline.models import Event

NOVEMBER = date(2026, 11, 1)


def _evaluation(sup, month=NOVEMBER):
    return MonthlyEvaluation.objects.get(contract=sup.contract, month=month)


def _days(n, cadence_gap=1):
    return [f"2026-11-{day:02d} 09:00 +0800" for day in range(1, 1 + n * cadence_gap, cadence_gap)]


def test_it_does_not_report_three_failed_daily_checks(sup, check):
    """NCR-5: three failed daily checks in a month stay below the threshold of four."""
    for at in _days(3):
        check("daily", failed=True, at=at)
    check("daily", at="2026-11-05 09:00 +0800")
    evaluation = _evaluation(sup)
    assert (evaluation.daily_checks, evaluation.daily_failed) == (4, 3)
    assert evaluation.threshold_reached is False
    assert not ContractDeduction.objects.exists()
    assert not Notification.objects.filter(kind="supplier.threshold").exists()


def test_it_reports_four_failed_daily_checks_and_books_the_deduction(sup, check):
    """NCR-5: the fourth failed daily check of a month reaches the threshold: reported to the
    manager, the technical department and the quality department, and the contract's
    deduction is booked with the failed checks as evidence."""
    for at in _days(4):
        check("daily", failed=True, at=at)
    evaluation = _evaluation(sup)
    assert evaluation.daily_failed == 4 and evaluation.threshold_reached
    entry = ContractDeduction.objects.get()
    # 4 × 200 + 5% of 50,000
    assert entry.kind == DeductionKind.THRESHOLD and entry.amount == Decimal("3300.00")
    assert entry.evidence.count() == 4
    assert entry.citation.startswith("《") and "第3篇" in entry.citation
    told = set(
        Notification.objects.filter(kind="supplier.threshold").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"manager", "engineer", "quality"}


def test_it_does_not_report_one_failed_weekly_check(sup, check):
    """NCR-5: one failed weekly check in a month stays below the threshold of two."""
    check("weekly", failed=True, at="2026-11-04 15:00 +0800")
    check("weekly", at="2026-11-11 15:00 +0800")
    evaluation = _evaluation(sup)
    assert (evaluation.weekly_checks, evaluation.weekly_failed) == (2, 1)
    assert not evaluation.threshold_reached
    assert not ContractDeduction.objects.exists()


def test_it_reports_two_failed_weekly_checks(sup, check):
    """NCR-5: two failed weekly checks in a month reach the threshold on their own."""
    check("weekly", failed=True, at="2026-11-04 15:00 +0800")
    check("weekly", failed=True, at="2026-11-11 15:00 +0800")
    evaluation = _evaluation(sup)
    assert evaluation.threshold_reached
    # 2 × 500 + 5% of 50,000
    assert ContractDeduction.objects.get().amount == Decimal("3500.00")


def test_it_counts_a_check_in_its_month_in_shanghai_time(sup, check):
    """NCR-5: months are Asia/Shanghai months: 00:30 on 1 November in Shanghai (16:30 UTC
    on 31 October) is November's, 23:30 on 31 October is October's."""
    for at in _days(3):
        check("daily", failed=True, at=at)
    check("daily", failed=True, at="2026-10-31 23:30 +0800")
    assert not _evaluation(sup).threshold_reached
    assert _evaluation(sup, date(2026, 10, 1)).daily_failed == 1
    just_after = check("daily", failed=True, at="2026-11-01 00:30 +0800")
    november = _evaluation(sup)
    assert november.daily_failed == 4 and november.threshold_reached
    late = SupplierCheck.objects.get(inspection=just_after)
    assert late.submitted_at.astimezone(UTC).date() == date(2026, 10, 31)
    assert (late.day, late.month) == (date(2026, 11, 1), NOVEMBER)


def test_it_books_the_month_exactly_once_however_often_it_is_computed(sup, check):
    """NCR-5: one deduction per contract and month, however often the month is computed or
    the same submissions are offered again."""
    for at in _days(4):
        check("daily", failed=True, at=at)
    events = list(Event.objects.filter(action="inspection.submitted"))
    for _again in range(3):
        services.evaluation_compute(contract=sup.contract, month=NOVEMBER)
        services.checks_fold(events)
    assert SupplierCheck.objects.count() == 4
    assert ContractDeduction.objects.count() == 1
    assert Notification.objects.filter(kind="supplier.threshold").count() == 3
    assert Event.objects.filter(action="supplier_deduction.booked").count() == 1


def test_failures_after_the_deduction_add_a_supplement(sup, check):
    """NCR-5: a fifth failed daily check adds its amount as a new entry; the first stays."""
    for at in _days(5):
        check("daily", failed=True, at=at)
    threshold, supplement = ContractDeduction.objects.order_by("pk")
    assert (threshold.kind, threshold.amount) == (DeductionKind.THRESHOLD, Decimal("3300.00"))
    assert (supplement.kind, supplement.amount) == (DeductionKind.SUPPLEMENT, Decimal("200.00"))
    assert supplement.evidence.count() == 1


def test_a_correction_is_a_new_entry_and_never_takes_the_month_below_zero(sup, check):
    """NCR-5: the ledger is append-only: a correction is its own entry."""
    for at in _days(4):
        check("daily", failed=True, at=at)
    entry = ContractDeduction.objects.get()
    with pytest.raises(services.SupplierError) as refused:
        services.deduction_correct(
            deduction=entry, amount=Decimal("-5000"), reason="复核", actor=sup.quality
        )
    assert refused.value.field == "amount"
    with pytest.raises(services.SupplierError) as refused:
        services.deduction_correct(
            deduction=entry, amount=Decimal("-200"), reason=" ", actor=sup.quality
        )
    assert refused.value.field == "reason"
    services.deduction_correct(
        deduction=entry, amount=Decimal("-200"), reason="11-02 日检复核合格", actor=sup.quality
    )
    entry.refresh_from_db()
    assert entry.amount == Decimal("3300.00")
    assert selectors.deduction_total(contract_id=sup.contract.pk, month=NOVEMBER) == Decimal(
        "3100.00"
    )
    # Computing again does not book the corrected amount back.
    services.evaluation_compute(contract=sup.contract, month=NOVEMBER)
    assert ContractDeduction.objects.count() == 2


def test_a_check_of_a_unit_the_contract_does_not_cover_is_not_counted(sup, check):
    """NCR-5: only the contract's units count towards its month."""
    outside = sup.gc
    check("daily", failed=True, unit=outside)
    assert SupplierCheck.objects.get().contract is None
    assert not MonthlyEvaluation.objects.exists()


def test_a_contract_recorded_later_takes_the_checks_it_covers(sup, check):
    """NCR-5: checks of a supplier folded before its contract was recorded are evaluated
    when it is."""
    check("daily", failed=True, supplier=sup.other)
    assert SupplierCheck.objects.get().contract is None
    contract = services.contract_create(
        company=sup.company,
        terms=services.ContractTerms(
            supplier=sup.other,
            number="JJ-2026-01",
            title="绿化保洁合同",
            units=[sup.hq],
            starts_on=date(2026, 11, 1),
            ends_on=date(2027, 10, 31),
            monthly_fee=Decimal("1000"),
            standards=[],
        ),
        actor=sup.quality,
    )
    assert SupplierCheck.objects.get().contract == contract
    assert MonthlyEvaluation.objects.get(contract=contract).daily_failed == 1
    # The pack's defaults are the new contract's terms.
    assert contract.daily_failure_deduction == Decimal("200")
    assert contract.threshold_deduction_percent == Decimal("5")


def test_a_contract_refuses_terms_that_do_not_hold_with_the_field_named(sup):
    """NCR-5: a contract's supplier, units, period and amounts are checked, each refusal
    beside its field."""
    from pinzhi.orgs.tests.factories import CompanyFactory, UnitFactory

    elsewhere = UnitFactory(company=CompanyFactory(name="别家物业"), code="X", name="别家")
    with pytest.raises(services.SupplierError) as refused:
        services.contract_create(
            company=sup.company,
            terms=services.ContractTerms(
                supplier=sup.company,
                number="BJ-2026-01",
                title="合同",
                units=[elsewhere],
                starts_on=date(2026, 12, 1),
                ends_on=date(2026, 11, 1),
                monthly_fee=Decimal("-1"),
                standards=[],
                threshold_deduction_percent=Decimal("120"),
            ),
            actor=sup.quality,
        )
    fields = {error.field for error in refused.value.errors}
    assert fields == {
        "supplier",
        "units",
        "ends_on",
        "monthly_fee",
        "threshold_deduction_percent",
        "number",
    }


def test_the_quality_department_reviews_then_confirms_and_the_supplier_is_told(sup, check):
    """NCR-5: computed → reviewed by the quality department → confirmed and sent to the
    supplier, whose people are notified and only then see the month."""
    check("daily", failed=True)
    evaluation = _evaluation(sup)
    assert evaluation not in selectors.evaluations_visible_to(sup.supplier_person)
    with pytest.raises(services.SupplierError):
        services.evaluation_confirm(evaluation=evaluation, actor=sup.quality)
    with pytest.raises(services.SupplierError):
        services.evaluation_review(evaluation=evaluation, actor=sup.manager)
    services.evaluation_review(evaluation=evaluation, actor=sup.quality, note="已核对")
    services.evaluation_confirm(evaluation=evaluation, actor=sup.quality)
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.CONFIRMED
    assert Notification.objects.filter(
        kind="supplier.evaluation_confirmed", recipient=sup.supplier_person
    ).exists()
    assert evaluation in selectors.evaluations_visible_to(sup.supplier_person)


def test_a_later_check_sends_a_reviewed_month_back_to_the_quality_department(sup, check):
    """NCR-5: the evaluation always reflects the month's checks: one submitted after the
    review is computed in, and the month is reviewed again."""
    check("daily", failed=True, at="2026-11-02 09:00 +0800")
    services.evaluation_review(evaluation=_evaluation(sup), actor=sup.quality)
    check("daily", at="2026-11-03 09:00 +0800")
    evaluation = _evaluation(sup)
    assert evaluation.status == EvaluationStatus.COMPUTED and evaluation.daily_checks == 2
    assert Event.objects.filter(action="supplier_evaluation.reopened").exists()


def test_another_supplier_sees_nothing_of_the_contractor(sup, check):
    """NCR-5: a supplier's login sees only its own contracts, checks, evaluations and
    deductions; another supplier sees none of them."""
    for at in _days(4):
        check("daily", failed=True, at=at)
    evaluation = _evaluation(sup)
    services.evaluation_review(evaluation=evaluation, actor=sup.quality)
    services.evaluation_confirm(evaluation=evaluation, actor=sup.quality)
    own, other = sup.supplier_person, sup.other_person
    assert list(selectors.contracts_visible_to(own)) == [sup.contract]
    assert selectors.checks_visible_to(own).count() == 4
    assert selectors.deductions_visible_to(own).count() == 1
    assert not selectors.contracts_visible_to(other).exists()
    assert not selectors.checks_visible_to(other).exists()
    assert not selectors.evaluations_visible_to(other).exists()
    assert not selectors.deductions_visible_to(other).exists()
    # Staff outside the contract's units see nothing either.
    assert not selectors.contracts_visible_to(sup.staff).exists()


def test_the_database_refuses_a_second_deduction_of_the_month(sup, check):
    """NCR-5: exactly once stands in the database too: a second month's entry of a contract
    is refused by its constraint, whoever writes it."""
    from django.db import IntegrityError, transaction

    for at in _days(4):
        check("daily", failed=True, at=at)
    entry = ContractDeduction.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ContractDeduction.objects.create(
            company=sup.company,
            contract=sup.contract,
            month=NOVEMBER,
            kind=DeductionKind.THRESHOLD,
            amount=entry.amount,
            reason="重复",
            created_at=entry.created_at,
        )


def test_changed_terms_apply_to_later_entries_and_leave_the_booked_ones(sup, check):
    """NCR-5: a contract's terms change on the timeline; the ledger keeps what was booked
    and a later failure is priced at the new terms."""
    for at in _days(4):
        check("daily", failed=True, at=at)
    terms = services.ContractTerms(
        supplier=sup.supplier,
        number="BJ-2026-01",
        title="清洁服务委托合同（补充协议）",
        units=[sup.ch, sup.bjm],
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        monthly_fee=Decimal("50000"),
        standards=[],
        daily_failure_deduction=Decimal("300"),
        manager=sup.manager,
        technical_department=sup.gc,
    )
    services.contract_update(contract=sup.contract, terms=terms, actor=sup.quality)
    event = Event.objects.get(action="supplier_contract.changed")
    assert Decimal(event.after["daily_failure_deduction"]) == Decimal("300")
    assert ContractDeduction.objects.get().amount == Decimal("3300.00")
    check("daily", failed=True, at="2026-11-06 09:00 +0800")
    supplement = ContractDeduction.objects.get(kind=DeductionKind.SUPPLEMENT)
    # 5 × 300 + 2,500 − 3,300 already booked
    assert supplement.amount == Decimal("700.00")
