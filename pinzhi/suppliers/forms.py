"""Forms of the supplier quality pages (NCR-5)."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.standards.models import Standard
from pinzhi.suppliers.services import ContractTerms

HELP_DEFAULT = _("Leave empty to use the policy pack's value (%(value)s).")


class ReviewForm(forms.Form):
    note = forms.CharField(
        label=_("Review note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, action: str = "review", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class ConfirmForm(forms.Form):
    """Confirming is the decision itself: nothing to write."""

    def __init__(self, *args: Any, action: str = "confirm", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class ContractForm(forms.Form):
    """A contract with an outsourced supplier: the choices are the company's own suppliers,
    units, standards and people."""

    supplier = forms.ModelChoiceField(label=_("Supplier"), queryset=Company.objects.none())
    number = forms.CharField(label=_("Contract number"), max_length=60)
    title = forms.CharField(label=_("Contract title"), max_length=200, initial="清洁服务委托合同")
    units = forms.ModelMultipleChoiceField(
        label=_("Units served"),
        queryset=Unit.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    starts_on = forms.DateField(
        label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))
    monthly_fee = forms.DecimalField(
        label=_("Monthly fee (yuan)"), min_value=Decimal(0), max_digits=12, decimal_places=2
    )
    daily_failure_deduction = forms.DecimalField(
        label=_("Deduction per failed daily check (yuan)"),
        required=False,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
    )
    weekly_failure_deduction = forms.DecimalField(
        label=_("Deduction per failed weekly check (yuan)"),
        required=False,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
    )
    threshold_deduction_percent = forms.DecimalField(
        label=_("Share of the monthly fee deducted at the threshold (%)"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
    )
    standards = forms.ModelMultipleChoiceField(
        label=_("Standards of the contract"),
        queryset=Standard.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    manager = forms.ModelChoiceField(
        label=_("Manager told"), queryset=Person.objects.none(), required=False
    )
    technical_department = forms.ModelChoiceField(
        label=_("Technical department told"), queryset=Unit.objects.none(), required=False
    )

    def __init__(
        self, *args: Any, company: Company, defaults: dict[str, Decimal], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["supplier"].queryset = Company.objects.filter(
            kind=Company.Kind.SUPPLIER, operator=company
        )
        fields["units"].queryset = Unit.objects.filter(company=company)
        fields["standards"].queryset = Standard.objects.filter(company=company)
        fields["manager"].queryset = Person.objects.filter(company=company, is_active=True)
        fields["technical_department"].queryset = Unit.objects.filter(company=company)
        for name, value in defaults.items():
            fields[name].help_text = HELP_DEFAULT % {"value": value}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The contract cannot end before it starts."))
        return data

    def terms(self) -> ContractTerms:
        data = self.cleaned_data
        return ContractTerms(
            supplier=data["supplier"],
            number=data["number"],
            title=data["title"],
            units=list(data["units"]),
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            monthly_fee=data["monthly_fee"],
            standards=list(data["standards"]),
            daily_failure_deduction=data.get("daily_failure_deduction"),
            weekly_failure_deduction=data.get("weekly_failure_deduction"),
            threshold_deduction_percent=data.get("threshold_deduction_percent"),
            manager=data.get("manager"),
            technical_department=data.get("technical_department"),
        )


class CorrectionForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Negative to lower the month's deductions, positive to raise them."),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
