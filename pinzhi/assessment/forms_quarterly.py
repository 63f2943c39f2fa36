"""The quarterly assessment's forms (ASM-2): a plan's time, scope and weights; a unit's
improvement suggestions."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pinzhi.assessment.indicators import INDICATORS, LABELS
from pinzhi.assessment.services.quarterly import QuarterlyError, weights_clean
from pinzhi.orgs.models import Company, Unit

QUARTERS = [(1, _("Q1")), (2, _("Q2")), (3, _("Q3")), (4, _("Q4"))]
WEIGHT_HELP = _("Percent; the six weights add up to 100. An indicator weighing 0 is left out.")


class PlanForm(forms.Form):
    """A plan's time, scope and weights; `creating` asks for the year and quarter (the
    dates follow the calendar quarter unless changed later)."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Left empty: “2026年第1季度质量考核”."),
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(label=_("Quarter"), choices=QUARTERS, coerce=int)
    starts_on = forms.DateField(
        label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))
    units = forms.ModelMultipleChoiceField(
        label=_("Units assessed"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Departments are ranked among departments, other units among units."),
    )

    def __init__(
        self, data: Any = None, *, company: Company, creating: bool, weights: dict, **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["units"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            company=company, is_active=True
        ).order_by("path")
        if creating:
            del self.fields["starts_on"], self.fields["ends_on"]
        else:
            del self.fields["year"], self.fields["quarter"]
        for code in INDICATORS:
            self.fields[f"weight_{code}"] = forms.DecimalField(
                label=LABELS[code],
                min_value=Decimal(0),
                max_value=Decimal(100),
                decimal_places=2,
                initial=weights.get(code, Decimal(0)),
                help_text=WEIGHT_HELP if code == INDICATORS[0] else "",
            )

    def weights(self) -> dict[str, Decimal]:
        return {code: self.cleaned_data[f"weight_{code}"] for code in INDICATORS}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if all(f"weight_{code}" in data for code in INDICATORS):
            try:
                weights_clean(self.weights())
            except QuarterlyError as error:
                self.add_error(None, error.reason)
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The plan cannot end before it starts."))
        return data


class SuggestionsForm(forms.Form):
    feedback = forms.CharField(
        label=_("Improvement suggestions"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=4000,
        help_text=_("Generated from the unit's weakest indicators; say what the unit should do."),
    )


class StepForm(forms.Form):
    """A step without inputs (its confirmation is the page's)."""

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        kwargs.pop("action", None)
        super().__init__(data, **kwargs)
