"""Staff pages of the complaint workflow (CMP-1 … CMP-9): registration, the queues and the
archive with search and export, and the case page with the actions the person may take.
Thin views: the access rule, a scoped read, a form, one service."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from pinzhi.complaints import export, forms, search, selectors, services
from pinzhi.complaints.models import Complaint
from pinzhi.complaints.selectors import (
    CASE_READ_ROLES,
    REGISTER_ROLES,
    STAFF_COMPLAINT_ROLES,
    complaint_actions_for,
    complaints_visible_to,
    may_see_customer,
)
from pinzhi.complaints.services import ComplaintError
from pinzhi.complaints.workflow import COMPLAINT_WORKFLOW
from pinzhi.core.access import page, user_may
from pinzhi.core.shell import render_page
from pinzhi.core.steps import step_entries, step_take
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.lib.errors import DomainError
from pinzhi.lib.paging import CappedPaginator, capped_count
from pinzhi.orgs.roles import Role
from pinzhi.orgs.selectors import units_visible_to
from pinzhi.timeline.services import attachment_add

VIEW_ROLES = tuple(sorted(STAFF_COMPLAINT_ROLES))
# The list, its export and the case page are also read by a contractor (issue 8 item 6).
READ_ROLES = tuple(sorted(CASE_READ_ROLES))
PER_PAGE = 25

REGISTERED = _("Complaint registered. Tracking code: %(code)s (give it to the customer).")
FILES_ADDED = _("Files added.")
EXPORT_TOO_MANY = _(
    "More than %(cap)s complaints match; an export holds at most %(cap)s. Narrow the "
    "filters (for example a date range) and export again."
)
NO_ATTACH = _("Files can be added only to an open complaint, by someone with a step to take on it.")
ESCALATION_ANSWERED = _("Answer to the customer's escalation recorded.")
NO_ESCALATION_ANSWER = _(
    "Only the quality committee or the company's leadership answer a customer's escalation."
)
NO_UNITS = _("You are not responsible for any unit, so there is no department queue for you.")


def _form_for(request, complaint):
    """The form of a step of this case, for `core.steps`."""

    def form_for(step, data=None):
        return step.form_class()(data, complaint=complaint, user=request.user)

    return form_for


def _step_url(complaint):
    return lambda step: reverse("complaints:act", args=[complaint.pk, step.name])


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
    actions = step_entries(
        COMPLAINT_WORKFLOW,
        request.user,
        complaint,
        form_for=_form_for(request, complaint),
        url_for=_step_url(complaint),
        failed=failed,
    )
    allowed = [entry.name for entry in actions]
    deadlines = list(deadlines_for(complaint).select_related("owner", "company", "calendar"))
    running = [d for d in deadlines if d.state in services.RUNNING]
    history = [d for d in deadlines if d.state not in services.RUNNING]
    may_see = may_see_customer(request.user, complaint)
    letters = sorted(complaint.letters.all(), key=lambda x: x.sent_at, reverse=True)
    callbacks = list(complaint.callbacks.select_related("by"))
    escalations = list(complaint.customer_escalations.select_related("answered_by"))
    # ORG-3: the notes of letters, callbacks and escalations as this viewer may see them.
    for letter in letters:
        letter.shown_request = selectors.complaint_text(complaint, letter.request, may_see=may_see)
    for callback in callbacks:
        callback.shown_feedback = selectors.complaint_text(
            complaint, callback.feedback, may_see=may_see
        )
    for escalation in escalations:
        escalation.shown_reason = selectors.complaint_text(
            complaint, escalation.reason, may_see=may_see
        )
        escalation.shown_answer = selectors.complaint_text(
            complaint, escalation.answer, may_see=may_see
        )
    repeat_title = ""
    if complaint.repeat_of is not None:
        earlier = complaint.repeat_of
        repeat_title = selectors.complaint_text(
            earlier, earlier.title, may_see=may_see_customer(request.user, earlier)
        )
    return {
        "complaint": complaint,
        "may_see": may_see,
        "text": selectors.complaint_texts(complaint, may_see=may_see),
        "repeat_title": repeat_title,
        "actions": actions,
        "running": running,
        "history": history,
        "letters": letters,
        "callbacks": callbacks,
        "escalations": escalations,
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
    filters = search.complaints_filtered(request.user, request.GET, base=base)
    # Issue 9 item 3: the list counts at most COUNT_CAP rows; beyond them it pages on. The
    # page's ids come from the complaint table alone (its indexes, no join whose size the
    # planner could misjudge), then its rows with what they show.
    page_obj = CappedPaginator(filters.qs.values_list("pk", flat=True), PER_PAGE).get_page(
        request.GET.get("page")
    )
    ids = list(page_obj.object_list)
    rows = search.for_rows(search.with_overdue(Complaint.objects.filter(pk__in=ids)))
    by_id = {complaint.pk: complaint for complaint in rows}
    page_obj.object_list = search.mark_rows(request.user, [by_id[pk] for pk in ids])
    context = {
        "page_obj": page_obj,
        "filters": filters,
        "mode": mode,
        "filtered": filters.filtered,
        "export_query": request.GET.urlencode(),
        "may_register": user_may(request.user, REGISTER_ROLES),
        **(extra or {}),
    }
    return render_page(
        request, "complaints/list.html", context, partial="complaints/partials/table.html"
    )


@page(*READ_ROLES)
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


@page(*READ_ROLES)
def complaint_export(request):
    """X-4: the filtered list as an Excel workbook, personal data masked per row unless the
    person may see it (ORG-3). Issue 9 item 4: up to PINZHI_EXPORT_SYNC_MAX_ROWS rows are
    downloaded at once; a larger list is written by a worker, and the person is sent to the
    export's page (progress, then the link)."""
    complaints = export.complaints_for_export(request.user, request.GET)
    # Issue 9 item 3: counted up to the cap only (one bounded query), never the whole list.
    cap = export.max_rows()
    count = capped_count(complaints, cap=cap)
    if count > cap:
        messages.error(request, EXPORT_TOO_MANY % {"cap": f"{cap:,}"})
        mode = request.GET.get("mode", "all")
        target = {"mine": "complaints:my_queue", "unit": "complaints:department_queue"}
        return redirect(f"{reverse(target.get(mode, 'complaints:list'))}?{request.GET.urlencode()}")
    if count > export.sync_max_rows():
        job = export.complaints_export_queue(request.user, request.GET, rows=count)
        return redirect("core:export_job", token=job.token)
    return export.complaints_response(request.user, complaints)


# --- the case page ------------------------------------------------------------------------


@page(*READ_ROLES)
def complaint_detail(request, pk):
    """The case: record, customer (masked unless the viewer handles it, ORG-3), time limits
    with live countdowns, letters, callbacks, history and the actions the person may take."""
    complaint = _complaint_for(request, pk)
    return render(request, "complaints/detail.html", _case_context(request, complaint))


def _case_response(request, complaint, *, status=200, **kwargs):
    template = "complaints/partials/case.html" if request.htmx else "complaints/detail.html"
    response = render(request, template, _case_context(request, complaint, **kwargs), status=status)
    if request.htmx and kwargs.get("notice"):
        # The notice heads the case panel, far above the step taken on a phone: show it.
        response["HX-Reswap"] = "outerHTML show:#case:top"
    return response


def _notice_response(request, complaint, notice: tuple[str, object]):
    """After a form on the case page: the case panel with `notice` ("success" or "danger",
    text) for htmx, else back to the case page with it as a message."""
    if request.htmx:
        return _case_response(request, complaint, notice=notice)
    getattr(messages, "success" if notice[0] == "success" else "error")(request, notice[1])
    return redirect("complaints:detail", pk=complaint.pk)


@page(*VIEW_ROLES)
@require_POST
def complaint_act(request, pk, action):
    """One workflow step (core.steps): refused with its reason — the status, a condition of
    the case, the person's part in it — beside the field it concerns or above the form, with
    a 4xx status; otherwise the case panel comes back with the result."""
    complaint = _complaint_for(request, pk)
    outcome = step_take(
        request,
        workflow=COMPLAINT_WORKFLOW,
        record=complaint,
        name=action,
        form_for=_form_for(request, complaint),
    )
    if not outcome.ok:
        if not COMPLAINT_WORKFLOW.may(request.user, complaint, action):
            # The step is not offered to this person now: the reason goes above the panel.
            if request.htmx:
                notice = ("danger", outcome.reason)
                return _case_response(request, complaint, notice=notice, status=outcome.status)
            messages.error(request, outcome.reason)
            return _case_response(request, complaint, status=outcome.status)
        return _case_response(
            request, complaint, failed=(action, outcome.form), status=outcome.status
        )
    done = outcome.step.done
    complaint = _complaint_for(request, pk) if _still_visible(request, pk) else None
    if complaint is None:
        messages.success(request, done)
        return redirect("complaints:list")
    if request.htmx:
        return _case_response(request, complaint, notice=("success", done))
    messages.success(request, done)
    return redirect("complaints:detail", pk=complaint.pk)


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
    return _notice_response(request, complaint, notice)


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
    return _notice_response(request, complaint, notice)
