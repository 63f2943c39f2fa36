"""The amendment form: one set of inputs per value type, turned into the raw value that
services.amendment_propose checks; and the note or reason of a step of the workflow."""

from django import forms
from django.utils.translation import gettext_lazy as _

from pinzhi.policy import values
from pinzhi.policy.models import Rule

MSG_VALUE_REQUIRED = _("Enter the new value.")


class AmendmentForm(forms.Form):
    value = forms.CharField(label=_("Proposed value"), required=False, max_length=40)
    minimum = forms.CharField(label=_("Minimum"), required=False, max_length=40)
    maximum = forms.CharField(label=_("Maximum"), required=False, max_length=40)
    times = forms.IntegerField(label=_("Times"), required=False, min_value=1)
    per = forms.ChoiceField(label=_("Period"), required=False, choices=values.PERIOD_CHOICES)
    flag = forms.ChoiceField(
        label=_("Proposed value"),
        required=False,
        choices=[("yes", _("yes")), ("no", _("no"))],
    )
    effective_from = forms.DateTimeField(
        label=_("Effective from"),
        required=False,
        help_text=_("Leave empty to apply the new value as soon as leadership approves it."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args, rule: Rule, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule = rule

    @property
    def kind(self) -> str:
        """Which inputs the template shows: range, frequency, boolean or scalar."""
        if self.rule.value_type in (
            values.ValueType.RANGE,
            values.ValueType.FREQUENCY,
            values.ValueType.BOOLEAN,
        ):
            return self.rule.value_type
        return "scalar"

    @property
    def unit_label(self) -> str:
        unit = self.rule.unit or {
            values.ValueType.MONEY: "yuan",
            values.ValueType.POINTS: "points",
            values.ValueType.PERCENT: "percent",
        }.get(self.rule.value_type, "")
        return str(dict(values.UNIT_CHOICES).get(unit, ""))

    def raw_value(self):
        """The value as entered, shaped for values.normalise (which checks it)."""
        data = self.cleaned_data
        if self.kind == values.ValueType.RANGE:
            return {"min": data.get("minimum") or "", "max": data.get("maximum") or ""}
        if self.kind == values.ValueType.FREQUENCY:
            return {"times": data.get("times") or 0, "per": data.get("per")}
        if self.kind == values.ValueType.BOOLEAN:
            return data.get("flag") == "yes"
        return data.get("value") or ""

    def clean(self):
        data = super().clean()
        if self.kind == "scalar" and not data.get("value"):
            self.add_error("value", MSG_VALUE_REQUIRED)
        if self.kind == values.ValueType.RANGE and not (
            data.get("minimum") and data.get("maximum")
        ):
            self.add_error("value", MSG_VALUE_REQUIRED)
        if self.kind == values.ValueType.FREQUENCY and not (data.get("times") and data.get("per")):
            self.add_error("value", MSG_VALUE_REQUIRED)
        if self.kind == values.ValueType.BOOLEAN and not data.get("flag"):
            self.add_error("value", MSG_VALUE_REQUIRED)
        return data


class AmendmentStepForm(forms.Form):
    """The text that goes with a step: the review note, the reason of a rejection, or an
    optional word on a withdrawal. The service says when it is required."""

    text = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )

    LABELS = {
        "review": _("Review note"),
        "reject": _("Reason for the rejection"),
        "withdraw": _("Reason (optional)"),
    }

    def __init__(self, *args, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        if action == "approve":  # approval is the decision itself; nothing to write
            del self.fields["text"]
            return
        self.fields["text"].label = self.LABELS[action]
        self.fields["text"].required = action in ("review", "reject")
