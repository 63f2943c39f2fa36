"""The filters of the findings list and the overdue board (lib.filtering)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pinzhi.inspections.models import Severity
from pinzhi.lib.filtering import FilterSet
from pinzhi.orgs.models import Unit
from pinzhi.orgs.selectors import units_visible_to
from pinzhi.rectification.models import Nonconformity

OPEN = "open_any"
STATUSES = [
    (OPEN, _("Not yet closed")),
    ("", _("All")),
    *Nonconformity.Status.choices,
]


class _Base(FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        widget=forms.SearchInput(attrs={"placeholder": _("Search problem or number")}),
    )
    severity = django_filters.ChoiceFilter(
        label=_("Severity"), choices=Severity.choices, empty_label=_("All severities")
    )
    unit = django_filters.ModelChoiceFilter(
        label=_("Unit"), queryset=Unit.objects.none(), empty_label=_("All units")
    )

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters["unit"].queryset = (
            Unit.objects.none() if user is None else units_visible_to(user).order_by("path")
        )

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(number__icontains=value))


class NonconformityFilter(_Base):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUSES, empty_label=None, method="filter_status"
    )

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        data = data.copy() if data is not None else {}
        if "status" not in data:
            data["status"] = OPEN
        super().__init__(data, queryset, user=user, **kwargs)

    def filter_status(self, queryset, name, value):
        if value == OPEN:
            return queryset.exclude(status=Nonconformity.Status.CLOSED)
        return queryset.filter(status=value)


class BoardFilter(_Base):
    pass
