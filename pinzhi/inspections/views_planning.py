"""Pages of plans, schedules, random draws and the task list (INS-1 … INS-3, INS-6). Thin:
access rule → form → one service → page; refusals land beside their field with a 4xx."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pinzhi.core.access import page
from pinzhi.core.shell import render_page
from pinzhi.core.steps import step_entries, step_take
from pinzhi.inspections import planning, sampling
from pinzhi.inspections.forms_planning import (
    AssignForm,
    DrawForm,
    EmptyStepForm,
    PlanEntryForm,
    PlanForm,
    ReasonForm,
    ScheduleForm,
    StopForm,
    TaskFilter,
)
from pinzhi.inspections.models import Inspection, PlanEntry
from pinzhi.inspections.selectors import inspections_visible_to
from pinzhi.lib.errors import DomainError
from pinzhi.lib.paging import CappedPaginator
from pinzhi.orgs.models import Unit

READERS = tuple(planning.PLAN_READERS)
PLANNERS = tuple(planning.PLANNERS)
PER_PAGE = 25

MSG_PLAN_CREATED = _("The plan is drafted; add its entries, then submit it for approval.")
MSG_ENTRY_ADDED = _("The entry is added to the plan.")
MSG_ENTRY_REMOVED = _("The entry is removed from the plan.")
MSG_SCHEDULE_CREATED = _("The schedule is saved; %(tasks)s inspection tasks are scheduled ahead.")
MSG_SCHEDULE_STOPPED = _("The schedule is stopped; %(tasks)s tasks not yet started are cancelled.")
MSG_ASSIGNED = _("The task is given to %(person)s.")
MSG_CANCELLED = _("The task is cancelled.")
MSG_DRAWN = _("%(count)s units are drawn; the draw is recorded and can be re-run by anyone.")


def _company(request):
    company = request.user.company
    if company is None:
        raise Http404
    return company


def _refused(form, error: DomainError) -> None:
    error.add_to_form(form)


# --- plans -------------------------------------------------------------------------------


@page(*READERS)
def plan_list(request):
    plans = planning.plans_visible_to(request.user).order_by("-year", "title")
    page_obj = CappedPaginator(plans, PER_PAGE).get_page(request.GET.get("page"))
    form, status = None, 200
    if planning.may_plan(request.user) and request.user.company_id:
        form = PlanForm(request.POST or None, initial={"year": _this_year() + 1})
        if request.method == "POST":
            if form.is_valid():
                try:
                    plan = planning.plan_create(
                        company=request.user.company, actor=request.user, **form.cleaned_data
                    )
                except DomainError as error:
                    _refused(form, error)
                    status = 400
                else:
                    messages.success(request, MSG_PLAN_CREATED)
                    return redirect("planning:plan_detail", pk=plan.pk)
            else:
                status = 400
    elif request.method == "POST":
        return redirect("planning:plans")
    return render(
        request,
        "inspections/planning/plan_list.html",
        {"page_obj": page_obj, "form": form},
        status=status,
    )


def _this_year() -> int:
    from django.utils import timezone

    return timezone.localdate().year


def _step_form(step, data=None):
    form_class = step.form_class() or EmptyStepForm
    return form_class(data, action=step.name)


def _plan_page(request, plan, *, entry_form=None, failed=None, status=200):
    steps = step_entries(
        planning.PLAN_WORKFLOW,
        request.user,
        plan,
        form_for=_step_form,
        url_for=lambda step: reverse("planning:plan_step", args=[plan.pk, step.name]),
        failed=failed,
    )
    editable = plan.status == plan.Status.DRAFT and planning.may_plan(request.user)
    if editable and entry_form is None:
        entry_form = PlanEntryForm(company=plan.company)
    entries = plan.entries.prefetch_related("units").select_related("template")
    notice_due = None
    if plan.status == plan.Status.APPROVED:
        try:
            notice_due = planning.plan_notice_due(plan)
        except DomainError:
            notice_due = None
    return render(
        request,
        "inspections/planning/plan_detail.html",
        {
            "plan": plan,
            "entries": entries,
            "entry_form": entry_form if editable else None,
            "steps": steps,
            "notice_due": notice_due,
            "schedules": plan.schedules.order_by("title"),
            "may_plan": planning.may_plan(request.user),
        },
        status=status,
    )


@page(*READERS)
def plan_detail(request, pk: int):
    plan = get_object_or_404(planning.plans_visible_to(request.user), pk=pk)
    return _plan_page(request, plan)


@page(*PLANNERS)
def plan_entry_add(request, pk: int):
    plan = get_object_or_404(planning.plans_visible_to(request.user), pk=pk)
    if request.method != "POST":
        return redirect("planning:plan_detail", pk=plan.pk)
    form = PlanEntryForm(request.POST, company=plan.company)
    if form.is_valid():
        try:
            planning.plan_entry_add(plan=plan, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            _refused(form, error)
        else:
            messages.success(request, MSG_ENTRY_ADDED)
            return redirect("planning:plan_detail", pk=plan.pk)
    return _plan_page(request, plan, entry_form=form, status=400)


@page(*PLANNERS)
def plan_entry_remove(request, pk: int):
    entry = get_object_or_404(
        PlanEntry.objects.filter(plan__in=planning.plans_visible_to(request.user)), pk=pk
    )
    if request.method == "POST":
        try:
            planning.plan_entry_remove(entry=entry, actor=request.user)
        except DomainError as error:
            messages.error(request, error.reason)
        else:
            messages.success(request, MSG_ENTRY_REMOVED)
    return redirect("planning:plan_detail", pk=entry.plan_id)


@page(*READERS)
def plan_step(request, pk: int, action: str):
    plan = get_object_or_404(planning.plans_visible_to(request.user), pk=pk)
    if request.method != "POST":
        return redirect("planning:plan_detail", pk=plan.pk)
    outcome = step_take(
        request, workflow=planning.PLAN_WORKFLOW, record=plan, name=action, form_for=_step_form
    )
    if outcome.ok:
        messages.success(request, str(outcome.step.done))
        return redirect("planning:plan_detail", pk=plan.pk)
    plan.refresh_from_db()
    return _plan_page(request, plan, failed=(action, outcome.form), status=outcome.status)


# --- schedules -----------------------------------------------------------------------------


@page(*READERS)
def schedule_list(request):
    schedules = (
        planning.schedules_visible_to(request.user)
        .select_related("template", "inspector")
        .order_by("-is_active", "title")
    )
    page_obj = CappedPaginator(schedules, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/planning/schedule_list.html",
        {"page_obj": page_obj, "may_plan": planning.may_plan(request.user)},
    )


@page(*PLANNERS)
def schedule_new(request):
    company = _company(request)
    form = ScheduleForm(request.POST or None, company=company)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                schedule = planning.schedule_create(
                    company=company, actor=request.user, **form.service_kwargs()
                )
            except DomainError as error:
                _refused(form, error)
            else:
                count = schedule.inspections.count()
                messages.success(request, MSG_SCHEDULE_CREATED % {"tasks": count})
                return redirect("planning:schedule_detail", pk=schedule.pk)
    return render(request, "inspections/planning/schedule_form.html", {"form": form}, status=status)


@page(*READERS)
def schedule_detail(request, pk: int, stop_form=None, status=200):
    schedule = get_object_or_404(
        planning.schedules_visible_to(request.user).select_related("template", "inspector"),
        pk=pk,
    )
    tasks = (
        inspections_visible_to(request.user)
        .filter(schedule=schedule)
        .select_related("unit", "inspector")
        .order_by("occurrence", "unit__path")
    )
    page_obj = CappedPaginator(tasks, PER_PAGE).get_page(request.GET.get("page"))
    draws = schedule.draws.order_by("-occurrence")[:10]
    return render(
        request,
        "inspections/planning/schedule_detail.html",
        {
            "schedule": schedule,
            "units": schedule.units.order_by("path"),
            "page_obj": page_obj,
            "draws": draws,
            "stop_form": stop_form or (StopForm() if planning.may_plan(request.user) else None),
        },
        status=status,
    )


@page(*PLANNERS)
def schedule_stop(request, pk: int):
    schedule = get_object_or_404(planning.schedules_visible_to(request.user), pk=pk)
    if request.method != "POST":
        return redirect("planning:schedule_detail", pk=schedule.pk)
    form = StopForm(request.POST)
    if form.is_valid():
        try:
            count = planning.schedule_stop(
                schedule=schedule, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            _refused(form, error)
        else:
            messages.success(request, MSG_SCHEDULE_STOPPED % {"tasks": count})
            return redirect("planning:schedule_detail", pk=schedule.pk)
    return schedule_detail(request, pk=schedule.pk, stop_form=form, status=400)


# --- tasks ---------------------------------------------------------------------------------


@page(*READERS)
def task_list(request):
    visible = inspections_visible_to(request.user).select_related(
        "unit", "inspector", "template_version__template"
    )
    filters = TaskFilter(request.GET, visible, company_id=request.user.company_id)
    rows = filters.qs.order_by("due_at", "pk")
    page_obj = CappedPaginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "inspections/planning/task_list.html",
        {"filters": filters, "page_obj": page_obj, "may_plan": planning.may_plan(request.user)},
        partial="inspections/planning/partials/task_table.html",
    )


def _task(request, pk: int) -> Inspection:
    return get_object_or_404(
        inspections_visible_to(request.user).select_related("unit", "inspector"), pk=pk
    )


@page(*PLANNERS)
def task_assign(request, pk: int):
    task = _task(request, pk)
    form = AssignForm(request.POST or None, company_id=task.company_id)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                planning.task_assign(
                    task=task,
                    inspector=form.cleaned_data["inspector"],
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                _refused(form, error)
                status = error.status if 400 <= error.status < 500 else 400
            else:
                messages.success(request, MSG_ASSIGNED % {"person": form.cleaned_data["inspector"]})
                return redirect("planning:tasks")
    return render(
        request,
        "inspections/planning/task_step.html",
        {"task": task, "form": form, "title": _("Assign the task"), "danger": False},
        status=status,
    )


@page(*PLANNERS)
def task_cancel(request, pk: int):
    task = _task(request, pk)
    form = ReasonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                planning.task_cancel(
                    task=task, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as error:
                _refused(form, error)
                status = error.status if 400 <= error.status < 500 else 400
            else:
                messages.success(request, MSG_CANCELLED)
                return redirect("planning:tasks")
    return render(
        request,
        "inspections/planning/task_step.html",
        {"task": task, "form": form, "title": _("Cancel the task"), "danger": True},
        status=status,
    )


# --- random draws -----------------------------------------------------------------------


@page(*READERS)
def draw_list(request):
    draws = planning.draws_visible_to(request.user).select_related("schedule", "drawn_by")
    page_obj = CappedPaginator(draws, PER_PAGE).get_page(request.GET.get("page"))
    form, status = None, 200
    if planning.may_plan(request.user) and request.user.company_id:
        form = DrawForm(request.POST or None, company=request.user.company)
        if request.method == "POST":
            status = 400
            if form.is_valid():
                try:
                    draw = sampling.draw_make(
                        company=request.user.company,
                        units=form.cleaned_data["units"],
                        percent=form.cleaned_data["percent"],
                        purpose=form.cleaned_data["purpose"],
                        actor=request.user,
                    )
                except DomainError as error:
                    _refused(form, error)
                else:
                    messages.success(request, MSG_DRAWN % {"count": len(draw.drawn)})
                    return redirect("planning:draw_detail", pk=draw.pk)
    elif request.method == "POST":
        return redirect("planning:draws")
    return render(
        request,
        "inspections/planning/draw_list.html",
        {"page_obj": page_obj, "form": form},
        status=status,
    )


@page(*READERS)
def draw_detail(request, pk: int):
    """INS-3: the draw's record, and 复核抽样 — the draw re-run from its seed, algorithm and
    population, compared with the units recorded."""
    draw = get_object_or_404(
        planning.draws_visible_to(request.user).select_related("schedule", "drawn_by"), pk=pk
    )
    names = dict(Unit.objects.filter(pk__in=draw.population).values_list("pk", "name"))
    rerun = None
    if request.GET.get("verify"):
        try:
            rerun = sampling.draw_rerun(draw)
        except DomainError as error:
            messages.error(request, error.reason)
    return render(
        request,
        "inspections/planning/draw_detail.html",
        {
            "draw": draw,
            "drawn": [(pk, names.get(pk, "—")) for pk in draw.drawn],
            "population": [(pk, names.get(pk, "—")) for pk in draw.population],
            "rerun": [(pk, names.get(pk, "—")) for pk in rerun] if rerun is not None else None,
            "same": rerun == draw.drawn if rerun is not None else None,
            "size": sampling.sample_size(draw.percent, len(draw.population)),
        },
    )
