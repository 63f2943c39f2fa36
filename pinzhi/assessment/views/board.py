"""The notice board (红黑榜) and the naming of service stars (ASM-6, ASM-7, ASM-9): the board
of a month for the company's staff once published (printable on A4), the units' monthly
ranking, and the pages where a unit's department manager or the quality department names
the month's star, records a vacancy or withdraws a naming."""

from datetime import date

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pinzhi.assessment.models import MonthStatus, ServiceStar
from pinzhi.assessment.selectors import board as selectors
from pinzhi.assessment.services import board as services
from pinzhi.assessment.services.ledger import month_locked, rule_applied
from pinzhi.core.access import page
from pinzhi.core.shell import Crumb, render_form_page
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.lib.months import month_of, month_parse, month_previous, month_text
from pinzhi.orgs.models import Unit
from pinzhi.orgs.roles import STAFF_ROLES, Role

NAMERS = (Role.QUALITY_DEPARTMENT, Role.DEPARTMENT_MANAGER)
READERS = tuple(STAFF_ROLES)

VACANCY = _("None this month (vacancy)")
MSG_NAMED = _("%(person)s is the service star of %(unit)s for %(month)s.")
MSG_VACANCY = _("%(unit)s names no service star for %(month)s.")
MSG_WITHDRAWN = _("The naming of %(unit)s for %(month)s is withdrawn.")
HEADING_NAME = _("Service star of %(unit)s, %(month)s")
HEADING_WITHDRAW = _("Withdraw the naming of %(unit)s, %(month)s")
INTRO_NAME = _(
    "Name one person of the unit, or record that the unit names none this month (a vacancy "
    "breaks a streak). The reward is the pack's amount times the consecutive months the same "
    "person has been the unit's star."
)
INTRO_WITHDRAW = _(
    "The reward booked for this naming is corrected by a new entry in the ledger, and the "
    "unit may name again. This cannot be undone."
)


class StarForm(forms.Form):
    person = forms.TypedChoiceField(label=_("Service star"), coerce=int, empty_value=None)
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )

    def __init__(self, *args, unit: Unit, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = {p.pk: p for p in selectors.star_candidates(unit)}
        field = self.fields["person"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", VACANCY)] + [
            (pk, f"{p} · {p.unit.name}" if p.unit and p.unit_id != unit.pk else str(p))
            for pk, p in self.candidates.items()
        ]
        field.required = False


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


def _month(text: str) -> date:
    month = month_parse(text)
    if month is None or month.year < 2000 or month.year > 2100:
        raise Http404
    return month


@page(*READERS)
def board_index(request):
    """The board of the month asked for (?month=), else of the latest month to show."""
    month = month_parse(request.GET.get("month", "")) or selectors.default_board_month(request.user)
    return _board_page(request, month)


@page(*READERS)
def board_month(request, month: str):
    """红黑榜 of a month: the stars and the worst-service ratings with their clauses, the
    units' ranking; staff see it once the month is published."""
    return _board_page(request, _month(month))


def _board_page(request, chosen: date):
    company = request.user.company
    if company is None:
        raise Http404
    months = selectors.board_months_for(request.user)
    readable = selectors.may_read_board(request.user, company.pk, chosen)
    at = selectors.month_last_instant(chosen)
    context = {
        "month": chosen,
        "months": months,
        "readable": readable,
        "board": selectors.board_for(company, chosen) if readable else None,
        "company": company,
        "star_rule": rule_applied("assessment.service_star_reward", company=company, at=at),
        "worst_rule": rule_applied("assessment.worst_service_fine", company=company, at=at),
        "threshold_rule": rule_applied(
            "assessment.worst_service_complaints", company=company, at=at
        ),
        "best_rule": rule_applied("assessment.ranking_best_units", company=company, at=at),
        "laggard_rule": rule_applied("assessment.ranking_laggard_units", company=company, at=at),
        "may_name": selectors.may_name_any(request.user),
        "previous": month_previous(chosen),
        "statuses": MonthStatus,
    }
    return render(request, "assessment/board/board.html", context)


@page(*NAMERS)
def stars(request):
    """The units whose stars the person names, with the month's naming of each."""
    current = month_of(now())
    chosen = month_parse(request.GET.get("month", "")) or month_previous(current)
    if chosen > current:
        chosen = current
    units = list(selectors.star_units_for(request.user).order_by("path"))
    namings = {
        star.unit_id: star
        for star in ServiceStar.objects.filter(unit__in=units, month=chosen).select_related(
            "person", "entry"
        )
    }
    choices = [current]
    for _i in range(11):
        choices.append(month_previous(choices[-1]))
    rows = [(unit, namings.get(unit.pk)) for unit in units]
    return render(
        request,
        "assessment/board/stars.html",
        {
            "month": chosen,
            "choices": choices,
            "rows": rows,
            "locked": month_locked(request.user.company_id, chosen),
        },
    )


def _star_unit(request, pk: int) -> Unit:
    unit = get_object_or_404(
        Unit, pk=pk, company_id=request.user.company_id, kind__in=selectors.STAR_UNIT_KINDS
    )
    if not selectors.may_name_star(request.user, unit):
        raise Http404
    return unit


@page(*NAMERS)
def star_name(request, unit: int, month: str):
    chosen = _month(month)
    target = _star_unit(request, unit)
    params = {"unit": target.name, "month": month_text(chosen)}
    back = f"{reverse('assessment:stars')}?month={month_text(chosen)}"
    form = StarForm(request.POST or None, unit=target)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            person = form.candidates.get(form.cleaned_data["person"] or 0)
            try:
                services.star_name(
                    company=request.user.company,
                    unit=target,
                    month=chosen,
                    person=person,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                error.add_to_form(form)
                status = error.status if error.status in (403, 409) else 400
            else:
                if person is None:
                    messages.success(request, MSG_VACANCY % params)
                else:
                    messages.success(request, MSG_NAMED % {**params, "person": str(person)})
                return redirect(back)
        else:
            status = 400
    return _form_response(
        request,
        form,
        status=status,
        heading=HEADING_NAME % params,
        cancel_url=back,
        crumbs=(Crumb(back, _("Service stars")),),
        intro=INTRO_NAME,
        submit_label=_("Name the service star"),
    )


def _form_response(request, form, *, status: int, **kwargs):
    response = render_form_page(request, form, **kwargs)
    response.status_code = status
    return response


@page(*NAMERS)
def star_withdraw(request, pk: int):
    star = get_object_or_404(
        ServiceStar.objects.select_related("unit", "entry"),
        pk=pk,
        company_id=request.user.company_id,
    )
    if not selectors.may_name_star(request.user, star.unit):
        raise Http404
    params = {"unit": star.unit.name, "month": month_text(star.month)}
    back = f"{reverse('assessment:stars')}?month={month_text(star.month)}"
    form = WithdrawForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.star_withdraw(
                    star=star, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as error:
                error.add_to_form(form)
                status = error.status if error.status in (403, 409) else 400
            else:
                messages.success(request, MSG_WITHDRAWN % params)
                return redirect(back)
        else:
            status = 400
    return _form_response(
        request,
        form,
        status=status,
        heading=HEADING_WITHDRAW % params,
        cancel_url=back,
        crumbs=(Crumb(back, _("Service stars")),),
        intro=INTRO_WITHDRAW,
        submit_label=_("Withdraw the naming"),
        submit_style="danger",
    )
