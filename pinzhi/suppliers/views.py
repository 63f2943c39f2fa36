"""Supplier quality pages (NCR-5): contracts, the supplier's month, evaluations and the
deduction ledger. The quality department manages; company-wide roles and department
managers read; a supplier's people read their own contracts, checks and confirmed months."""

from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import resolve, reverse
from django.utils.translation import gettext_lazy as _

from pinzhi.core.access import page, user_may
from pinzhi.core.shell import Crumb, render_form_page, render_page
from pinzhi.core.steps import step_entries, step_take
from pinzhi.lib.clock import now
from pinzhi.lib.paging import CappedPaginator
from pinzhi.suppliers import selectors, services
from pinzhi.suppliers.filters import ContractFilter, EvaluationFilter
from pinzhi.suppliers.forms import ContractForm, CorrectionForm
from pinzhi.suppliers.models import DeductionKind
from pinzhi.suppliers.workflow import EVALUATION_WORKFLOW

MSG_CREATED = _("Contract %(number)s is recorded.")
MSG_SAVED = _("Contract %(number)s is saved.")
MSG_COMPUTED = _("The month is computed again from its checks.")
MSG_CORRECTED = _("The correction is booked.")
HEADING_CREATE = _("Record a supplier contract")
HEADING_EDIT = _("Change the contract")
HEADING_CORRECT = _("Correct a deduction")
INTRO_CONTRACT = _(
    "The deduction terms apply in a month that reaches the reporting threshold (failed daily or "
    "weekly checks, see the policy pack). Empty amounts take the pack's values."
)

READERS = tuple(selectors.READ_ROLES)

MANAGERS = tuple(selectors.MANAGE_ROLES)


def inspection_page_roles() -> frozenset[str]:
    """Who may open an inspection's page (its view's access rule)."""
    return getattr(
        resolve(reverse("inspections:detail", args=[1])).func, "access_roles", frozenset()
    )


@page(*READERS)
def contract_list(request):
    filters = ContractFilter(request.GET, selectors.contracts_visible_to(request.user))
    page_obj = CappedPaginator(filters.qs.order_by("-starts_on", "number"), 25).get_page(
        request.GET.get("page")
    )
    return render_page(
        request,
        "suppliers/contract_list.html",
        {
            "filters": filters,
            "page_obj": page_obj,
            "may_manage": selectors.user_may_manage(request.user),
        },
        partial="suppliers/partials/contract_table.html",
    )


def _contract_form_page(request, form, *, contract=None, status=200):
    heading = HEADING_EDIT if contract else HEADING_CREATE
    cancel = (
        reverse("suppliers:contract", args=[contract.pk])
        if contract
        else reverse("suppliers:contracts")
    )
    response = render_form_page(
        request,
        form,
        heading=heading,
        cancel_url=cancel,
        crumbs=(Crumb(reverse("suppliers:contracts"), _("Supplier contracts")),),
        intro=INTRO_CONTRACT,
    )
    response.status_code = status
    return response


@page(*MANAGERS)
def contract_create(request):
    company = request.user.company
    if company is None:
        raise Http404
    defaults = services.contract_defaults(company=company)
    form = ContractForm(request.POST or None, company=company, defaults=defaults)
    if request.method == "POST":
        if form.is_valid():
            try:
                contract = services.contract_create(
                    company=company, terms=form.terms(), actor=request.user
                )
            except services.SupplierError as error:
                error.add_to_form(form)
            else:
                messages.success(request, MSG_CREATED % {"number": contract.number})
                return redirect("suppliers:contract", pk=contract.pk)
        return _contract_form_page(request, form, status=400)
    return _contract_form_page(request, form)


@page(*MANAGERS)
def contract_edit(request, pk: int):
    contract = get_object_or_404(selectors.contracts_managed_by(request.user), pk=pk)
    defaults = services.contract_defaults(company=contract.company)
    initial = {
        "supplier": contract.supplier,
        "number": contract.number,
        "title": contract.title,
        "units": list(contract.units.all()),
        "standards": list(contract.standards.all()),
        "starts_on": contract.starts_on,
        "ends_on": contract.ends_on,
        "monthly_fee": contract.monthly_fee,
        "daily_failure_deduction": contract.daily_failure_deduction,
        "weekly_failure_deduction": contract.weekly_failure_deduction,
        "threshold_deduction_percent": contract.threshold_deduction_percent,
        "manager": contract.manager,
        "technical_department": contract.technical_department,
    }
    form = ContractForm(
        request.POST or None, company=contract.company, defaults=defaults, initial=initial
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.contract_update(contract=contract, terms=form.terms(), actor=request.user)
            except services.SupplierError as error:
                error.add_to_form(form)
            else:
                messages.success(request, MSG_SAVED % {"number": contract.number})
                return redirect("suppliers:contract", pk=contract.pk)
        return _contract_form_page(request, form, contract=contract, status=400)
    return _contract_form_page(request, form, contract=contract)


@page(*READERS)
def contract_detail(request, pk: int):
    contract = get_object_or_404(selectors.contracts_visible_to(request.user), pk=pk)
    evaluations = selectors.evaluations_visible_to(request.user).filter(contract=contract)
    page_obj = CappedPaginator(evaluations.order_by("-month"), 12).get_page(request.GET.get("page"))
    deductions = selectors.deductions_visible_to(request.user).filter(contract=contract)
    return render(
        request,
        "suppliers/contract_detail.html",
        {
            "contract": contract,
            "units": contract.units.order_by("path"),
            "standards": contract.standards.order_by("code"),
            "page_obj": page_obj,
            "deductions": deductions.order_by("-month", "-created_at", "-pk")[:50],
            "may_manage": selectors.contracts_managed_by(request.user)
            .filter(pk=contract.pk)
            .exists(),
            "this_month": f"{selectors.month_of(now()):%Y-%m}",
            "correction": DeductionKind.CORRECTION,
        },
    )


def _month_or_404(text: str):
    month = selectors.month_parse(text)
    if month is None:
        raise Http404
    return month


def _step_form(step, data=None):
    return step.form_class()(data, action=step.name)


def _month_page(request, contract, month, *, failed=None, status=200):
    evaluation = (
        selectors.evaluations_visible_to(request.user)
        .filter(contract=contract, month=month)
        .first()
    )
    steps = []
    if evaluation is not None:
        steps = step_entries(
            EVALUATION_WORKFLOW,
            request.user,
            evaluation,
            form_for=_step_form,
            url_for=lambda step: reverse(
                "suppliers:evaluation_step", args=[evaluation.pk, step.name]
            ),
            failed=failed,
        )
    deductions = (
        selectors.deductions_visible_to(request.user)
        .filter(contract=contract, month=month)
        .prefetch_related("evidence__unit")
        .order_by("created_at", "pk")
    )
    may_manage = selectors.contracts_managed_by(request.user).filter(pk=contract.pk).exists()
    days = selectors.month_days(contract=contract, month=month, user=request.user)
    # INS-5: a check links to its inspection when the viewer may open that page.
    openable = set()
    if user_may(request.user, inspection_page_roles()):
        ids = [check.inspection_id for entry in days for check in entry["checks"]]
        openable = selectors.inspections_openable(request.user, ids)
    return render(
        request,
        "suppliers/month.html",
        {
            "contract": contract,
            "month": month,
            "month_text": f"{month:%Y-%m}",
            "previous": f"{month - timedelta(days=1):%Y-%m}",
            "next": f"{selectors.month_next(month):%Y-%m}",
            "evaluation": evaluation,
            # A supplier reads its checks at once; the figures once the month is confirmed.
            "days": days,
            "openable": openable,
            # NCR-2 / NCR-5: the findings of the month's checks, each with its page.
            "findings": selectors.month_findings(contract=contract, month=month, user=request.user),
            "now": now(),
            "deductions": deductions,
            "total": sum((d.amount for d in deductions), start=Decimal(0)),
            "steps": steps,
            "may_manage": may_manage,
            "correction": DeductionKind.CORRECTION,
        },
        status=status,
    )


@page(*READERS)
def month_detail(request, pk: int, month: str):
    """The supplier's month (NCR-5): checks by day, failures, the threshold and the
    deduction."""
    contract = get_object_or_404(selectors.contracts_visible_to(request.user), pk=pk)
    return _month_page(request, contract, _month_or_404(month))


@page(*MANAGERS)
def month_compute(request, pk: int, month: str):
    contract = get_object_or_404(selectors.contracts_managed_by(request.user), pk=pk)
    month_date = _month_or_404(month)
    if request.method == "POST":
        services.evaluation_compute(contract=contract, month=month_date, actor=request.user)
        messages.success(request, MSG_COMPUTED)
    return redirect("suppliers:month", pk=contract.pk, month=month)


@page(*MANAGERS)
def evaluation_step(request, pk: int, action: str):
    evaluation = get_object_or_404(
        selectors.evaluations_visible_to(request.user).select_related("contract"), pk=pk
    )
    month = f"{evaluation.month:%Y-%m}"
    if request.method != "POST":
        return redirect("suppliers:month", pk=evaluation.contract_id, month=month)
    outcome = step_take(
        request,
        workflow=EVALUATION_WORKFLOW,
        record=evaluation,
        name=action,
        form_for=_step_form,
    )
    if outcome.ok:
        messages.success(request, str(outcome.step.done))
        return redirect("suppliers:month", pk=evaluation.contract_id, month=month)
    return _month_page(
        request,
        evaluation.contract,
        evaluation.month,
        failed=(action, outcome.form),
        status=outcome.status,
    )


@page(*READERS)
def evaluation_list(request):
    filters = EvaluationFilter(request.GET, selectors.evaluations_visible_to(request.user))
    page_obj = CappedPaginator(filters.qs.order_by("-month", "contract__number"), 25).get_page(
        request.GET.get("page")
    )
    return render_page(
        request,
        "suppliers/evaluation_list.html",
        {"filters": filters, "page_obj": page_obj},
        partial="suppliers/partials/evaluation_table.html",
    )


@page(*MANAGERS)
def deduction_correct(request, pk: int):
    deduction = get_object_or_404(
        selectors.deductions_visible_to(request.user).filter(
            contract__in=selectors.contracts_managed_by(request.user)
        ),
        pk=pk,
    )
    month = f"{deduction.month:%Y-%m}"
    form = CorrectionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.deduction_correct(
                    deduction=deduction,
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except services.SupplierError as error:
                error.add_to_form(form)
            else:
                messages.success(request, MSG_CORRECTED)
                return redirect("suppliers:month", pk=deduction.contract_id, month=month)
        status = 400
    response = render_form_page(
        request,
        form,
        heading=HEADING_CORRECT,
        cancel_url=reverse("suppliers:month", args=[deduction.contract_id, month]),
        crumbs=(
            Crumb(reverse("suppliers:contract", args=[deduction.contract_id]), deduction.contract),
        ),
        intro=deduction.reason,
    )
    response.status_code = status
    return response
