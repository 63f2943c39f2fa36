"""Pages of the standards (STD-1 … STD-4): the catalogue, a standard with its versions and
steps, quality goals, SLAs and the public service commitments. Thin: access rule, form,
one service, page."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pinzhi.core.access import page
from pinzhi.core.shell import Crumb, render_form_page, render_page
from pinzhi.core.steps import StepEntry, step_entries, step_take
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.lib.paging import CappedPaginator
from pinzhi.standards import selectors, services
from pinzhi.standards.forms import (
    CommitmentForm,
    GoalForm,
    ServiceItemForm,
    SlaForm,
    StandardForm,
    VersionForm,
)
from pinzhi.standards.models import CommitmentState, VersionState
from pinzhi.standards.selectors import (
    GOAL_ROLES,
    MANAGE_ROLES,
    READ_ROLES,
    SLA_ROLES,
    STEP_ROLES,
)
from pinzhi.standards.workflow import DRAFT_ROLES, STANDARD_WORKFLOW

CATALOGUE = _("Service standards")
GOALS = _("Quality goals")
SLAS = _("Service level agreements")
COMMITMENTS = _("Service commitments")
NEW_STANDARD = _("New standard")
NEW_STANDARD_INTRO = _(
    "The working group drafts the standard; it is put out for comments from the departments "
    "and the users, approved by leadership and published (STD-2). A standard is measurable: "
    "say how it is checked."
)
NEW_VERSION = _("New version of %(code)s")
NEW_VERSION_INTRO = _(
    "The version in force stays in force until this one is approved and published; it goes "
    "through the same steps."
)
EDIT_DRAFT = _("Edit the draft of %(code)s")
NEW_ITEM = _("New service item")
INSTALL = _("Add the pack's standards")
INSTALL_INTRO = _(
    "The standards of your policy pack, from the regulations, are added to the catalogue as "
    "published standards with their sources, each with its review date. Standards you "
    "already have (the same code) are kept as they are."
)
SET_GOAL = _("Set or adjust a goal")
SET_GOAL_INTRO = _(
    "An adjustment never changes the goal in force: it is a new version from its effective "
    "date, and the earlier versions are kept (STD-3)."
)
NEW_SLA = _("New service level agreement")
EDIT_SLA = _("Edit the service level agreement")
NEW_COMMITMENT = _("New service commitment")
EDIT_COMMITMENT = _("Edit the service commitment")
PUBLISH_COMMITMENT = _("Publish the service commitment")
PUBLISH_COMMITMENT_INTRO = _(
    "Once published, the commitment appears on the public page beside the complaint form, "
    "under the company's name."
)
WITHDRAW_COMMITMENT = _("Take the commitment off the public page")
WITHDRAW_COMMITMENT_INTRO = _(
    "The commitment no longer appears on the public page; you can edit it and publish it again."
)
MSG_DRAFTED = _("%(code)s is drafted as version %(number)s.")
MSG_SAVED = _("The draft is saved.")
MSG_ITEM_CREATED = _("The service item “%(name)s” is in the catalogue.")
MSG_INSTALLED = _("%(items)s service items and %(standards)s standards were added.")
MSG_NOTHING_INSTALLED = _("The catalogue already holds every standard of the pack.")
MSG_GOAL_SET = _("The goal is set (version %(version)s, from %(date)s).")
MSG_SLA_SAVED = _("The service level agreement of %(customer)s is saved.")
MSG_COMMITMENT_SAVED = _("The commitment of %(post)s is saved as a draft.")
MSG_COMMITMENT_PUBLISHED = _("The commitment of %(post)s is on the public page.")
MSG_COMMITMENT_WITHDRAWN = _("The commitment of %(post)s is off the public page.")
SAVE_DRAFT = _("Save the draft")
PUBLISH = _("Publish")
WITHDRAW = _("Take off the public page")


def _company_id(request) -> int | None:
    return request.user.company_id


def _no_company(request) -> None:
    if not request.user.company_id:
        raise Http404


# --- the catalogue (STD-1) -----------------------------------------------------------------


@page(*READ_ROLES)
def standard_list(request):
    filters = selectors.standards_filtered(request.user, request.GET)
    page_obj = CappedPaginator(filters.qs, 25).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "page_obj": page_obj,
        "may_draft": selectors.user_may_draft(request.user) and request.user.company_id,
        "may_manage": selectors.user_may_manage(request.user) and request.user.company_id,
        "waiting": selectors.versions_waiting_for(request.user)[:20],
    }
    return render_page(
        request, "standards/list.html", context, partial="standards/partials/table.html"
    )


@page(*MANAGE_ROLES)
def catalogue_install(request):
    """STD-1: add the pack's catalogue to the company's (what is already there is kept)."""
    _no_company(request)
    if request.method != "POST":
        return render_form_page(
            request,
            None,
            heading=INSTALL,
            intro=INSTALL_INTRO,
            cancel_url=reverse("standards:list"),
            crumbs=(Crumb(reverse("standards:list"), CATALOGUE),),
            submit_label=INSTALL,
            submit_testid="install",
        )
    installed = services.catalogue_install_pack(company=request.user.company, actor=request.user)
    if installed.items or installed.standards:
        messages.success(
            request,
            MSG_INSTALLED % {"items": len(installed.items), "standards": len(installed.standards)},
        )
    else:
        messages.info(request, MSG_NOTHING_INSTALLED)
    return redirect("standards:list")


@page(*MANAGE_ROLES)
def item_create(request):
    _no_company(request)
    form = ServiceItemForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                item = services.service_item_create(
                    company=request.user.company, actor=request.user, **form.cleaned_data
                )
            except DomainError as error:
                error.add_to_form(form)
            else:
                messages.success(request, MSG_ITEM_CREATED % {"name": item.name})
                return redirect("standards:list")
        status = 400
    response = render_form_page(
        request,
        form,
        heading=NEW_ITEM,
        cancel_url=reverse("standards:list"),
        crumbs=(Crumb(reverse("standards:list"), CATALOGUE),),
    )
    response.status_code = status
    return response


@page(*DRAFT_ROLES)
def standard_create(request):
    """STD-2: the working group drafts a new standard."""
    _no_company(request)
    form = StandardForm(request.POST or None, company_id=_company_id(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                version = services.standard_draft(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                error.add_to_form(form)
            else:
                messages.success(
                    request,
                    MSG_DRAFTED % {"code": version.standard.code, "number": version.number},
                )
                return redirect("standards:version", pk=version.pk)
        status = 400
    response = render_form_page(
        request,
        form,
        heading=NEW_STANDARD,
        intro=NEW_STANDARD_INTRO,
        cancel_url=reverse("standards:list"),
        crumbs=(Crumb(reverse("standards:list"), CATALOGUE),),
        submit_label=SAVE_DRAFT,
    )
    response.status_code = status
    return response


def _standard(request, pk: int):
    return get_object_or_404(selectors.standards_visible_to(request.user), pk=pk)


@page(*READ_ROLES)
def standard_detail(request, pk: int):
    """STD-2: the standard in force, the version being worked on, every earlier version,
    the review date and the history."""
    standard = _standard(request, pk)
    versions = list(selectors.versions_of(standard))
    in_force = next((v for v in versions if v.state == VersionState.PUBLISHED), None)
    working = next((v for v in versions if v.state in services.OPEN_STATES), None)
    context = {
        "standard": standard,
        "versions": versions,
        "in_force": in_force,
        "working": working,
        # One version's steps at a time (the step forms share their element ids): the one
        # being worked on, else the one in force (review, withdraw).
        "in_force_steps": [] if working else _steps(request, in_force),
        "working_steps": _steps(request, working),
        "review": selectors.review_deadline(standard),
        "may_revise": selectors.user_may_draft(request.user),
        "now": now(),
    }
    return render(request, "standards/detail.html", context)


@page(*DRAFT_ROLES)
def standard_revise(request, pk: int):
    """STD-2: a published standard is changed by a new version."""
    standard = _standard(request, pk)
    initial = {
        "title": standard.title,
        "requirement": standard.requirement,
        "dimension": standard.dimension,
        "measure": standard.measure,
    }
    form = VersionForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                version = services.standard_revise(
                    standard=standard, actor=request.user, **form.cleaned_data
                )
            except DomainError as error:
                error.add_to_form(form)
            else:
                messages.success(
                    request, MSG_DRAFTED % {"code": standard.code, "number": version.number}
                )
                return redirect("standards:version", pk=version.pk)
        status = 400
    response = render_form_page(
        request,
        form,
        heading=NEW_VERSION % {"code": standard.code},
        intro=NEW_VERSION_INTRO,
        cancel_url=reverse("standards:detail", args=[standard.pk]),
        crumbs=(
            Crumb(reverse("standards:list"), CATALOGUE),
            Crumb(reverse("standards:detail", args=[standard.pk]), standard.code),
        ),
        submit_label=SAVE_DRAFT,
    )
    response.status_code = status
    return response


def _version(request, pk: int):
    versions = selectors.versions_of_visible(request.user)
    return get_object_or_404(versions, pk=pk)


def _step_form(version):
    def make(step, data=None):
        form_class = step.form_class()
        return form_class(data, version=version) if form_class else None

    return make


def _step_url(version, step):
    return reverse("standards:step", args=[version.pk, step.name])


def _steps(request, version):
    if version is None:
        return []
    return step_entries(
        STANDARD_WORKFLOW,
        request.user,
        version,
        form_for=_step_form(version),
        url_for=lambda step: _step_url(version, step),
    )


@page(*READ_ROLES)
def version_detail(request, pk: int):
    """STD-2: one version, readable whatever its state, with its comments and the steps the
    person may take on it."""
    version = _version(request, pk)
    steps = _steps(request, version)
    context = {
        "version": version,
        "standard": version.standard,
        "steps": steps,
        "comments": version.comments.select_related("unit", "author"),
        "may_edit": version.state == VersionState.DRAFT
        and STANDARD_WORKFLOW.may(request.user, version, "open_comments"),
    }
    return render(request, "standards/version.html", context)


@page(*DRAFT_ROLES)
def version_edit(request, pk: int):
    version = _version(request, pk)
    initial = {
        "title": version.title,
        "requirement": version.requirement,
        "dimension": version.dimension,
        "measure": version.measure,
        "change_note": version.change_note,
    }
    form = VersionForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.version_edit(version=version, actor=request.user, **form.cleaned_data)
            except DomainError as error:
                error.add_to_form(form)
                status = error.status if 400 <= error.status < 500 else 400
            else:
                messages.success(request, MSG_SAVED)
                return redirect("standards:version", pk=version.pk)
        else:
            status = 400
    response = render_form_page(
        request,
        form,
        heading=EDIT_DRAFT % {"code": version.standard.code},
        cancel_url=reverse("standards:version", args=[version.pk]),
        crumbs=(
            Crumb(reverse("standards:list"), CATALOGUE),
            Crumb(reverse("standards:detail", args=[version.standard_id]), version.standard.code),
        ),
        submit_label=SAVE_DRAFT,
    )
    response.status_code = status
    return response


@page(*STEP_ROLES)
def version_step(request, pk: int, action: str):
    """GET: the page of step `action` with its confirmation (or why it cannot be taken);
    POST: take the step through the workflow (core.steps), refused with its reason."""
    version = _version(request, pk)
    if not STANDARD_WORKFLOW.has(action) or STANDARD_WORKFLOW.step(action).creates:
        raise Http404
    step = STANDARD_WORKFLOW.step(action)
    status, refused = 200, None
    if request.method == "POST":
        outcome = step_take(
            request,
            workflow=STANDARD_WORKFLOW,
            record=version,
            name=action,
            form_for=_step_form(version),
        )
        if outcome.ok:
            messages.success(
                request, step.done % {"code": version.standard.code, "number": version.number}
            )
            if action == "publish":
                return redirect("standards:detail", pk=version.standard_id)
            return redirect("standards:version", pk=version.pk)
        form, status = outcome.form, outcome.status
    else:
        form = _step_form(version)(step, None)
        refused = STANDARD_WORKFLOW.refusal(version, action, request.user)
    entry = StepEntry(step=step, form=form, url=request.path, open=True)
    context = {
        "version": version,
        "standard": version.standard,
        "steps": [entry],
        "step": step,
        "refused": refused,
        "cancel": reverse("standards:version", args=[version.pk]),
    }
    return render(request, "standards/step.html", context, status=status)


# --- goals (STD-3) -------------------------------------------------------------------------


@page(*READ_ROLES)
def goal_list(request):
    rows = selectors.goals_in_force(request.user)
    page_obj = CappedPaginator(rows, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "standards/goals.html",
        {
            "page_obj": page_obj,
            "may_set": selectors.user_may_set_goals(request.user) and request.user.company_id,
            "today": now().date(),
        },
    )


@page(*GOAL_ROLES)
def goal_set(request):
    _no_company(request)
    units = selectors.units_for_goals(request.user)
    initial = {"effective_from": now().date()}
    if request.GET.get("unit") and request.GET.get("metric"):
        initial.update(
            unit=units.filter(pk=request.GET.get("unit")).first(),
            metric=request.GET.get("metric"),
            period=request.GET.get("period"),
        )
    form = GoalForm(request.POST or None, units=units, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                goal = services.goal_set(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                error.add_to_form(form)
            else:
                messages.success(
                    request,
                    MSG_GOAL_SET
                    % {"version": goal.version, "date": f"{goal.effective_from:%Y-%m-%d}"},
                )
                return redirect("standards:goals")
        status = 400
    response = render_form_page(
        request,
        form,
        heading=SET_GOAL,
        intro=SET_GOAL_INTRO,
        cancel_url=reverse("standards:goals"),
        crumbs=(Crumb(reverse("standards:goals"), GOALS),),
    )
    response.status_code = status
    return response


# --- SLAs (STD-3) --------------------------------------------------------------------------


@page(*READ_ROLES)
def sla_list(request):
    slas = selectors.slas_visible_to(request.user)
    page_obj = CappedPaginator(slas, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "standards/slas.html",
        {
            "page_obj": page_obj,
            "may_record": selectors.user_may_record_slas(request.user) and request.user.company_id,
            "today": now().date(),
        },
    )


def _sla_page(request, *, sla=None):
    units = selectors.units_for_goals(request.user)
    initial = {}
    if sla is not None:
        initial = {name: getattr(sla, name) for name in SlaForm.base_fields}
    form = SlaForm(request.POST or None, units=units, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if sla is None:
                    saved = services.sla_record(
                        company=request.user.company, actor=request.user, **form.cleaned_data
                    )
                else:
                    saved = services.sla_update(sla=sla, actor=request.user, **form.cleaned_data)
            except DomainError as error:
                error.add_to_form(form)
            else:
                messages.success(request, MSG_SLA_SAVED % {"customer": saved.customer})
                return redirect("standards:slas")
        status = 400
    response = render_form_page(
        request,
        form,
        heading=NEW_SLA if sla is None else EDIT_SLA,
        cancel_url=reverse("standards:slas"),
        crumbs=(Crumb(reverse("standards:slas"), SLAS),),
    )
    response.status_code = status
    return response


@page(*SLA_ROLES)
def sla_create(request):
    _no_company(request)
    return _sla_page(request)


@page(*SLA_ROLES)
def sla_edit(request, pk: int):
    sla = get_object_or_404(selectors.slas_visible_to(request.user), pk=pk)
    return _sla_page(request, sla=sla)


# --- commitments (STD-4) -------------------------------------------------------------------


@page(*MANAGE_ROLES)
def commitment_list(request):
    commitments = selectors.commitments_visible_to(request.user)
    page_obj = CappedPaginator(commitments, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "standards/commitments.html",
        {"page_obj": page_obj, "may_write": bool(request.user.company_id)},
    )


def _commitment(request, pk: int):
    return get_object_or_404(selectors.commitments_visible_to(request.user), pk=pk)


def _commitment_page(request, *, commitment=None):
    initial = {}
    if commitment is not None:
        initial = {"post_name": commitment.post_name, "text": commitment.text}
    form = CommitmentForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if commitment is None:
                    saved = services.commitment_write(
                        company=request.user.company, actor=request.user, **form.cleaned_data
                    )
                else:
                    saved = services.commitment_edit(
                        commitment=commitment, actor=request.user, **form.cleaned_data
                    )
            except DomainError as error:
                error.add_to_form(form)
                status = error.status if 400 <= error.status < 500 else 400
            else:
                messages.success(request, MSG_COMMITMENT_SAVED % {"post": saved.post_name})
                return redirect("standards:commitments")
        if status == 200:
            status = 400
    response = render_form_page(
        request,
        form,
        heading=NEW_COMMITMENT if commitment is None else EDIT_COMMITMENT,
        cancel_url=reverse("standards:commitments"),
        crumbs=(Crumb(reverse("standards:commitments"), COMMITMENTS),),
    )
    response.status_code = status
    return response


@page(*MANAGE_ROLES)
def commitment_create(request):
    _no_company(request)
    return _commitment_page(request)


@page(*MANAGE_ROLES)
def commitment_edit(request, pk: int):
    return _commitment_page(request, commitment=_commitment(request, pk))


def _commitment_step(request, pk: int, *, publish: bool):
    commitment = _commitment(request, pk)
    status = 200
    if request.method == "POST":
        try:
            if publish:
                services.commitment_publish(commitment=commitment, actor=request.user)
            else:
                services.commitment_withdraw(commitment=commitment, actor=request.user)
        except DomainError as error:
            messages.error(request, error.reason)
            status = error.status if 400 <= error.status < 500 else 400
        else:
            text = MSG_COMMITMENT_PUBLISHED if publish else MSG_COMMITMENT_WITHDRAWN
            messages.success(request, text % {"post": commitment.post_name})
            return redirect("standards:commitments")
    response = render_form_page(
        request,
        None,
        heading=PUBLISH_COMMITMENT if publish else WITHDRAW_COMMITMENT,
        intro=PUBLISH_COMMITMENT_INTRO if publish else WITHDRAW_COMMITMENT_INTRO,
        cancel_url=reverse("standards:commitments"),
        crumbs=(Crumb(reverse("standards:commitments"), COMMITMENTS),),
        submit_label=PUBLISH if publish else WITHDRAW,
        submit_style="primary" if publish else "danger",
        template="standards/commitment_confirm.html",
        commitment=commitment,
        state_ok=commitment.state
        == (CommitmentState.DRAFT if publish else CommitmentState.PUBLISHED),
    )
    response.status_code = status
    return response


@page(*MANAGE_ROLES)
def commitment_publish(request, pk: int):
    return _commitment_step(request, pk, publish=True)


@page(*MANAGE_ROLES)
def commitment_withdraw(request, pk: int):
    return _commitment_step(request, pk, publish=False)
