"""The catalogue list's filters (STD-1): search, kind of service, dimension, status."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pinzhi.lib.filtering import FilterSet
from pinzhi.standards.models import Category, Dimension, StandardStatus


class StandardFilter(FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        widget=forms.SearchInput(attrs={"placeholder": _("Code, title or requirement")}),
    )
    category = django_filters.ChoiceFilter(
        label=_("Service"),
        choices=Category.choices,
        field_name="item__category",
        empty_label=_("All services"),
    )
    dimension = django_filters.ChoiceFilter(
        label=_("Dimension"), choices=Dimension.choices, empty_label=_("All dimensions")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=StandardStatus.choices, empty_label=_("Any status")
    )

    def __init__(self, data=None, queryset=None, *, user=None, **kwargs):
        self.user = user
        super().__init__(data, queryset, **kwargs)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(title__icontains=value)
            | Q(requirement__icontains=value)
            | Q(item__name__icontains=value)
        )

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).order_by("code")
