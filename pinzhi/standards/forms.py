"""Forms of the standards pages; the services check every rule again (the API calls them
without these forms)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from pinzhi.orgs.models import Unit
from pinzhi.standards.models import (
    Category,
    CommentSource,
    Dimension,
    GoalMetric,
    GoalPeriod,
    ServiceItem,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StepForm(forms.Form):
    """A step without inputs (its confirmation is the page's)."""

    def __init__(self, *args, version=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version


class ReasonForm(StepForm):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class ReviewForm(StepForm):
    note = forms.CharField(
        label=_("Review note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("What the review looked at, e.g. complaints and inspection results."),
    )


class CommentForm(StepForm):
    """STD-2: a department's comment, or a user's collected by the person recording it."""

    source = forms.ChoiceField(
        label=_("Comment from"), choices=CommentSource.choices, initial=CommentSource.DEPARTMENT
    )
    unit = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("Empty: your own department."),
    )
    commenter_name = forms.CharField(
        label=_("Name of the user"),
        required=False,
        max_length=120,
        help_text=_("For a user's comment: who gave it (an owner, a customer)."),
    )
    text = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )

    def __init__(self, *args, version=None, **kwargs):
        super().__init__(*args, version=version, **kwargs)
        if version is not None:
            self.fields["unit"].queryset = Unit.objects.filter(
                company_id=version.standard.company_id, is_active=True
            )


class VersionForm(forms.Form):
    """The text of a standard's version (STD-1: measurable, of one dimension)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    requirement = forms.CharField(
        label=_("Requirement"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    dimension = forms.ChoiceField(label=_("Dimension"), choices=Dimension.choices)
    measure = forms.CharField(
        label=_("How it is measured"),
        max_length=200,
        required=False,
        help_text=_("Measurable and checkable, e.g. 「每天至少 1 次」「响铃 3 声内接听」."),
    )
    change_note = forms.CharField(
        label=_("What changes and why"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class StandardForm(VersionForm):
    item = forms.ModelChoiceField(label=_("Service item"), queryset=ServiceItem.objects.none())
    code = forms.CharField(
        label=_("Code"), max_length=40, help_text=_("E.g. CLN-05: the service's letters, a number.")
    )
    field_order = ["item", "code", "title", "requirement", "dimension", "measure", "change_note"]

    def __init__(self, *args, company_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = ServiceItem.objects.filter(company_id=company_id)


class ServiceItemForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40, help_text=_("E.g. CLN, SEC."))
    name = forms.CharField(label=_("Name"), max_length=120)
    category = forms.ChoiceField(label=_("Kind of service"), choices=Category.choices)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class GoalForm(forms.Form):
    """STD-3: a unit's goal, or its adjustment from a date."""

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    metric = forms.ChoiceField(label=_("Goal"), choices=GoalMetric.choices)
    period = forms.ChoiceField(label=_("Period"), choices=GoalPeriod.choices)
    target = forms.DecimalField(label=_("Target"), max_digits=10, decimal_places=2, min_value=0)
    effective_from = forms.DateField(label=_("Effective from"), widget=DATE)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why the goal is set or adjusted (customer feedback, last period's result)."),
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()


class SlaForm(forms.Form):
    """STD-3 (003 4.3(1)): a customer contract's service levels."""

    customer = forms.CharField(label=_("Customer"), max_length=200)
    contract_number = forms.CharField(label=_("Contract number"), max_length=60)
    unit = forms.ModelChoiceField(
        label=_("Serving unit"), queryset=Unit.objects.none(), required=False
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE, required=False)
    response_minutes = forms.IntegerField(
        label=_("Response within (minutes)"), required=False, min_value=0
    )
    resolution_hours = forms.IntegerField(
        label=_("Resolution within (hours)"), required=False, min_value=0
    )
    availability_percent = forms.DecimalField(
        label=_("Availability (%)"), required=False, min_value=0, max_value=100, decimal_places=2
    )
    satisfaction_percent = forms.DecimalField(
        label=_("Satisfaction (%)"), required=False, min_value=0, max_value=100, decimal_places=2
    )
    callback_hours = forms.IntegerField(
        label=_("Callback within (hours)"), required=False, min_value=0
    )
    notes = forms.CharField(
        label=_("Other terms"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()


class CommitmentForm(forms.Form):
    """STD-4: a post's commitments, one per line."""

    post_name = forms.CharField(label=_("Post"), max_length=120, help_text=_("E.g. 门卫, 开票室."))
    text = forms.CharField(
        label=_("Commitments"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=4000,
        help_text=_("One commitment per line, as the customers will read it."),
    )
