"""The filters of the overdue list (X-3, issue 7 item 4), applied by
`selectors.deadlines_overdue` to the deadlines the person sees. The URL parameters (`q`,
`state`, `kind`, `mine`) are those of the earlier page, so bookmarks keep working."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pinzhi.deadlines.display import kind_label
from pinzhi.deadlines.models import Deadline
from pinzhi.lib.clock import now
from pinzhi.lib.filtering import CheckFilter, FilterSet

OVERDUE = "overdue"
STATES = [
    (OVERDUE, _("Past due")),
    ("", _("Open or breached")),
    (Deadline.State.OPEN, Deadline.State.OPEN.label),
    (Deadline.State.BREACHED, Deadline.State.BREACHED.label),
]


class DeadlineFilter(FilterSet):
    """Search (case or kind), state (past due by default), kind (a kind or a kind prefix),
    mine only. The queryset holds the open and breached deadlines."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        widget=forms.SearchInput(attrs={"placeholder": _("Search case or kind")}),
    )
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=STATES, empty_label=None, method="filter_state"
    )
    # A kind or a prefix of kinds ("complaint."), so any text is accepted.
    kind = django_filters.CharFilter(
        label=_("Kind"), method="filter_kind", widget=forms.Select(choices=[])
    )
    mine = CheckFilter(label=_("Mine only"), method="filter_mine")

    def __init__(self, data=None, queryset=None, *, kinds: list[str], user, **kwargs):
        self.user = user
        data = data.copy() if data is not None else {}
        if "state" not in data:
            data["state"] = OVERDUE
        super().__init__(data, queryset, **kwargs)
        self.filters["kind"].extra["widget"] = forms.Select(
            choices=[("", _("All kinds")), *((k, kind_label(k)) for k in kinds)]
        )

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(subject_repr__icontains=value) | Q(kind__icontains=value))

    def filter_state(self, queryset, name, value):
        if value == OVERDUE:
            return queryset.filter(due_at__lte=now())
        return queryset.filter(state=value)

    def filter_kind(self, queryset, name, value):
        return queryset.filter(kind__startswith=value)

    def filter_mine(self, queryset, name, value):
        return queryset.filter(owner=self.user) if value else queryset
