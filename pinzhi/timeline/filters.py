"""The filters of the event log (X-1, X-2, issue 7 item 4), applied by
`selectors.events_filtered` to the events the reader may see. The URL parameters (`q`,
`action`, `actor`, `date_from`, `date_to`) are those of the earlier form."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pinzhi.lib.filtering import DayFilter, FilterForm, FilterSet
from pinzhi.timeline.actions import codes_labelled

DATES_REVERSED = _("The start date is after the end date.")


class EventFilterForm(FilterForm):
    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", DATES_REVERSED)
        return data


class EventFilter(FilterSet):
    """Text (subject label, action code or label in the reader's language, actor, reason),
    action code or code prefix ("complaint."), actor, and a range of days (inclusive, in
    the current time zone).

    ORG-3: the changed values (before/after, where personal data is) are never searched,
    so a search cannot find a customer by a name or phone the reader may not see. The
    subject label is searched: it holds no personal data and is shown to every reader."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        max_length=100,
        widget=forms.SearchInput(
            attrs={"placeholder": _("Search subject, action, person or reason")}
        ),
    )
    action = django_filters.CharFilter(
        label=_("Action"),
        lookup_expr="startswith",
        max_length=80,
        widget=forms.TextInput(attrs={"placeholder": _("Action, e.g. complaint.")}),
    )
    actor = django_filters.CharFilter(label=_("Actor"), method="filter_actor", max_length=150)
    date_from = DayFilter(label=_("From"), field_name="at", lookup_expr="date__gte")
    date_to = DayFilter(label=_("To"), field_name="at", lookup_expr="date__lte")

    class Meta:
        form = EventFilterForm

    def filter_text(self, queryset, name, value):
        matches = (
            Q(subject_repr__icontains=value)
            | Q(action__icontains=value)
            | Q(actor_name__icontains=value)
            | Q(reason__icontains=value)
        )
        codes = codes_labelled(value)
        if codes:
            matches |= Q(action__in=codes)
        return queryset.filter(matches)

    def filter_actor(self, queryset, name, value):
        return queryset.filter(Q(actor_name__icontains=value) | Q(actor__username=value))
