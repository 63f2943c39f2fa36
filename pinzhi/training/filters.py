"""The filters of the training lists (TRN-1)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pinzhi.lib.filtering import FilterSet
from pinzhi.training.models import AssignmentReason, AssignmentStatus, SessionStatus, Topic


class CourseFilter(FilterSet):
    """Search (code, title) and topic."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        widget=forms.SearchInput(attrs={"placeholder": _("Code or title")}),
    )
    topic = django_filters.ChoiceFilter(
        label=_("topic"), choices=Topic.choices, empty_label=_("All topics")
    )

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(title__icontains=value))


class SessionFilter(FilterSet):
    """Search (course, trainer, place) and status."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        widget=forms.SearchInput(attrs={"placeholder": _("Course, trainer or location")}),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=SessionStatus.choices, empty_label=_("All statuses")
    )

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(course__title__icontains=value)
            | Q(course__code__icontains=value)
            | Q(trainer__icontains=value)
            | Q(location__icontains=value)
        )


class AssignmentFilter(FilterSet):
    """Search (person, employee number, course), reason and status."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        widget=forms.SearchInput(attrs={"placeholder": _("Name, employee number or course")}),
    )
    reason = django_filters.ChoiceFilter(
        label=_("reason"), choices=AssignmentReason.choices, empty_label=_("All reasons")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=AssignmentStatus.choices, empty_label=_("All statuses")
    )

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(person__full_name__icontains=value)
            | Q(person__employee_no__icontains=value)
            | Q(course__title__icontains=value)
        )
