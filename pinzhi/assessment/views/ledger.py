"""The points ledger's pages (issue 11 item 3): 我的考核 — a person's own months and every
entry with its points, money, rule, clause and cause; a manager's people with the month's
totals; a person's ledger for a manager with the entry forms; the verified complaints that
name nobody, for the quality department."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pinzhi.assessment.forms_ledger import CorrectionForm, DailyRecordForm, OffenceForm
from pinzhi.assessment.models import PointsEntry
from pinzhi.assessment.selectors import ledger as selectors
from pinzhi.assessment.selectors.access import (
    LINE_ROLES,
    MANAGE_ROLES,
    READ_ROLES,
    people_assessable_by,
)
from pinzhi.assessment.services import offences
from pinzhi.core.access import page
from pinzhi.core.shell import Crumb, render_form_page, render_page
from pinzhi.lib.clock import now
from pinzhi.lib.months import month_of, month_parse
from pinzhi.lib.paging import CappedPaginator
from pinzhi.orgs.roles import STAFF_ROLES

MSG_OFFENCE = _("The offence is recorded in %(name)s's assessment.")
MSG_DAILY = _("The daily record is booked for %(name)s.")
MSG_CORRECTED = _("The correction is booked.")
HEADING_OFFENCE = _("Record an offence")
HEADING_DAILY = _("Daily assessment record")
HEADING_CORRECT = _("Correct an entry")
INTRO_OFFENCE = _(
    "004 第4篇 九: a category A offence costs 5 to 15 points and may bring a major demerit and a "
    "company-wide notice; category B costs 15 to 30 points and may bring a warning, or a "
    "dismissal proposal that the consequences page puts to a decision."
)
INTRO_DAILY = _(
    "Daily assessment records are the basis for rewards and penalties (003 制度2 第4条): a "
    "deduction or an addition within the pack's range, counted in the day's month."
)
INTRO_CORRECT = _(
    "An entry is never changed: the correction is a new entry citing it. Once the month is "
    "exported to payroll, the correction counts in the next open month."
)
# Who records offences, daily records and corrections (each for the people of their scope).
ENTER_ROLES = tuple(MANAGE_ROLES | LINE_ROLES)
TITLE_MINE = _("My assessment")
TITLE_PEOPLE = _("Staff assessment")
PER_PAGE = 25


def _month(request, default):
    return month_parse(request.GET.get("month", "")) or default


def _ledger_context(request, person, *, mine: bool) -> dict:
    months = selectors.months_of(person)
    current = month_of(now())
    default = months[0].month if months else current
    month = _month(request, default)
    entries = list(selectors.entries_of(person, month))
    links = selectors.subject_links(request.user, entries)
    for entry in entries:
        entry.link = links.get(entry.pk)  # type: ignore[attr-defined]
    return {
        "person": person,
        "mine": mine,
        "months": months,
        "month": month,
        "summary": selectors.month_summary(person, month),
        "entries": entries,
        "may_enter": (not mine) and offences.may_enter_for(request.user, person),
    }


@page(*STAFF_ROLES)
def ledger_mine(request):
    context = _ledger_context(request, request.user, mine=True)
    return render(request, "assessment/ledger/person.html", context)


@page(*READ_ROLES)
def ledger_people(request):
    month = _month(request, month_of(now()))
    filters = selectors.people_with_totals(request.user, month, request.GET)
    page_obj = CappedPaginator(filters.qs, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "page_obj": page_obj,
        "month": month,
        "awaiting": list(selectors.offences_awaiting_value(request.user)[:20]),
        "may_see_unassigned": selectors.may_see_unassigned(request.user),
    }
    return render_page(
        request,
        "assessment/ledger/people.html",
        context,
        partial="assessment/ledger/partials/people_table.html",
    )


def _person(request, pk):
    return get_object_or_404(
        people_assessable_by(request.user).filter(company_id=request.user.company_id), pk=pk
    )


@page(*READ_ROLES)
def ledger_person(request, pk: int):
    person = _person(request, pk)
    if person.pk == request.user.pk:
        return redirect("assessment:ledger_mine")
    context = _ledger_context(request, person, mine=False)
    return render(request, "assessment/ledger/person.html", context)


def _entry_form_page(request, person, form, *, heading, intro, status):
    response = render_form_page(
        request,
        form,
        heading=heading,
        cancel_url=reverse("assessment:ledger_person", args=[person.pk]),
        crumbs=(
            Crumb(reverse("assessment:ledger_people"), TITLE_PEOPLE),
            Crumb(reverse("assessment:ledger_person", args=[person.pk]), person),
        ),
        intro=intro,
    )
    response.status_code = status
    return response


@page(*ENTER_ROLES)
def offence_record(request, pk: int):
    person = _person(request, pk)
    if not offences.may_enter_for(request.user, person):
        raise Http404
    form = OffenceForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                offences.offence_record(
                    person=person,
                    category=data["category"],
                    points=data["points"],
                    reason=data["reason"],
                    actor=request.user,
                    day=data["day"],
                    sanction=data["sanction"] or "",
                    notice=data["notice"],
                )
            except offences.LedgerError as error:
                error.add_to_form(form)
            else:
                messages.success(request, MSG_OFFENCE % {"name": person})
                return redirect("assessment:ledger_person", pk=person.pk)
        status = 400
    return _entry_form_page(
        request, person, form, heading=HEADING_OFFENCE, intro=INTRO_OFFENCE, status=status
    )


@page(*ENTER_ROLES)
def daily_record(request, pk: int):
    person = _person(request, pk)
    if not offences.may_enter_for(request.user, person):
        raise Http404
    form = DailyRecordForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                offences.daily_record(
                    person=person,
                    points=data["points"],
                    reason=data["reason"],
                    actor=request.user,
                    day=data["day"],
                )
            except offences.LedgerError as error:
                error.add_to_form(form)
            else:
                messages.success(request, MSG_DAILY % {"name": person})
                return redirect("assessment:ledger_person", pk=person.pk)
        status = 400
    return _entry_form_page(
        request, person, form, heading=HEADING_DAILY, intro=INTRO_DAILY, status=status
    )


@page(*ENTER_ROLES)
def entry_correct(request, pk: int):
    entry = get_object_or_404(
        PointsEntry.objects.filter(
            person__in=people_assessable_by(request.user),
            company_id=request.user.company_id,
        ).select_related("person"),
        pk=pk,
    )
    if not offences.may_enter_for(request.user, entry.person):
        raise Http404
    points, amount = offences.entry_value(entry)
    form = CorrectionForm(
        request.POST or None,
        has_amount=entry.amount is not None,
        initial={"points": points, "amount": amount},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                offences.entry_correct(
                    entry=entry,
                    points=data["points"],
                    amount=data.get("amount"),
                    reason=data["reason"],
                    actor=request.user,
                )
            except offences.LedgerError as error:
                error.add_to_form(form)
            else:
                messages.success(request, MSG_CORRECTED)
                return redirect("assessment:ledger_person", pk=entry.person_id)
        status = 400
    intro = f"{entry.get_kind_display()} {entry.points:+d} · {entry.rule_value} · {entry.reason}"
    return _entry_form_page(
        request,
        entry.person,
        form,
        heading=HEADING_CORRECT,
        intro=f"{INTRO_CORRECT} {intro}",
        status=status,
    )


@page(*MANAGE_ROLES)
def unassigned(request):
    rows = selectors.unassigned_complaints(request.user)
    page_obj = CappedPaginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "assessment/ledger/unassigned.html",
        {"page_obj": page_obj},
        partial="assessment/ledger/partials/unassigned_table.html",
    )
