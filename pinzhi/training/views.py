"""Training pages (TRN-1, ASM-8): my training for everyone; courses, sessions with their
attendance sheet, assignments and who is behind for the quality department (read by the
company-wide roles and the line managers)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pinzhi.core.access import SIGNED_IN, page
from pinzhi.core.shell import Crumb, render_form_page, render_page
from pinzhi.lib.paging import CappedPaginator
from pinzhi.orgs.models import Person
from pinzhi.training import selectors, services
from pinzhi.training.filters import AssignmentFilter, CourseFilter, SessionFilter
from pinzhi.training.forms import AssignmentForm, CourseForm, ReasonForm, SessionForm, score_of
from pinzhi.training.models import AssignmentStatus, Course, SessionStatus

MSG_COURSE_SAVED = _("The course “%(title)s” is saved.")
MSG_SESSION_PLANNED = _("The session is planned.")
MSG_SESSION_CANCELLED = _("The session is cancelled.")
MSG_ATTENDANCE_SAVED = _("Attendance and scores are recorded.")
MSG_ASSIGNED = _("The training is assigned to %(name)s.")
MSG_ASSIGNMENT_CANCELLED = _("The assignment is cancelled.")
MSG_SCORE_NOT_NUMBER = _("%(name)s: the score “%(value)s” is not a number.")
HEADING_COURSE_NEW = _("Add a course")
HEADING_COURSE_EDIT = _("Change the course")
HEADING_SESSION_NEW = _("Plan a training session")
HEADING_SESSION_CANCEL = _("Cancel the session")
HEADING_ASSIGN = _("Assign a training")
HEADING_ASSIGNMENT_CANCEL = _("Cancel the assignment")
INTRO_SESSION_CANCEL = _(
    "Cancelling cannot be undone: the session stays on record as cancelled, with the reason."
)
INTRO_ASSIGNMENT_CANCEL = _(
    "The person no longer has to complete this training. This cannot be undone."
)
INTRO_ASSIGN = _(
    "A passed session of the course (or, without a course, of any course) completes the "
    "assignment. The person is told."
)
CONFIRM_CANCEL = _("Cancel it")

READERS = tuple(selectors.READ_ROLES)
MANAGERS = tuple(selectors.MANAGE_ROLES)


def _company(request):
    if request.user.company is None:
        raise Http404
    return request.user.company


@page(SIGNED_IN)
def mine(request):
    """My training: my assignments (open first) and the sessions I attended, with scores."""
    assignments = (
        selectors.assignments_visible_to(request.user)
        .filter(person=request.user)
        .order_by("status", "due_on")
    )
    return render(
        request,
        "training/mine.html",
        {
            "assignments": assignments,
            "attendances": selectors.attendances_of(request.user)[:50],
        },
    )


@page(*READERS)
def course_list(request):
    filters = CourseFilter(request.GET, selectors.courses_visible_to(request.user))
    page_obj = CappedPaginator(filters.qs.order_by("code"), 25).get_page(request.GET.get("page"))
    return render_page(
        request,
        "training/course_list.html",
        {
            "filters": filters,
            "page_obj": page_obj,
            "may_manage": selectors.may_manage(request.user),
        },
        partial="training/partials/course_table.html",
    )


def _course_form_page(request, form, *, course=None, status=200):
    response = render_form_page(
        request,
        form,
        heading=HEADING_COURSE_EDIT if course else HEADING_COURSE_NEW,
        cancel_url=reverse("training:courses"),
        crumbs=(Crumb(reverse("training:courses"), _("Courses")),),
    )
    response.status_code = status
    return response


@page(*MANAGERS)
def course_create(request):
    company = _company(request)
    form = CourseForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                course = services.course_create(
                    company=company, terms=form.terms(), actor=request.user
                )
            except services.TrainingError as error:
                error.add_to_form(form)
            else:
                messages.success(request, MSG_COURSE_SAVED % {"title": course.title})
                return redirect("training:courses")
        return _course_form_page(request, form, status=400)
    return _course_form_page(request, form)


@page(*MANAGERS)
def course_edit(request, pk: int):
    course = get_object_or_404(selectors.courses_visible_to(request.user), pk=pk)
    initial = {
        name: getattr(course, name)
        for name in ("code", "title", "topic", "hours", "pass_score", "description", "is_active")
    }
    form = CourseForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.course_update(course=course, terms=form.terms(), actor=request.user)
            except services.TrainingError as error:
                error.add_to_form(form)
            else:
                messages.success(request, MSG_COURSE_SAVED % {"title": course.title})
                return redirect("training:courses")
        return _course_form_page(request, form, course=course, status=400)
    return _course_form_page(request, form, course=course)


@page(*READERS)
def session_list(request):
    filters = SessionFilter(request.GET, selectors.sessions_visible_to(request.user))
    page_obj = CappedPaginator(filters.qs.order_by("-starts_at"), 25).get_page(
        request.GET.get("page")
    )
    return render_page(
        request,
        "training/session_list.html",
        {
            "filters": filters,
            "page_obj": page_obj,
            "may_manage": selectors.may_manage(request.user),
        },
        partial="training/partials/session_table.html",
    )


@page(*MANAGERS)
def session_create(request):
    company = _company(request)
    initial = {}
    if request.GET.get("course"):
        initial["course"] = (
            Course.objects.filter(company=company, pk=request.GET["course"]).first()
            if request.GET["course"].isdigit()
            else None
        )
    form = SessionForm(request.POST or None, company=company, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                session = services.session_create(
                    course=data["course"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    location=data["location"],
                    trainer=data["trainer"],
                    actor=request.user,
                )
            except services.TrainingError as error:
                error.add_to_form(form)
            else:
                messages.success(request, MSG_SESSION_PLANNED)
                return redirect("training:session", pk=session.pk)
        status = 400
    response = render_form_page(
        request,
        form,
        heading=HEADING_SESSION_NEW,
        cancel_url=reverse("training:sessions"),
        crumbs=(Crumb(reverse("training:sessions"), _("Training sessions")),),
    )
    response.status_code = status
    return response


def _sheet_people(session, request) -> list[Person]:
    """Who the attendance sheet lists: those already recorded, the people with an open
    assignment of the course, and those added on the page."""
    company_people = Person.objects.filter(company_id=session.company_id, is_active=True)
    recorded = {a.person_id for a in session.attendances.all()}
    assigned = set(
        session.course.assignments.filter(status=AssignmentStatus.OPEN).values_list(
            "person_id", flat=True
        )
    )
    added = {
        int(pk)
        for pk in request.GET.getlist("add") + request.POST.getlist("person")
        if pk.isdigit()
    }
    return list(
        company_people.filter(pk__in=recorded | assigned | added)
        .select_related("unit")
        .order_by("unit__name", "full_name")
    )


def _session_page(request, session, *, errors=(), status=200):
    may_manage = selectors.may_manage(request.user)
    recorded = {a.person_id: a for a in session.attendances.all()}
    sheet = [(person, recorded.get(person.pk)) for person in _sheet_people(session, request)]
    candidates = (
        Person.objects.filter(company_id=session.company_id, is_active=True)
        .exclude(pk__in=[p.pk for p, _a in sheet])
        .order_by("full_name")
    )
    response = render(
        request,
        "training/session_detail.html",
        {
            "session": session,
            "sheet": sheet,
            "candidates": candidates,
            "may_manage": may_manage,
            "may_record": may_manage and session.status != SessionStatus.CANCELLED,
            "errors": errors,
        },
    )
    response.status_code = status
    return response


@page(*READERS)
def session_detail(request, pk: int):
    session = get_object_or_404(selectors.sessions_visible_to(request.user), pk=pk)
    return _session_page(request, session)


@page(*MANAGERS)
def session_attendance(request, pk: int):
    """The attendance sheet's submission (TRN-1): every listed person's attendance and score."""
    session = get_object_or_404(selectors.sessions_visible_to(request.user), pk=pk)
    if request.method != "POST":
        return redirect("training:session", pk=session.pk)
    errors: list[str] = []
    rows = []
    listed = request.POST.getlist("person")
    for person in _sheet_people(session, request):
        if str(person.pk) not in listed:
            continue
        raw = request.POST.get(f"score_{person.pk}", "")
        try:
            score = score_of(raw)
        except ValueError:
            errors.append(str(MSG_SCORE_NOT_NUMBER % {"name": person, "value": raw}))
            continue
        rows.append(
            services.AttendanceRow(
                person=person,
                attended=request.POST.get(f"attended_{person.pk}") == "on",
                score=score,
            )
        )
    if not errors:
        try:
            services.attendance_record(session=session, rows=rows, actor=request.user)
        except services.TrainingError as error:
            errors.extend(e.reason for e in error.field_errors)
        else:
            messages.success(request, MSG_ATTENDANCE_SAVED)
            return redirect("training:session", pk=session.pk)
    return _session_page(request, session, errors=errors, status=400)


@page(*MANAGERS)
def session_cancel(request, pk: int):
    session = get_object_or_404(selectors.sessions_visible_to(request.user), pk=pk)
    form = ReasonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.session_cancel(
                    session=session, reason=form.cleaned_data["reason"], actor=request.user
                )
            except services.TrainingError as error:
                error.add_to_form(form)
            else:
                messages.success(request, MSG_SESSION_CANCELLED)
                return redirect("training:session", pk=session.pk)
        status = 400
    response = render_form_page(
        request,
        form,
        heading=HEADING_SESSION_CANCEL,
        intro=INTRO_SESSION_CANCEL,
        cancel_url=reverse("training:session", args=[session.pk]),
        crumbs=(Crumb(reverse("training:sessions"), _("Training sessions")),),
        submit_label=CONFIRM_CANCEL,
        submit_style="danger",
    )
    response.status_code = status
    return response


@page(*READERS)
def assignment_list(request):
    filters = AssignmentFilter(request.GET, selectors.assignments_visible_to(request.user))
    page_obj = CappedPaginator(filters.qs.order_by("status", "due_on", "pk"), 25).get_page(
        request.GET.get("page")
    )
    return render_page(
        request,
        "training/assignment_list.html",
        {
            "filters": filters,
            "page_obj": page_obj,
            "may_manage": selectors.may_manage(request.user),
        },
        partial="training/partials/assignment_table.html",
    )


@page(*READERS)
def behind(request):
    """TRN-1: who is behind — the open assignments overdue or due within the pack's warning
    time."""
    company = _company(request)
    warning = services.warning_of(company)
    assignments = selectors.assignments_behind(request.user, warning=warning).order_by("due_on")
    page_obj = CappedPaginator(assignments, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "training/behind.html",
        {"page_obj": page_obj, "warning_days": warning.days},
    )


@page(*MANAGERS)
def assignment_create(request):
    company = _company(request)
    form = AssignmentForm(request.POST or None, company=company)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                assignment = services.assignment_create(
                    company=company,
                    person=data["person"],
                    reason=data["reason"],
                    due_on=data["due_on"],
                    course=data["course"],
                    note=data["note"],
                    actor=request.user,
                )
            except services.TrainingError as error:
                error.add_to_form(form)
            else:
                messages.success(request, MSG_ASSIGNED % {"name": assignment.person})
                return redirect("training:assignments")
        status = 400
    response = render_form_page(
        request,
        form,
        heading=HEADING_ASSIGN,
        intro=INTRO_ASSIGN,
        cancel_url=reverse("training:assignments"),
        crumbs=(Crumb(reverse("training:assignments"), _("Training assignments")),),
    )
    response.status_code = status
    return response


@page(*MANAGERS)
def assignment_cancel(request, pk: int):
    assignment = get_object_or_404(selectors.assignments_visible_to(request.user), pk=pk)
    form = ReasonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.assignment_cancel(
                    assignment=assignment, reason=form.cleaned_data["reason"], actor=request.user
                )
            except services.TrainingError as error:
                error.add_to_form(form)
            else:
                messages.success(request, MSG_ASSIGNMENT_CANCELLED)
                return redirect("training:assignments")
        status = 400
    response = render_form_page(
        request,
        form,
        heading=HEADING_ASSIGNMENT_CANCEL,
        intro=INTRO_ASSIGNMENT_CANCEL,
        cancel_url=reverse("training:assignments"),
        crumbs=(Crumb(reverse("training:assignments"), _("Training assignments")),),
        submit_label=CONFIRM_CANCEL,
        submit_style="danger",
    )
    response.status_code = status
    return response
