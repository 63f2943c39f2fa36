"""Rectification pages (NCR-1 … NCR-4): a unit's findings, the overdue board, the
nonconformity page with its steps and history, supervision orders and corrective actions,
and the printed 督办单 and 报事单."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from pinzhi.core.access import page
from pinzhi.core.printing import pdf_response
from pinzhi.core.shell import render_form_page, render_page
from pinzhi.core.steps import step_entries, step_take
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.lib.paging import CappedPaginator
from pinzhi.rectification import printing, selectors, services
from pinzhi.rectification.forms import CapaAcceptForm, RaiseForm, StageForm, SupervisionForm
from pinzhi.rectification.models import SupervisionStage, WorkOrder
from pinzhi.rectification.selectors import (
    BOARD_ROLES,
    CAPA_ROLES,
    LIST_ROLES,
    RAISE_ROLES,
    SUPERVISION_ISSUE_ROLES,
)
from pinzhi.rectification.workflow import CAPA_WORKFLOW, NONCONFORMITY_WORKFLOW
from pinzhi.timeline.events import declared
from pinzhi.timeline.selectors import events_for

RAISED = _("Nonconformity %(number)s raised; rectify by %(due)s.")
ISSUED = _("Supervision order %(number)s issued.")
STAGE_DONE = _("Stage %(n)s completed.")
RAISE = _("Raise a nonconformity")
RAISE_INTRO = _(
    "A problem seen on site or reported in a complaint. Its severity sets the deadline from "
    "the policy pack: a serious one also issues a warning notice and is reported up the line."
)
NEW_SUPERVISION = _("New supervision order")
SUPERVISION_INTRO = _(
    "State the problem and the staged requirements; each stage has its own due date, and the "
    "unit's head is notified."
)
ISSUE = _("Issue")
NOT_YOURS = _("Only the unit's managers or the quality department complete a stage.")
PER_PAGE = 25
SUPERVISION_ROLES = BOARD_ROLES | CAPA_ROLES | frozenset({"department_manager"})


def _paged(request, rows):
    return CappedPaginator(rows, PER_PAGE).get_page(request.GET.get("page"))


@page(*LIST_ROLES)
def nonconformity_list(request):
    """A unit's findings (those not yet closed, by default), the earliest deadline first."""
    filters = selectors.nonconformities_filtered(request.user, request.GET)
    context = {
        "filters": filters,
        "page_obj": _paged(request, filters.qs),
        "now": now(),
        "may_raise": request.user.is_superuser or bool(request.user.role_codes & RAISE_ROLES),
    }
    return render_page(
        request, "rectification/list.html", context, partial="rectification/partials/table.html"
    )


@page(*BOARD_ROLES)
def overdue_board(request):
    """NCR-3: overdue rectifications, the largest overrun first."""
    filters = selectors.overdue_board(request.user, request.GET)
    context = {
        "filters": filters,
        "page_obj": _paged(request, filters.qs),
        "now": now(),
        "board": True,
    }
    return render_page(
        request, "rectification/board.html", context, partial="rectification/partials/table.html"
    )


def _nc_for(request, pk):
    return get_object_or_404(
        selectors.nonconformities_visible_to(request.user).select_related(
            "unit", "company", "responsible", "supplier", "inspection", "raised_by", "standard"
        ),
        pk=pk,
    )


def _form_for(nc):
    def form_for(step, data=None):
        cls = step.form_class()
        files = getattr(form_for, "files", None)
        if cls is CapaAcceptForm:
            return cls(data, company_id=nc.company_id)
        if data is not None and files is not None:
            return cls(data, files)
        return cls(data)

    return form_for


def _history(subject):
    rows = []
    for event in events_for(subject).order_by("at", "pk"):
        code = declared(event.action)
        rows.append(
            {
                "at": event.at,
                "label": code.label if code else event.action,
                "actor": event.actor_name,
            }
        )
    return rows


def _detail(request, nc, *, failed=None, status=200):
    form_for = _form_for(nc)
    steps = step_entries(
        NONCONFORMITY_WORKFLOW,
        request.user,
        nc,
        form_for=form_for,
        url_for=lambda step: reverse("rectification:act", args=[nc.pk, step.name]),
        failed=failed,
    )
    reports = list(nc.fix_reports.select_related("reported_by"))
    fix = next((entry for entry in steps if entry.name == "report_fix"), None)
    context = {
        "nc": nc,
        "steps": [entry for entry in steps if entry is not fix],
        "fix": fix,
        "reports": reports,
        "verifications": list(nc.verifications.select_related("verified_by")),
        "work_order": getattr(nc, "work_order", None),
        "deadlines": list(deadlines_for(nc)),
        "committee": list(selectors.committee_reports_of(nc)),
        "history": _history(nc),
        "now": now(),
    }
    return render(request, "rectification/detail.html", context, status=status)


@page(*LIST_ROLES)
def nonconformity_detail(request, pk):
    return _detail(request, _nc_for(request, pk))


@page(*LIST_ROLES)
@require_POST
def nonconformity_act(request, pk, action):
    nc = _nc_for(request, pk)
    form_for = _form_for(nc)
    form_for.files = request.FILES
    outcome = step_take(
        request, workflow=NONCONFORMITY_WORKFLOW, record=nc, name=action, form_for=form_for
    )
    if not outcome.ok:
        if not NONCONFORMITY_WORKFLOW.may(request.user, nc, action):
            messages.error(request, outcome.reason)
            return _detail(request, nc, status=outcome.status)
        return _detail(request, nc, failed=(action, outcome.form), status=outcome.status)
    messages.success(request, outcome.step.done or outcome.step.label)
    return redirect("rectification:detail", pk=nc.pk)


@page(*RAISE_ROLES)
def nonconformity_raise(request):
    form = RaiseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            nc = services.nonconformity_raise(
                unit=data["unit"],
                title=data["title"],
                severity=data["severity"],
                source=data["source"],
                description=data["description"],
                complaint_ref=data["complaint_ref"],
                is_cleaning=data["is_cleaning"],
                actor=request.user,
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(
                request,
                RAISED % {"number": nc.number, "due": services._local(nc.due_at)},
            )
            return redirect("rectification:detail", pk=nc.pk)
    return render_form_page(
        request,
        form,
        heading=RAISE,
        intro=RAISE_INTRO,
        cancel_url=reverse("rectification:list"),
        submit_label=RAISE,
    )


@page(*SUPERVISION_ROLES)
def supervision_list(request):
    rows = selectors.supervision_orders_visible_to(request.user).select_related("unit")
    context = {
        "page_obj": _paged(request, rows.order_by("status", "-issued_at", "-pk")),
        "may_issue": request.user.is_superuser
        or bool(request.user.role_codes & SUPERVISION_ISSUE_ROLES),
    }
    return render(request, "rectification/supervision_list.html", context)


@page(*SUPERVISION_ISSUE_ROLES)
def supervision_create(request):
    form = SupervisionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = services.supervision_order_issue(
                unit=data["unit"],
                problem=data["problem"],
                stages=data["stages"],
                actor=request.user,
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, ISSUED % {"number": order.number})
            return redirect("rectification:supervision_detail", pk=order.pk)
    return render_form_page(
        request,
        form,
        heading=NEW_SUPERVISION,
        intro=SUPERVISION_INTRO,
        cancel_url=reverse("rectification:supervision_list"),
        submit_label=ISSUE,
    )


def _order_for(request, pk):
    return get_object_or_404(
        selectors.supervision_orders_visible_to(request.user).select_related("unit", "issued_by"),
        pk=pk,
    )


def _may_complete(user, order) -> bool:
    if user.is_superuser:
        return True
    codes = user.role_codes
    return order.company_id == user.company_id and bool(
        codes & {"quality_department", "department_manager", "unit_quality_admin", "supervisor"}
    )


@page(*SUPERVISION_ROLES)
def supervision_detail(request, pk, form=None, status=200):
    order = _order_for(request, pk)
    context = {
        "order": order,
        "stages": list(order.stages.select_related("completed_by")),
        "linked": list(order.nonconformities.select_related("unit")),
        "may_complete": _may_complete(request.user, order),
        "form": form or StageForm(),
        "now": now(),
    }
    return render(request, "rectification/supervision_detail.html", context, status=status)


@page(*SUPERVISION_ROLES)
@require_POST
def stage_complete(request, pk):
    stage = get_object_or_404(
        SupervisionStage.objects.filter(
            order__in=selectors.supervision_orders_visible_to(request.user)
        ),
        pk=pk,
    )
    order = stage.order
    if not _may_complete(request.user, order):
        messages.error(request, NOT_YOURS)
        return redirect("rectification:supervision_detail", pk=order.pk)
    form = StageForm(request.POST)
    if form.is_valid():
        try:
            services.supervision_stage_complete(
                stage=stage, actor=request.user, note=form.cleaned_data["note"]
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, STAGE_DONE % {"n": stage.position})
            return redirect("rectification:supervision_detail", pk=order.pk)
    return supervision_detail(request, order.pk, form=form, status=400)


@page(*SUPERVISION_ROLES)
def supervision_pdf(request, pk):
    order = _order_for(request, pk)
    return pdf_response(
        printing.supervision_order_pdf(order),
        title=printing.SUPERVISION_TITLE,
        code=order.number,
        ascii_name="supervision-order",
    )


@page(*LIST_ROLES)
def work_order_pdf(request, pk):
    nc = _nc_for(request, pk)
    order = get_object_or_404(WorkOrder, nonconformity=nc)
    return pdf_response(
        printing.work_order_pdf(order),
        title=printing.WORK_ORDER_TITLE,
        code=order.number,
        ascii_name="work-order",
    )


@page(*CAPA_ROLES)
def capa_list(request):
    rows = selectors.corrective_actions_visible_to(request.user).order_by(
        "status", "-proposed_at", "-pk"
    )
    return render(request, "rectification/capa_list.html", {"page_obj": _paged(request, rows)})


def _capa_for(request, pk):
    return get_object_or_404(
        selectors.corrective_actions_visible_to(request.user).select_related("owner", "decided_by"),
        pk=pk,
    )


def _capa_detail(request, action, *, failed=None, status=200):
    steps = step_entries(
        CAPA_WORKFLOW,
        request.user,
        action,
        form_for=_form_for(action),
        url_for=lambda step: reverse("rectification:capa_act", args=[action.pk, step.name]),
        failed=failed,
    )
    context = {
        "action": action,
        "steps": steps,
        "units": list(action.units.order_by("path")),
        "findings": list(action.nonconformities.select_related("unit").order_by("-raised_at")[:50]),
        "history": _history(action),
    }
    return render(request, "rectification/capa_detail.html", context, status=status)


@page(*CAPA_ROLES)
def capa_detail(request, pk):
    return _capa_detail(request, _capa_for(request, pk))


@page(*CAPA_ROLES)
@require_POST
def capa_act(request, pk, action):
    record = _capa_for(request, pk)
    outcome = step_take(
        request, workflow=CAPA_WORKFLOW, record=record, name=action, form_for=_form_for(record)
    )
    if not outcome.ok:
        if not CAPA_WORKFLOW.may(request.user, record, action):
            messages.error(request, outcome.reason)
            return _capa_detail(request, record, status=outcome.status)
        return _capa_detail(request, record, failed=(action, outcome.form), status=outcome.status)
    messages.success(request, outcome.step.done or outcome.step.label)
    return redirect("rectification:capa_detail", pk=record.pk)
