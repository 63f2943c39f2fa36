"""The quarterly assessment's pages (ASM-1, ASM-2, ASM-9, SAT-2): the plans, a plan with its
steps, indicators, rankings and report (printable), a unit's feedback for its head to
acknowledge, and the year-end roll-up."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pinzhi.assessment.forms_quarterly import PlanForm, StepForm, SuggestionsForm
from pinzhi.assessment.indicators import INDICATORS, LABELS
from pinzhi.assessment.models import Level, PlanStatus
from pinzhi.assessment.selectors import quarterly as selectors
from pinzhi.assessment.services import quarterly as services
from pinzhi.assessment.workflow_quarterly import PLAN_WORKFLOW
from pinzhi.core.access import page
from pinzhi.core.shell import Crumb, render_form_page, render_page
from pinzhi.core.steps import step_entries, step_take
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.lib.months import day_of
from pinzhi.lib.paging import CappedPaginator

MSG_CREATED = _("The plan “%(title)s” is drafted; leadership approves it.")
MSG_SAVED = _("The plan is saved.")
MSG_SUGGESTIONS_SAVED = _("The improvement suggestions of %(unit)s are saved.")
MSG_ACKNOWLEDGED = _("The feedback is acknowledged.")
HEADING_CREATE = _("Draft a quarterly assessment plan")
HEADING_EDIT = _("Change the plan")
HEADING_SUGGESTIONS = _("Improvement suggestions of %(unit)s")
INTRO_PLAN = _(
    "The plan names the quarter, the units assessed and the weight of each indicator (from "
    "the policy pack; they add up to 100). Leadership approves it before it is computed."
)
LIST_TITLE = _("Quarterly assessment")

READERS = tuple(selectors.READ_ROLES)
MANAGERS = tuple(selectors.MANAGE_ROLES)
HEADS = tuple(selectors.HEAD_ROLES)


def _plan_or_404(request, pk: int):
    return get_object_or_404(selectors.plans_visible_to(request.user), pk=pk)


@page(*READERS)
def plan_list(request):
    plans = selectors.plans_visible_to(request.user).prefetch_related("units")
    year = request.GET.get("year", "").strip()
    if year.isdigit():
        plans = plans.filter(year=int(year))
    page_obj = CappedPaginator(plans.order_by("-year", "-quarter", "-pk"), 20).get_page(
        request.GET.get("page")
    )
    may_draft = request.user.is_superuser or bool(request.user.role_codes & selectors.MANAGE_ROLES)
    return render_page(
        request,
        "assessment/quarterly/plan_list.html",
        {
            "page_obj": page_obj,
            "year": year,
            "may_draft": may_draft,
            "feedback": selectors.feedback_results_for(request.user)[:20],
        },
        partial="assessment/quarterly/plan_list.html",
    )


def _plan_form_page(request, form, *, heading, cancel_url, crumbs=(), status=200):
    response = render_form_page(
        request,
        form,
        heading=heading,
        cancel_url=cancel_url,
        crumbs=crumbs,
        intro=INTRO_PLAN,
    )
    response.status_code = status
    return response


@page(*MANAGERS)
def plan_create(request):
    company = request.user.company
    if company is None:
        raise Http404
    weights = services.default_weights(company)
    today = day_of(now())
    initial = {"year": today.year, "quarter": (today.month - 1) // 3 + 1}
    form = PlanForm(
        request.POST or None, company=company, creating=True, weights=weights, initial=initial
    )
    crumbs = (Crumb(reverse("assessment:quarterly_plans"), LIST_TITLE),)
    cancel = reverse("assessment:quarterly_plans")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.plan_create(
                company=company,
                actor=request.user,
                year=data["year"],
                quarter=data["quarter"],
                units=data["units"],
                title=data["title"],
                weights=form.weights(),
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, MSG_CREATED % {"title": plan.title})
            return redirect("assessment:quarterly_plan", pk=plan.pk)
    status = 400 if request.method == "POST" else 200
    return _plan_form_page(
        request, form, heading=HEADING_CREATE, cancel_url=cancel, crumbs=crumbs, status=status
    )


@page(*MANAGERS)
def plan_edit(request, pk: int):
    plan = _plan_or_404(request, pk)
    detail = reverse("assessment:quarterly_plan", args=[plan.pk])
    if plan.status != PlanStatus.DRAFT:
        messages.error(request, _("Only a draft plan can be changed."))
        return redirect(detail)
    form = PlanForm(
        request.POST or None,
        company=plan.company,
        creating=False,
        weights=services.plan_weights(plan),
        initial={
            "title": plan.title,
            "starts_on": plan.starts_on,
            "ends_on": plan.ends_on,
            "units": list(plan.units.all()),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.plan_update(
                plan=plan,
                actor=request.user,
                title=data["title"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                units=data["units"],
                weights=form.weights(),
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, MSG_SAVED)
            return redirect(detail)
    crumbs = (
        Crumb(reverse("assessment:quarterly_plans"), LIST_TITLE),
        Crumb(detail, plan.title),
    )
    status = 400 if request.method == "POST" else 200
    return _plan_form_page(
        request, form, heading=HEADING_EDIT, cancel_url=detail, crumbs=crumbs, status=status
    )


def _step_form(step, data=None):
    return StepForm(data)


def _plan_page(request, plan, *, failed=None, status=200):
    steps = step_entries(
        PLAN_WORKFLOW,
        request.user,
        plan,
        form_for=_step_form,
        url_for=lambda step: reverse("assessment:quarterly_step", args=[plan.pk, step.name]),
        failed=failed,
    )
    unit_results = selectors.unit_results_visible(request.user, plan)
    rows = selectors.indicator_rows(plan, unit_results)
    q = request.GET.get("q", "").strip()
    unit = request.GET.get("unit", "")
    people = selectors.person_results_visible(
        request.user, plan, q=q, unit=int(unit) if unit.isdigit() else None
    )
    people_page = CappedPaginator(people, 25).get_page(request.GET.get("page"))
    cells = selectors.person_values(plan, [r.person_id for r in people_page])
    weights = services.plan_weights(plan)
    manager = request.user.is_superuser or bool(request.user.role_codes & selectors.MANAGE_ROLES)
    context = {
        "plan": plan,
        "steps": steps,
        "weights": [(LABELS[code], weights.get(code)) for code in INDICATORS],
        "rows": rows,
        "unit_rows": [r for r in rows if r.result.level == Level.UNIT],
        "department_rows": [r for r in rows if r.result.level == Level.DEPARTMENT],
        "people_page": people_page,
        "people_cells": cells,
        "q": q,
        "unit": unit,
        "scope_units": plan.units.order_by("path"),
        "may_edit": manager and plan.status == PlanStatus.DRAFT,
        "may_suggest": manager and plan.status == PlanStatus.COMPUTED,
        "computed": plan.status not in (PlanStatus.DRAFT, PlanStatus.APPROVED),
        "labels": [LABELS[code] for code in INDICATORS],
    }
    if request.htmx and request.GET.get("people") is not None:
        return render(request, "assessment/quarterly/partials/people.html", context)
    return render(request, "assessment/quarterly/plan_detail.html", context, status=status)


@page(*READERS)
def plan_detail(request, pk: int):
    return _plan_page(request, _plan_or_404(request, pk))


@page(*READERS)
def plan_step(request, pk: int, action: str):
    plan = _plan_or_404(request, pk)
    if request.method != "POST":
        return redirect("assessment:quarterly_plan", pk=plan.pk)
    outcome = step_take(
        request, workflow=PLAN_WORKFLOW, record=plan, name=action, form_for=_step_form
    )
    if outcome.ok:
        messages.success(request, str(outcome.step.done))
        return redirect("assessment:quarterly_plan", pk=plan.pk)
    return _plan_page(request, plan, failed=(action, outcome.form), status=outcome.status)


@page(*MANAGERS)
def suggestions_edit(request, pk: int):
    result = selectors.result_visible(request.user, pk)
    if result is None:
        raise Http404
    detail = reverse("assessment:quarterly_plan", args=[result.plan_id])
    form = SuggestionsForm(request.POST or None, initial={"feedback": result.feedback})
    if request.method == "POST" and form.is_valid():
        try:
            services.result_feedback_set(
                result=result, actor=request.user, feedback=form.cleaned_data["feedback"]
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, MSG_SUGGESTIONS_SAVED % {"unit": result.unit})
            return redirect(f"{detail}#report")
    response = render_form_page(
        request,
        form,
        heading=HEADING_SUGGESTIONS % {"unit": result.unit},
        cancel_url=detail,
        crumbs=(
            Crumb(reverse("assessment:quarterly_plans"), LIST_TITLE),
            Crumb(detail, result.plan.title),
        ),
    )
    if request.method == "POST":
        response.status_code = 400
    return response


@page(*READERS)
def unit_feedback(request, pk: int):
    """A unit's feedback: its indicators, score, rank, band, eligibility and suggestions;
    its head acknowledges it (ASM-2)."""
    result = selectors.result_visible(request.user, pk)
    if result is None:
        raise Http404
    plan = result.plan
    row = selectors.indicator_rows(plan, plan.results.filter(pk=result.pk))[0]
    error = ""
    status = 200
    if request.method == "POST":
        try:
            services.result_acknowledge(result=result, actor=request.user)
        except DomainError as refusal:
            error, status = refusal.reason, getattr(refusal, "status", 400)
        else:
            messages.success(request, MSG_ACKNOWLEDGED)
            return redirect("assessment:quarterly_feedback", pk=result.pk)
    may_acknowledge = (
        result.acknowledged_at is None
        and plan.status in (PlanStatus.REPORTED, PlanStatus.CLOSED)
        and (request.user.is_superuser or services.is_unit_head(request.user, result.unit))
    )
    return render(
        request,
        "assessment/quarterly/feedback.html",
        {
            "result": result,
            "plan": plan,
            "row": row,
            "error": error,
            "may_acknowledge": may_acknowledge,
            "may_open_plan": selectors.plans_visible_to(request.user).filter(pk=plan.pk).exists(),
        },
        status=status,
    )


@page(*READERS)
def year_end(request):
    """ASM-9 年终指标考核: the four quarters of each unit and their average."""
    today = day_of(now())
    raw = request.GET.get("year", "").strip()
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else today.year
    rows = selectors.year_rollup(request.user, year=year)
    return render(
        request,
        "assessment/quarterly/year_end.html",
        {"rows": rows, "year": year, "years": range(today.year, today.year - 5, -1)},
    )
