"""Pages of the monthly cycle (ASM-3): the months, a month for the quality department
(status, steps, departments reviewed, appeals, totals), a department manager's month to
review, an employee's appeals and appeal form, the decision of an appeal, the payroll file."""

import django_filters
from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pinzhi.assessment.forms_cycle import AppealForm, DecisionForm, NothingForm, ReviewForm
from pinzhi.assessment.models import Appeal, AppealStatus, MonthStatus, PointsEntry
from pinzhi.assessment.selectors import cycle as selectors
from pinzhi.assessment.selectors.access import (
    LINE_ROLES,
    MANAGE_ROLES,
    READ_ROLES,
    people_assessable_by,
)
from pinzhi.assessment.services import cycle as services
from pinzhi.assessment.workflow_cycle import MONTH_WORKFLOW
from pinzhi.core.access import page
from pinzhi.core.steps import step_entries, step_take
from pinzhi.lib.clock import now
from pinzhi.lib.filtering import FilterSet
from pinzhi.lib.months import month_of, month_parse, month_previous, month_text
from pinzhi.lib.paging import CappedPaginator
from pinzhi.orgs.models import Unit
from pinzhi.orgs.roles import STAFF_ROLES, Role
from pinzhi.orgs.selectors import units_visible_to

MSG_COMPUTED = _("The month is computed again from the ledger.")
MSG_REVIEWED = _("%(unit)s is reviewed for %(month)s.")
MSG_APPEALED = _("Your appeal is filed; you will see the decision here.")
MSG_DECIDED = _("The appeal is decided.")
MSG_BAD_MONTH = _("Choose a month that has ended, written YYYY-MM.")
MSG_NO_DEPARTMENT = _("Choose one of your departments to review.")

READERS = tuple(READ_ROLES | MANAGE_ROLES)
MANAGERS = tuple(MANAGE_ROLES)
REVIEWERS = (Role.DEPARTMENT_MANAGER, *MANAGE_ROLES)


class TotalFilter(FilterSet):
    """Search (name or employee number) and a unit (with the units below it)."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        widget=forms.SearchInput(attrs={"placeholder": _("Name or employee no.")}),
    )
    unit = django_filters.ModelChoiceFilter(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        empty_label=_("All units"),
        method="filter_unit",
    )

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters["unit"].queryset = units_visible_to(user).order_by("path")

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(person__full_name__icontains=value) | Q(person__employee_no__icontains=value)
        )

    def filter_unit(self, queryset, name, value):
        return queryset.filter(unit__path__startswith=value.path)


def _month_or_404(request, text: str):
    month = month_parse(text)
    if month is None:
        raise Http404
    found = selectors.months_visible_to(request.user).filter(month=month).first()
    if found is None:
        raise Http404
    return found


@page(*READERS)
def month_list(request):
    """ASM-3: the company's assessment months, latest first."""
    months = selectors.months_visible_to(request.user)
    page_obj = CappedPaginator(months.order_by("-month"), 24).get_page(request.GET.get("page"))
    last = month_previous(month_of(now()))
    return render(
        request,
        "assessment/cycle/month_list.html",
        {
            "page_obj": page_obj,
            "may_manage": selectors.may_manage(request.user),
            "last_month": month_text(last),
            "last_missing": not months.filter(month=last).exists(),
        },
    )


def _step_form(step, data=None):
    return NothingForm(data, action=step.name)


def _month_page(request, assessment_month, *, failed=None, status=200):
    user = request.user
    steps = step_entries(
        MONTH_WORKFLOW,
        user,
        assessment_month,
        form_for=_step_form,
        url_for=lambda step: reverse(
            "assessment:month_step", args=[month_text(assessment_month.month), step.name]
        ),
        failed=failed,
    )
    totals = selectors.totals_of(assessment_month).filter(person__in=people_assessable_by(user))
    filters = TotalFilter(request.GET, totals, user=user)
    page_obj = CappedPaginator(filters.qs, 50).get_page(request.GET.get("page"))
    reviews = {
        review.unit_id: review for review in assessment_month.reviews.select_related("reviewer")
    }
    departments = [
        {"unit": unit, "review": reviews.get(unit.pk)}
        for unit in selectors.departments_of(assessment_month)
    ]
    appeals = selectors.appeals_of(assessment_month).filter(person__in=people_assessable_by(user))
    context = {
        "month": assessment_month,
        "month_text": month_text(assessment_month.month),
        "statuses": MonthStatus.choices,
        "steps": steps,
        "filters": filters,
        "page_obj": page_obj,
        "departments": departments,
        "appeals": appeals,
        "pending": sum(1 for appeal in appeals if appeal.status == AppealStatus.PENDING),
        "may_manage": selectors.may_manage(user),
        "may_review": bool(selectors.departments_reviewable_by(user, assessment_month))
        and assessment_month.status == MonthStatus.REVIEW,
        "computable": assessment_month.status
        in (MonthStatus.DRAFT, MonthStatus.REVIEW, MonthStatus.PUBLISHED),
        "window_open": selectors.appeal_window_open(assessment_month),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "assessment/cycle/partials/total_table.html", context)
    return render(request, "assessment/cycle/month.html", context, status=status)


@page(*READERS)
def month_detail(request, month: str):
    """ASM-3: a month — its steps, departments reviewed, appeals and totals."""
    assessment_month = _month_or_404(request, month)
    return _month_page(request, assessment_month)


def _compute(request, month_date):
    try:
        services.month_compute(company=request.user.company, month=month_date, actor=request.user)
    except services.CycleError as error:
        messages.error(request, error.reason)
    else:
        messages.success(request, MSG_COMPUTED)


@page(*MANAGERS)
def month_compute(request, month: str):
    """ASM-3: the quality department computes a month again on demand."""
    assessment_month = _month_or_404(request, month)
    if request.method == "POST":
        _compute(request, assessment_month.month)
    return redirect("assessment:month", month=month)


@page(*MANAGERS)
def month_compute_new(request):
    """ASM-3: the quality department computes a month not yet assessed (the month just
    ended, or an earlier one), chosen as YYYY-MM."""
    month_date = month_parse(request.POST.get("month", "")) if request.method == "POST" else None
    if month_date is None or month_date >= month_of(now()):
        if request.method == "POST":
            messages.error(request, MSG_BAD_MONTH)
        return redirect("assessment:months")
    _compute(request, month_date)
    return redirect("assessment:month", month=month_text(month_date))


@page(*MANAGERS)
def month_step(request, month: str, action: str):
    assessment_month = _month_or_404(request, month)
    if request.method != "POST":
        return redirect("assessment:month", month=month)
    outcome = step_take(
        request, workflow=MONTH_WORKFLOW, record=assessment_month, name=action, form_for=_step_form
    )
    if outcome.ok:
        messages.success(request, str(outcome.step.done))
        return redirect("assessment:month", month=month)
    return _month_page(
        request, assessment_month, failed=(action, outcome.form), status=outcome.status
    )


@page(*REVIEWERS)
def month_review(request, month: str):
    """ASM-3: a department manager's month to review — their departments' people with their
    totals and entries, and the review with its note."""
    assessment_month = _month_or_404(request, month)
    departments = selectors.departments_reviewable_by(request.user, assessment_month)
    if not departments and not selectors.may_manage(request.user):
        raise Http404
    if selectors.may_manage(request.user) and not departments:
        departments = selectors.departments_of(assessment_month)
    status = 200
    failed_unit, failed_form = None, None
    if request.method == "POST":
        unit = next((u for u in departments if str(u.pk) == request.POST.get("unit")), None)
        form = ReviewForm(request.POST)
        if unit is None:
            messages.error(request, MSG_NO_DEPARTMENT)
            status = 400
        elif form.is_valid():
            try:
                services.department_review(
                    assessment_month=assessment_month,
                    unit=unit,
                    actor=request.user,
                    note=form.cleaned_data["note"],
                )
            except services.CycleError as error:
                error.add_to_form(form)
            else:
                messages.success(
                    request,
                    MSG_REVIEWED % {"unit": unit.name, "month": month_text(assessment_month.month)},
                )
                return redirect("assessment:month_review", month=month)
        if unit is not None:
            failed_unit, failed_form, status = unit.pk, form, 400
    reviews = {r.unit_id: r for r in assessment_month.reviews.select_related("reviewer")}
    reviewable = selectors.departments_reviewable_by(request.user, assessment_month)
    blocks = []
    for unit in departments:
        totals = list(selectors.department_people(assessment_month, unit))
        entries = (
            PointsEntry.objects.filter(
                company_id=assessment_month.company_id,
                month=assessment_month.month,
                person_id__in=[t.person_id for t in totals],
            )
            .exclude(points=0, amount__isnull=True)
            .select_related("person")
            .order_by("person__full_name", "occurred_at", "pk")
        )
        by_person: dict[int, list] = {}
        for entry in entries:
            by_person.setdefault(entry.person_id, []).append(entry)
        blocks.append(
            {
                "unit": unit,
                "rows": [(total, by_person.get(total.person_id, [])) for total in totals],
                "review": reviews.get(unit.pk),
                "form": failed_form if failed_unit == unit.pk else ReviewForm(),
                "may_review": assessment_month.status == MonthStatus.REVIEW
                and unit in reviewable
                and unit.pk not in reviews,
            }
        )
    return render(
        request,
        "assessment/cycle/review.html",
        {
            "month": assessment_month,
            "month_text": month_text(assessment_month.month),
            "blocks": blocks,
        },
        status=status,
    )


@page(*MANAGERS)
def payroll_download(request, month: str):
    """ASM-3: the payroll file of a closed month (.xlsx, one row per person)."""
    assessment_month = _month_or_404(request, month)
    if assessment_month.status != MonthStatus.CLOSED:
        raise Http404
    response = HttpResponse(
        selectors.payroll_workbook(assessment_month),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"payroll-{month_text(assessment_month.month)}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@page(*STAFF_ROLES)
def my_appeals(request):
    """ASM-3: an employee's published months open to appeal, with their entries, and their
    appeals with the decisions."""
    user = request.user
    open_months = [
        month
        for month in selectors.months_visible_to(user).filter(status=MonthStatus.PUBLISHED)
        if selectors.appeal_window_open(month)
    ]
    appealed = set(Appeal.objects.filter(person=user).values_list("entry_id", flat=True))
    months = [
        {
            "month": month,
            "entries": [
                (entry, entry.pk not in appealed and entry.kind != "correction")
                for entry in selectors.entries_of(user, month.month)
            ],
        }
        for month in open_months
    ]
    appeals = CappedPaginator(selectors.appeals_of_person(user), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "assessment/cycle/my_appeals.html",
        {"months": months, "page_obj": appeals},
    )


@page(*STAFF_ROLES)
def appeal_create(request, pk: int):
    """ASM-3: an employee contests one of their own entries, with a reason."""
    entry = get_object_or_404(PointsEntry.objects.filter(person=request.user), pk=pk)
    form = AppealForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.appeal_file(
                    entry=entry, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except services.CycleError as error:
                error.add_to_form(form)
            else:
                messages.success(request, MSG_APPEALED)
                return redirect("assessment:my_appeals")
        status = 400
    return render(
        request,
        "assessment/cycle/appeal_form.html",
        {"entry": entry, "form": form, "month_text": month_text(entry.month)},
        status=status,
    )


@page(*READERS)
def appeal_detail(request, pk: int):
    """ASM-3: an appeal with the entry it contests; the quality department or the person's
    line manager decides it."""
    appeal = get_object_or_404(
        Appeal.objects.filter(person__in=people_assessable_by(request.user)).select_related(
            "entry", "person", "person__unit", "decided_by", "correction"
        ),
        pk=pk,
    )
    if appeal.person_id == request.user.pk:
        return redirect("assessment:my_appeals")
    may_decide = appeal.status == AppealStatus.PENDING and selectors.may_decide(
        request.user, appeal
    )
    form = DecisionForm(request.POST or None)
    status = 200
    if request.method == "POST" and not may_decide:
        messages.error(request, services.MSG_MAY_NOT_DECIDE)
        status = 403
    elif request.method == "POST":
        if form.is_valid():
            try:
                services.appeal_decide(
                    appeal=appeal,
                    actor=request.user,
                    outcome=form.cleaned_data["outcome"],
                    decision=form.cleaned_data["decision"],
                    points=form.cleaned_data.get("points"),
                )
            except services.CycleError as error:
                error.add_to_form(form)
            else:
                messages.success(request, MSG_DECIDED)
                return redirect("assessment:month", month=month_text(appeal.entry.month))
        status = 400
    return render(
        request,
        "assessment/cycle/appeal_detail.html",
        {
            "appeal": appeal,
            "entry": appeal.entry,
            "form": form,
            "may_decide": may_decide,
            "month_text": month_text(appeal.entry.month),
            "line_roles": LINE_ROLES,
        },
        status=status,
    )
