"""The supplier quality pages (NCR-5): what the quality department and a supplier see and do."""

from datetime import date
from decimal import Decimal

from django.urls import reverse

from pinzhi.orgs.tests.factories import PASSWORD
from pinzhi.suppliers.models import (
    ContractDeduction,
    EvaluationStatus,
    MonthlyEvaluation,
    SupplierContract,
)


def _as(client, person):
    assert client.login(username=person.username, password=PASSWORD)
    return client


def _month_url(sup, month="2026-11"):
    return reverse("suppliers:month", args=[sup.contract.pk, month])


def _four_failed_days(check):
    for day in range(1, 5):
        check("daily", failed=True, at=f"2026-11-{day:02d} 09:00 +0800")


def test_it_lists_and_shows_contracts_to_the_quality_department(client, sup, check):
    """NCR-5: the contracts list, a contract with its terms, and the supplier's month with
    its checks by day, the threshold and the deduction."""
    _four_failed_days(check)
    client = _as(client, sup.quality)
    listing = client.get(reverse("suppliers:contracts"), {"q": "洁美"})
    assert listing.status_code == 200 and "BJ-2026-01" in listing.content.decode()
    detail = client.get(reverse("suppliers:contract", args=[sup.contract.pk]))
    assert detail.status_code == 200 and "3300.00" in detail.content.decode()
    month = client.get(_month_url(sup)).content.decode()
    assert 'data-testid="threshold-reached"' in month
    assert month.count('data-testid="check-failed"') == 4
    assert 'data-testid="action-review"' in month


def test_an_empty_month_says_so(client, sup):
    """NCR-5: a month without checks shows its empty state, never an error."""
    page = _as(client, sup.quality).get(_month_url(sup, "2026-03")).content.decode()
    assert 'data-testid="no-evaluation"' in page
    assert client.get(_month_url(sup, "2026-13")).status_code == 404
    assert client.get(_month_url(sup, "soon")).status_code == 404


def test_the_quality_department_records_a_contract_from_the_form(client, sup):
    """NCR-5: a contract is recorded from the page, with the pack's defaults for empty
    terms; a wrong period is refused beside its field."""
    client = _as(client, sup.quality)
    data = {
        "supplier": sup.other.pk,
        "number": "JJ-01",
        "title": "保洁服务合同",
        "units": [sup.bjm.pk],
        "starts_on": "2026-12-01",
        "ends_on": "2026-11-01",
        "monthly_fee": "8000",
    }
    refused = client.post(reverse("suppliers:contract_create"), data)
    assert refused.status_code == 400
    assert "合同结束日期不能早于开始日期" in refused.content.decode()
    data["ends_on"] = "2027-11-30"
    response = client.post(reverse("suppliers:contract_create"), data)
    contract = SupplierContract.objects.get(number="JJ-01")
    assert response.status_code == 302
    assert contract.weekly_failure_deduction == Decimal("500")


def test_the_quality_department_reviews_and_confirms_on_the_month_page(client, sup, check):
    """NCR-5: the evaluation's steps are taken on the month page."""
    check("daily", failed=True)
    evaluation = MonthlyEvaluation.objects.get()
    client = _as(client, sup.quality)
    for action in ("review", "confirm"):
        response = client.post(
            reverse("suppliers:evaluation_step", args=[evaluation.pk, action]), {"note": "好"}
        )
        assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.CONFIRMED
    again = client.post(reverse("suppliers:evaluation_step", args=[evaluation.pk, "confirm"]))
    assert again.status_code == 409


def test_a_deduction_is_corrected_by_a_new_entry_from_its_page(client, sup, check):
    """NCR-5: a correction is booked with its reason; a missing reason is refused."""
    _four_failed_days(check)
    entry = ContractDeduction.objects.get()
    client = _as(client, sup.quality)
    url = reverse("suppliers:deduction_correct", args=[entry.pk])
    assert client.post(url, {"amount": "-200", "reason": ""}).status_code == 400
    assert client.post(url, {"amount": "-200", "reason": "复核合格"}).status_code == 302
    assert ContractDeduction.objects.count() == 2


def test_a_supplier_sees_its_month_once_confirmed_and_another_supplier_nothing(client, sup, check):
    """NCR-5: the supplier's login reads its own contract and, once confirmed, its month and
    deductions; another supplier gets 404 for all of them."""
    _four_failed_days(check)
    evaluation = MonthlyEvaluation.objects.get()
    client = _as(client, sup.supplier_person)
    before = client.get(_month_url(sup)).content.decode()
    assert 'data-testid="no-evaluation"' in before and "3300.00" not in before
    # Its checks it reads at once.
    assert before.count('data-testid="check-failed"') == 4
    evaluation.status = EvaluationStatus.CONFIRMED
    evaluation.save()
    after = client.get(_month_url(sup)).content.decode()
    assert "3300.00" in after and 'data-testid="action-review"' not in after
    assert "BJ-2026-01" in client.get(reverse("suppliers:contracts")).content.decode()
    client.logout()
    client = _as(client, sup.other_person)
    assert client.get(_month_url(sup)).status_code == 404
    assert client.get(reverse("suppliers:contract", args=[sup.contract.pk])).status_code == 404
    listing = client.get(reverse("suppliers:contracts")).content.decode()
    assert "BJ-2026-01" not in listing and 'data-testid="no-contracts"' in listing
    evaluations = client.get(reverse("suppliers:evaluations")).content.decode()
    assert 'data-testid="no-evaluations"' in evaluations


def test_the_evaluations_list_filters_by_month_and_threshold(client, sup, check):
    """NCR-5: the evaluations list filters; a month that is not one is shown beside its
    field, never a 500."""
    _four_failed_days(check)
    check("daily", at="2026-10-05 09:00 +0800")
    client = _as(client, sup.quality)
    url = reverse("suppliers:evaluations")
    assert client.get(url).content.decode().count('data-testid="evaluation-row"') == 2
    reached = client.get(url, {"threshold": "true"}).content.decode()
    assert reached.count('data-testid="evaluation-row"') == 1
    october = client.get(url, {"month": "2026-10"}).content.decode()
    assert october.count('data-testid="evaluation-row"') == 1
    assert client.get(url, {"month": "2026-99"}).status_code == 200
    assert date(2026, 10, 1) in MonthlyEvaluation.objects.values_list("month", flat=True)
