"""The filters of the people and company lists (ORG-1, ORG-4, issue 7 item 4), applied by
`selectors.people_filtered` / `companies_filtered` to what the reader may see. The URL
parameters (`q`, `unit`, `role`, `kind`) are those of the earlier pages."""

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from pinzhi.lib.filtering import FilterSet
from pinzhi.lib.privacy import CUSTOMER_ROLE
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.orgs.roles import Role


class UnitField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.code} · {obj.name}"


class UnitFilter(django_filters.ModelChoiceFilter):
    field_class = UnitField


class PeopleFilter(FilterSet):
    """Name, username, employee number or phone; a unit and the units below it; a role."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        widget=forms.SearchInput(attrs={"placeholder": _("Name, username, employee no. or phone")}),
    )
    unit = UnitFilter(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        empty_label=_("All units"),
        method="filter_unit",
    )
    role = django_filters.ChoiceFilter(
        label=_("Role"),
        choices=Role.choices,
        empty_label=_("All roles"),
        field_name="role_assignments__role",
    )

    def __init__(self, data=None, queryset=None, *, units: QuerySet[Unit], user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.user = user
        self.filters["unit"].queryset = units

    def filter_q(self, queryset, name, value):
        personal = Q(full_name__icontains=value) | Q(phone__icontains=value)
        if not self.user.is_superuser:
            # ORG-3: a customer's name and phone are masked in the list, so a search must
            # not match them either (typing digits would reveal the hidden ones).
            customers = Person.objects.filter(role_assignments__role=CUSTOMER_ROLE)
            personal &= ~Q(pk__in=customers.values("pk"))
        return queryset.filter(
            personal | Q(username__icontains=value) | Q(employee_no__icontains=value)
        )

    def filter_unit(self, queryset, name, unit):
        if unit.path:
            return queryset.filter(unit__company=unit.company, unit__path__startswith=unit.path)
        return queryset.filter(unit=unit)


class CompanyFilter(FilterSet):
    """Name, short name, credit code or licence number; the kind of company."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        widget=forms.SearchInput(attrs={"placeholder": _("Name, credit code or licence number")}),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Company.Kind.choices, empty_label=_("All kinds")
    )

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value)
            | Q(short_name__icontains=value)
            | Q(credit_code__icontains=value)
            | Q(licence_number__icontains=value)
        )
