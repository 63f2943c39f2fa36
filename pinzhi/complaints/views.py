"""Staff pages of the complaint workflow (CMP-1 … CMP-9): registration, the queues and the
archive with search and export, and the case page with the actions the person may take.
Thin views: the access rule, a scoped read, a form, one service."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from pinzhi.complaints import export, forms, search, selectors, services
from pinzhi.complaints.models import Complaint
from pinzhi.complaints.selectors import (
    REGISTER_ROLES,
    STAFF_COMPLAINT_ROLES,
    complaint_actions_for,
    complaints_visible_to,
    may_see_customer,
)
from pinzhi.complaints.services import ComplaintError
from pinzhi.core.access import page, user_may
from pinzhi.core.shell import render_page
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.lib.errors import DomainError
from pinzhi.orgs.roles import Role
from pinzhi.orgs.selectors import units_visible_to
from pinzhi.timeline.services import attachment_add

VIEW_ROLES = tuple(sorted(STAFF_COMPLAINT_ROLES))
PER_PAGE = 25

REGISTERED = _("Complaint registered. Tracking code: %(code)s (give it to the customer).")
NOT_YOURS = _("You cannot take this step on this complaint.")
FILES_ADDED = _("Files added.")
EXPORT_TOO_MANY = _(
    "%(count)s complaints match; an export holds at most %(cap)s. Narrow the filters "
    "(for example a date range) and export again."
)
NO_ATTACH = _("Files can be added only to an open complaint, by someone with a step to take on it.")
ESCALATION_ANSWERED = _("Answer to the customer's escalation recorded.")
NO_ESCALATION_ANSWER = _(
    "Only the quality committee or the company's leadership answer a customer's escalation."
)
NO_UNITS = _("You are not responsible for any unit, so there is no department queue for you.")


@dataclass(frozen=True)
class Action:
    """A workflow step on the case page: its label, form, service call and whether the
    person is asked to confirm before it is sent."""

    label: object
    form: type
    run: object
    done: object
    confirm: object = None
    icon: str = "arrow-right-circle"
    style: str = "primary"


def _route(request, complaint, data):
    return services.complaint_route(
        complaint=complaint,
        actor=request.user,
        department=data["department"],
        head=data["head"],
        request=data["request"],
        severity=data["severity"],
    )


def _acknowledge(request, complaint, data):
    """The case's current letter (CMP-3): a superseded letter is never signed for."""
    letter = selectors.complaint_current_letter(complaint)
    return services.letter_acknowledge(letter=letter, actor=request.user)


ACTIONS: dict[str, Action] = {
    "judge_not_established": Action(
        _("Not established"),
        forms.JudgeNotEstablishedForm,
        lambda r, c, d: services.complaint_judge_not_established(
            complaint=c, actor=r.user, explanation=d["explanation"]
        ),
        _("Closed as not established."),
        confirm=_("Close this complaint as not established? The customer gets the explanation."),
        icon="x-circle",
        style="outline-danger",
    ),
    "route": Action(
        _("Send contact letter"),
        forms.RouteForm,
        _route,
        _("Contact letter sent to the department head."),
        icon="envelope-arrow-up",
    ),
    "acknowledge": Action(
        _("Sign for the letter"),
        forms.AcknowledgeForm,
        _acknowledge,
        _("Contact letter signed for."),
        icon="pen",
    ),
    "assign": Action(
        _("Name handler and solution"),
        forms.AssignForm,
        lambda r, c, d: services.complaint_assign(
            complaint=c,
            actor=r.user,
            handler=d["handler"],
            solution=d["solution"],
            investigation=d["investigation"],
            staff_involved=d["staff_involved"],
            verified=d["verified"],
        ),
        _("Handler and solution recorded."),
        icon="person-check",
    ),
    "special_first_contact": Action(
        _("Special case: longer first-contact limit"),
        forms.SpecialFirstContactForm,
        lambda r, c, d: services.complaint_allow_special_first_contact(
            complaint=c, actor=r.user, reason=d["reason"]
        ),
        _("The longer first-contact limit applies."),
        icon="hourglass-split",
        style="outline-secondary",
    ),
    "record_contact": Action(
        _("Customer contacted"),
        forms.RecordContactForm,
        lambda r, c, d: services.complaint_record_contact(
            complaint=c, actor=r.user, on_site=d["on_site"]
        ),
        _("Contact recorded."),
        icon="telephone",
    ),
    "resolve": Action(
        _("Resolve"),
        forms.ResolveForm,
        lambda r, c, d: services.complaint_resolve(
            complaint=c, actor=r.user, resolution=d["resolution"]
        ),
        _("Resolved; the callback is due today."),
        icon="check2-circle",
        style="success",
    ),
    "callback": Action(
        _("Record callback"),
        forms.CallbackForm,
        lambda r, c, d: services.complaint_callback(
            complaint=c,
            actor=r.user,
            reached=d["reached"],
            confirmed=d["confirmed"],
            satisfaction=d["satisfaction"],
            feedback=d["feedback"],
            method=d["method"],
        ),
        _("Callback recorded."),
        icon="telephone-outbound",
    ),
    "close": Action(
        _("Close the case"),
        forms.CloseForm,
        lambda r, c, d: services.complaint_close(
            complaint=c, actor=r.user, final_result=d["final_result"], evaluation=d["evaluation"]
        ),
        _("Complaint closed and archived."),
        confirm=_("Close and archive this complaint? It cannot be changed afterwards."),
        icon="archive",
        style="success",
    ),
    "hand_over": Action(
        _("Hand over"),
        forms.HandOverForm,
        lambda r, c, d: services.complaint_hand_over(
            complaint=c, actor=r.user, to_person=d["to_person"], note=d["note"]
        ),
        _("Handed over."),
        confirm=_("Hand this complaint over? You will no longer own it."),
        icon="arrow-left-right",
        style="outline-secondary",
    ),
    "record_offence": Action(
        _("Record an offence"),
        forms.OffenceForm,
        lambda r, c, d: services.complaint_record_offence(
            complaint=c, actor=r.user, person=d["person"], offence=d["offence"], note=d["note"]
        ),
        _("Offence recorded."),
        confirm=_("Record this offence against the person? It counts in their assessment."),
        icon="exclamation-octagon",
        style="outline-danger",
    ),
}
assert set(ACTIONS) == set(selectors.ACTIONS)


def _form_for(name: str, request, complaint, data=None):
    return ACTIONS[name].form(data, complaint=complaint, user=request.user)


def _complaint_for(request, pk) -> Complaint:
    """The case, if the person may open it (ORG-2), with what the case page shows."""
    return get_object_or_404(
        complaints_visible_to(request.user)
        .select_related(
            "company",
            "location",
            "department",
            "owner",
            "handler",
            "registered_by",
            "staff_involved",
            "closed_by",
            "repeat_of",
            "repeat_group",
        )
        .prefetch_related("letters__to_person", "letters__to_unit", "letters__acknowledged_by"),
        pk=pk,
    )


def _case_context(request, complaint, *, failed=None, notice=None) -> dict:
    """Everything the case page shows; `failed` is (action name, bound form with errors)."""
    allowed = complaint_actions_for(request.user, complaint)
    actions = []
    for name in allowed:
        form = failed[1] if failed and failed[0] == name else _form_for(name, request, complaint)
        actions.append({"name": name, "spec": ACTIONS[name], "form": form, "open": form.errors})
    deadlines = list(deadlines_for(complaint).select_related("owner"))
    running = [d for d in deadlines if d.state in services.RUNNING]
    history = [d for d in deadlines if d.state not in services.RUNNING]
    return {
        "complaint": complaint,
        "may_see": may_see_customer(request.user, complaint),
        "actions": actions,
        "running": running,
        "history": history,
        "letters": sorted(complaint.letters.all(), key=lambda x: x.sent_at, reverse=True),
        "callbacks": complaint.callbacks.select_related("by"),
        "escalations": complaint.customer_escalations.select_related("answered_by"),
        "may_answer_escalations": selectors.may_answer_escalations(request.user, complaint),
        "attachment_form": forms.AttachmentForm(),
        "may_attach": _may_attach(allowed, complaint),
        "notice": notice,
    }


def _may_attach(allowed, complaint) -> bool:
    """X-1: files go only to an open case, added by someone with a step to take on it."""
    return complaint.is_open and bool(allowed)


# --- registration -----------------------------------------------------------------------


@page(*sorted(REGISTER_ROLES))
def complaint_create(request):
    """CMP-1/CMP-2: register a complaint received by hotline, visit, letter or message;
    whoever registers it owns it (首问责任制, CMP-3)."""
    form = forms.IntakeForm(
        request.POST or None,
        request.FILES or None,
        units=units_visible_to(request.user),
        company_id=request.user.company_id,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                complaint = services.complaint_register(
                    company=data["location"].company,
                    channel=data["channel"],
                    category=data["category"],
                    severity=data["severity"],
                    title=data["title"],
                    content=data["content"],
                    request=data["request"],
                    customer_name=data["customer_name"],
                    customer_phone=data["customer_phone"],
                    customer_email=data["customer_email"],
                    customer_address=data["customer_address"],
                    location=data["location"],
                    received_at=data["received_at"],
                    registered_by=request.user,
                    staff_involved=data["staff_involved"],
                )
                for uploaded in data["attachments"]:
                    attachment_add(
                        subject=complaint, uploaded_file=uploaded, uploaded_by=request.user
                    )
        except ValidationError as error:
            form.add_error(None, error.messages)
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, REGISTERED % {"code": complaint.tracking_code})
            return redirect("complaints:detail", pk=complaint.pk)
    return render(request, "complaints/intake.html", {"form": form})


# --- lists ------------------------------------------------------------------------------


def _listing(request, base, *, mode: str, extra: dict | None = None):
    """A filtered, sorted, paginated list of complaints with the customer data each row may
    show (ORG-3); htmx asks for the table only."""
    units = units_visible_to(request.user)
    filter_form = forms.ComplaintFilterForm(request.GET or None, units=units)
    filters = filter_form.filters() if request.GET else {}
    complaints = search.for_rows(search.complaint_filter(base, filters))
    page_obj = Paginator(complaints, PER_PAGE).get_page(request.GET.get("page"))
    page_obj.object_list = search.mark_rows(request.user, page_obj.object_list)
    context = {
        "page_obj": page_obj,
        "filter_form": filter_form,
        "mode": mode,
        "filtered": any(v for k, v in filters.items() if k != "sort"),
        "export_query": request.GET.urlencode(),
        "may_register": user_may(request.user, REGISTER_ROLES),
        **(extra or {}),
    }
    return render_page(
        request, "complaints/list.html", context, partial="complaints/partials/table.html"
    )


@page(*VIEW_ROLES)
def complaint_list(request):
    """CMP-6: every complaint the person may see, open and archived, with filters and
    Chinese full-text search."""
    return _listing(request, complaints_visible_to(request.user), mode="all")


@page(*VIEW_ROLES)
def my_queue(request):
    """The open cases I own, handle or must sign for."""
    return _listing(request, selectors.queue_for_person(request.user), mode="mine")


def _queue_unit(request, units):
    chosen = request.GET.get("unit", "")
    if chosen.isdigit():
        unit = units.filter(pk=chosen).first()
        if unit is not None:
            return unit
    own = units.filter(pk=request.user.unit_id).first() if request.user.unit_id else None
    return own or units.order_by("path").first()


@page(*VIEW_ROLES)
def department_queue(request):
    """The open cases located in or routed to a unit I see (and the units below it)."""
    units = units_visible_to(request.user).filter(is_active=True).order_by("path")
    unit = _queue_unit(request, units)
    if unit is None:
        base = Complaint.objects.none()
    else:
        base = selectors.queue_for_unit(request.user, unit)
    return _listing(
        request,
        base,
        mode="unit",
        extra={"units": units, "unit": unit, "no_units_text": NO_UNITS},
    )


@page(*VIEW_ROLES)
def complaint_export(request):
    """X-4: the filtered list as an Excel workbook, personal data masked per row unless the
    person may see it (ORG-3)."""
    units = units_visible_to(request.user)
    filters = forms.ComplaintFilterForm(request.GET, units=units).filters()
    mode = request.GET.get("mode", "all")
    if mode == "mine":
        base = selectors.queue_for_person(request.user)
    elif mode == "unit":
        unit = _queue_unit(request, units.filter(is_active=True))
        base = selectors.queue_for_unit(request.user, unit) if unit else Complaint.objects.none()
    else:
        base = complaints_visible_to(request.user)
    complaints = search.complaint_filter(base, filters)
    count = complaints.count()
    if count > export.MAX_ROWS:
        messages.error(request, EXPORT_TOO_MANY % {"count": count, "cap": export.MAX_ROWS})
        target = {"mine": "complaints:my_queue", "unit": "complaints:department_queue"}
        return redirect(f"{reverse(target.get(mode, 'complaints:list'))}?{request.GET.urlencode()}")
    return export.complaints_response(request.user, complaints)


# --- the case page ------------------------------------------------------------------------


@page(*VIEW_ROLES)
def complaint_detail(request, pk):
    """The case: record, customer (masked unless the viewer handles it, ORG-3), time limits
    with live countdowns, letters, callbacks, history and the actions the person may take."""
    complaint = _complaint_for(request, pk)
    return render(request, "complaints/detail.html", _case_context(request, complaint))


def _case_response(request, complaint, **kwargs):
    template = "complaints/partials/case.html" if request.htmx else "complaints/detail.html"
    return render(request, template, _case_context(request, complaint, **kwargs))


@page(*VIEW_ROLES)
@require_POST
def complaint_act(request, pk, action):
    """One workflow step, if valid for the status and the person's part in the case; the
    case panel comes back with the result or the error in place."""
    complaint = _complaint_for(request, pk)
    if action not in ACTIONS or action not in complaint_actions_for(request.user, complaint):
        messages.error(request, NOT_YOURS)
        if request.htmx:
            return _case_response(request, complaint, notice=("danger", NOT_YOURS))
        return redirect("complaints:detail", pk=complaint.pk)
    spec = ACTIONS[action]
    form = _form_for(action, request, complaint, request.POST)
    if form.is_valid():
        try:
            spec.run(request, complaint, form.cleaned_data)
        except ComplaintError as error:
            form.add_error(None, str(error))
        else:
            complaint = _complaint_for(request, pk) if _still_visible(request, pk) else None
            if complaint is None:
                messages.success(request, spec.done)
                return redirect("complaints:list")
            if request.htmx:
                return _case_response(request, complaint, notice=("success", spec.done))
            messages.success(request, spec.done)
            return redirect("complaints:detail", pk=complaint.pk)
    return _case_response(request, complaint, failed=(action, form))


def _still_visible(request, pk) -> bool:
    """After a hand-over the former owner may no longer see the case."""
    return complaints_visible_to(request.user).filter(pk=pk).exists()


@page(*VIEW_ROLES)
@require_POST
def attachment_upload(request, pk):
    """Photos and documents added to the case (X-1)."""
    complaint = _complaint_for(request, pk)
    form = forms.AttachmentForm(request.POST, request.FILES)
    notice = None
    if not _may_attach(complaint_actions_for(request.user, complaint), complaint):
        notice = ("danger", NO_ATTACH)
    elif form.is_valid():
        try:
            with transaction.atomic():
                for uploaded in form.cleaned_data["files"]:
                    attachment_add(
                        subject=complaint, uploaded_file=uploaded, uploaded_by=request.user
                    )
        except DomainError as error:
            notice = ("danger", error.reason)
        else:
            notice = ("success", FILES_ADDED)
    else:
        notice = ("danger", " ".join(e for errors in form.errors.values() for e in errors))
    if request.htmx:
        return _case_response(request, complaint, notice=notice)
    getattr(messages, "success" if notice[0] == "success" else "error")(request, notice[1])
    return redirect("complaints:detail", pk=complaint.pk)


@page(Role.QUALITY_COMMITTEE, Role.LEADERSHIP)
@require_POST
def escalation_answer(request, pk, escalation_pk):
    """CMP-7: the group leader or the chairman answers a customer's escalation; the case
    panel comes back with the answer or the reason it was refused."""
    complaint = _complaint_for(request, pk)
    escalation = get_object_or_404(complaint.customer_escalations, pk=escalation_pk)
    form = forms.EscalationAnswerForm(request.POST)
    if not selectors.may_answer_escalations(request.user, complaint):
        notice = ("danger", NO_ESCALATION_ANSWER)
    elif form.is_valid():
        try:
            services.complaint_escalation_answer(
                escalation=escalation, actor=request.user, answer=form.cleaned_data["answer"]
            )
        except ComplaintError as error:
            notice = ("danger", str(error))
        else:
            notice = ("success", ESCALATION_ANSWERED)
    else:
        notice = ("danger", " ".join(e for errors in form.errors.values() for e in errors))
    if request.htmx:
        return _case_response(request, complaint, notice=notice)
    getattr(messages, "success" if notice[0] == "success" else "error")(request, notice[1])
    return redirect("complaints:detail", pk=complaint.pk)
