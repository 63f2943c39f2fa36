"""Consequence pages (ASM-8, ASM-10): the list with the penalty scale and who decides what,
a consequence's page with its source and the decision step, the proposal form."""

import django_filters
from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pinzhi.assessment.models import ConsequenceKind, ConsequenceStatus, Sanction
from pinzhi.assessment.selectors import consequences as selectors
from pinzhi.assessment.selectors.access import people_assessable_by
from pinzhi.assessment.services import consequences as services
from pinzhi.core.access import SIGNED_IN, page
from pinzhi.core.shell import Crumb, render_form_page, render_page
from pinzhi.lib.filtering import FilterSet
from pinzhi.lib.paging import CappedPaginator
from pinzhi.orgs.models import Person, Unit
from pinzhi.orgs.selectors import units_visible_to
from pinzhi.training.models import Course

MSG_PROPOSED = _("The proposal is recorded; it awaits the decision.")
MSG_DECIDED = _("The decision is recorded.")
MSG_MAY_NOT_PROPOSE = _("You may not propose this consequence for this person or unit.")
HEADING_PROPOSE = _("Propose a consequence")
INTRO_PROPOSE = _(
    "The proposal goes to whoever the penalty scale names to decide it. A retraining that is "
    "decided assigns the training; a reassignment is recorded as decided."
)


class ConsequenceFilter(FilterSet):
    """Search (person, unit, reason), kind, status and unit."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        widget=forms.SearchInput(attrs={"placeholder": _("Name, employee number or reason")}),
    )
    kind = django_filters.ChoiceFilter(
        label=_("kind"), choices=ConsequenceKind.choices, empty_label=_("All kinds")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ConsequenceStatus.choices, empty_label=_("All statuses")
    )
    unit = django_filters.ModelChoiceFilter(
        label=_("unit"),
        queryset=Unit.objects.none(),
        method="filter_unit",
        empty_label=_("All units"),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.filters["unit"].queryset = units_visible_to(user)

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(person__full_name__icontains=value)
            | Q(person__employee_no__icontains=value)
            | Q(unit__name__icontains=value)
            | Q(reason__icontains=value)
        )

    def filter_unit(self, queryset, name, value):
        paths = Q(person__unit__path__startswith=value.path) | Q(unit__path__startswith=value.path)
        return queryset.filter(paths)


class ProposeForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=ConsequenceKind.choices)
    sanction = forms.ChoiceField(
        label=_("sanction"),
        choices=[("", "—"), *Sanction.choices],
        required=False,
        help_text=_("The step of the penalty scale, for a sanction."),
    )
    person = forms.ModelChoiceField(
        label=_("person"), queryset=Person.objects.none(), required=False
    )
    unit = forms.ModelChoiceField(
        label=_("unit"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("For a department or team reward, or a team's commendation."),
    )
    amount = forms.DecimalField(
        label=_("amount (yuan)"), max_digits=12, decimal_places=2, required=False
    )
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (
            people_assessable_by(user)
            .filter(company_id=user.company_id, is_active=True)
            .order_by("full_name")
        )
        self.fields["unit"].queryset = units_visible_to(user).filter(company_id=user.company_id)


class DecideForm(forms.Form):
    accept = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Accept the proposal")), ("no", _("Do not accept it"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    decision = forms.CharField(
        label=_("What is decided and why"), widget=forms.Textarea(attrs={"rows": 3})
    )
    course = forms.ModelChoiceField(
        label=_("Course of the retraining"),
        queryset=Course.objects.none(),
        required=False,
        help_text=_("For a retraining: the course to pass (empty: any course)."),
    )
    due_on = forms.DateField(
        label=_("Retraining due on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: the policy pack's time limit."),
    )

    def __init__(self, *args, consequence, **kwargs):
        super().__init__(*args, **kwargs)
        if consequence.kind == ConsequenceKind.RETRAINING:
            self.fields["course"].queryset = Course.objects.filter(
                company_id=consequence.company_id, is_active=True
            )
        else:
            del self.fields["course"]
            del self.fields["due_on"]


@page(SIGNED_IN)
def consequence_list(request):
    filters = ConsequenceFilter(
        request.GET, selectors.consequences_visible_to(request.user), user=request.user
    )
    page_obj = CappedPaginator(filters.qs.order_by("-created_at", "-pk"), 25).get_page(
        request.GET.get("page")
    )
    return render_page(
        request,
        "assessment/consequences/list.html",
        {
            "filters": filters,
            "page_obj": page_obj,
            "scale": selectors.penalty_scale(),
            "may_propose": selectors.may_propose_any(request.user),
        },
        partial="assessment/consequences/partials/table.html",
    )


@page(SIGNED_IN)
def consequence_detail(request, pk: int):
    consequence = get_object_or_404(selectors.consequences_visible_to(request.user), pk=pk)
    may_decide = consequence.status == ConsequenceStatus.PROPOSED and selectors.may_decide(
        request.user, consequence
    )
    form = DecideForm(request.POST or None, consequence=consequence) if may_decide else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.consequence_decide(
                    consequence=consequence,
                    actor=request.user,
                    accept=data["accept"],
                    decision=data["decision"],
                    course=data.get("course"),
                    due_on=data.get("due_on"),
                )
            except services.ConsequenceError as error:
                error.add_to_form(form)
            else:
                messages.success(request, MSG_DECIDED)
                return redirect("assessment:consequence", pk=consequence.pk)
        status = 400
    level = selectors.decider_of(kind=consequence.kind, sanction=consequence.sanction)
    response = render(
        request,
        "assessment/consequences/detail.html",
        {
            "consequence": consequence,
            "form": form,
            "decider": selectors.DECIDER_LABELS[level],
            "source": _source_of(request.user, consequence),
        },
    )
    response.status_code = status
    return response


def _source_of(user, consequence) -> dict | None:
    """What the consequence comes from, as the page shows it (the entry with its rule and
    clause, the worst-service rating, the quarterly result)."""
    if consequence.source_entry_id:
        entry = consequence.source_entry
        return {
            "label": _("Assessment entry"),
            "text": f"{entry.get_kind_display()} · {entry.month:%Y-%m} · {entry.points:+d}",
            "detail": " ".join(x for x in (entry.rule_value, entry.citation, entry.reason) if x),
        }
    if consequence.source_rating_id:
        rating = consequence.source_rating
        return {
            "label": _("Worst-service rating"),
            "text": f"{rating.month:%Y-%m}",
            "detail": str(
                _("%(n)s complaints in the month; rated worst %(ordinal)s times in total.")
                % {"n": rating.complaints, "ordinal": rating.ordinal}
            ),
        }
    if consequence.source_result_id:
        result = consequence.source_result
        return {
            "label": _("Quarterly assessment result"),
            "text": str(result.plan),
            "detail": str(
                _("Score %(score)s, rank %(rank)s: not passed.")
                % {"score": result.score, "rank": result.rank}
            ),
        }
    return None


@page(*selectors.PROPOSE_ROLES)
def consequence_propose(request):
    if request.user.company is None:
        raise Http404
    form = ProposeForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if not selectors.may_propose(
                request.user, kind=data["kind"], person=data["person"], unit=data["unit"]
            ):
                form.add_error(None, MSG_MAY_NOT_PROPOSE)
            else:
                try:
                    consequence = services.consequence_propose(
                        company=request.user.company,
                        kind=data["kind"],
                        reason=data["reason"],
                        person=data["person"],
                        unit=data["unit"],
                        sanction=data["sanction"],
                        amount=data["amount"],
                        actor=request.user,
                    )
                except services.ConsequenceError as error:
                    error.add_to_form(form)
                else:
                    messages.success(request, MSG_PROPOSED)
                    return redirect("assessment:consequence", pk=consequence.pk)
        status = 400
    response = render_form_page(
        request,
        form,
        heading=HEADING_PROPOSE,
        intro=INTRO_PROPOSE,
        cancel_url=reverse("assessment:consequences"),
        crumbs=(Crumb(reverse("assessment:consequences"), _("Rewards and penalties")),),
    )
    response.status_code = status
    return response
