"""The filters of the supplier contract and evaluation lists (issue 7 item 4)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pinzhi.lib.filtering import FilterSet
from pinzhi.suppliers.models import EvaluationStatus


class ContractFilter(FilterSet):
    """Search (number, title, supplier) and whether the contract is in force today."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        widget=forms.SearchInput(attrs={"placeholder": _("Number, title or supplier")}),
    )

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(number__icontains=value)
            | Q(title__icontains=value)
            | Q(supplier__name__icontains=value)
            | Q(supplier__short_name__icontains=value)
        )


class EvaluationFilter(FilterSet):
    """Search (contract or supplier), month (YYYY-MM), status, threshold reached."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        widget=forms.SearchInput(attrs={"placeholder": _("Contract or supplier")}),
    )
    month = django_filters.DateFilter(
        label=_("Month"),
        method="filter_month",
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=EvaluationStatus.choices, empty_label=_("All statuses")
    )
    threshold = django_filters.BooleanFilter(
        label=_("Threshold reached"),
        field_name="threshold_reached",
        widget=forms.Select(
            choices=[("", _("All")), ("true", _("Threshold reached")), ("false", _("Below it"))]
        ),
    )

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(contract__number__icontains=value)
            | Q(contract__title__icontains=value)
            | Q(contract__supplier__name__icontains=value)
            | Q(contract__supplier__short_name__icontains=value)
        )

    def filter_month(self, queryset, name, value):
        return queryset.filter(month=value.replace(day=1))
