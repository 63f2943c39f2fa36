"""Forms of the monthly cycle (ASM-3): the workflow's steps, a department's review, an
employee's appeal and its decision."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pinzhi.assessment.models import AppealStatus


class NothingForm(forms.Form):
    """A step that is the decision itself: nothing to write."""

    def __init__(self, *args: Any, action: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class ReviewForm(forms.Form):
    note = forms.CharField(
        label=_("Review note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you contest this entry?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (AppealStatus.UPHELD, _("Upheld: the entry is cancelled")),
            (AppealStatus.PARTLY, _("Partly upheld: the entry is reduced")),
            (AppealStatus.REJECTED, _("Rejected: the entry stands")),
        ],
        widget=forms.RadioSelect,
    )
    points = forms.IntegerField(
        label=_("Points the entry should carry (partly upheld)"),
        required=False,
        min_value=-1000,
        max_value=1000,
    )
    decision = forms.CharField(
        label=_("Reason for the decision"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
