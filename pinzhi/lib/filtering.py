"""List filtering (issue 7, item 4): one way to filter a list, with django-filter.

A list's filters are a `FilterSet` (declared in the app's `filters.py`) applied inside a
selector to what the user may see — `ThingFilter(data, things_visible_to(user)).qs` — and the
view passes `request.GET`. The filter bar renders through the shell's form renderer with the
compact template `core/forms/filters.html` (`{{ filters.form }}`). A value that does not
validate (a date that is not a date, a unit the person does not see) is left out of the
filtering and shown as a message beside its field: the list is always shown, never a 500.
Pagination keeps the filters (`{% page_query %}`).
"""

from collections.abc import Mapping
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

FILTER_FORM_TEMPLATE = "core/forms/filters.html"


def _compact(widget: forms.Widget) -> None:
    """The filter bar's small controls (the shell's renderer keeps a class the form set)."""
    if widget.is_hidden or isinstance(widget, (forms.CheckboxInput, forms.RadioSelect)):
        return
    css = "form-select" if isinstance(widget, forms.Select) else "form-control"
    widget.attrs.setdefault("class", f"{css} {css}-sm")


class FilterForm(forms.Form):
    """The form of every FilterSet: the compact filter bar."""

    template_name = FILTER_FORM_TEMPLATE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            _compact(field.widget)


class FilterSet(django_filters.FilterSet):
    """A list's filters. Always bound: an empty query string is a valid, empty filter, so
    that methods applied to every list (the default order) run too."""

    class Meta:
        form = FilterForm

    def __init__(
        self, data: Mapping[str, Any] | None = None, queryset: QuerySet | None = None, **kwargs: Any
    ) -> None:
        super().__init__(data if data is not None else {}, queryset, **kwargs)

    @property
    def filtered(self) -> bool:
        """Whether any filter (other than the order) narrows the list."""
        self.form.is_valid()
        cleaned = self.form.cleaned_data
        return any(value for name, value in cleaned.items() if name != "sort")

    @property
    def active_count(self) -> int:
        """How many filters (other than the order) narrow the list: the count a phone shows
        on the folded filter bar (issue 8 item 6)."""
        self.form.is_valid()
        return sum(1 for name, value in self.form.cleaned_data.items() if name != "sort" and value)


class CheckFilter(django_filters.Filter):
    """A check box ("on" when ticked, absent otherwise) that narrows the list when ticked.
    A `method=` receives False when it is not ticked (django-filter skips only empty
    values) and must then return the list unchanged."""

    field_class = forms.BooleanField

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        return super().filter(qs, value) if value else qs


class DayFilter(django_filters.DateFilter):
    """A day, picked with the browser's date input."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(*args, **kwargs)
