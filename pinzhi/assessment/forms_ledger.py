"""The forms of the points ledger's pages (part A): a manager's offence, daily record and
correction. The services check the rules (ranges, who may, reasons); the forms only read."""

from django import forms
from django.utils.translation import gettext_lazy as _

from pinzhi.assessment.models import Sanction
from pinzhi.lib.clock import now
from pinzhi.lib.months import day_of

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
REASON = forms.Textarea(attrs={"rows": 3})

CATEGORY_CHOICES = [
    ("a", _("Category A (cold attitude, arguing, denying facts, weak supervision …)")),
    ("b", _("Category B (hiding complaints, abusing customers, retaliation, false promises …)")),
]
SANCTION_CHOICES = [
    ("", _("None")),
    (Sanction.MAJOR_DEMERIT, _("Major demerit (category A)")),
    (Sanction.WARNING, _("Warning (category B)")),
    (Sanction.DISMISSAL, _("Dismissal proposal (category B, serious cases)")),
]


def _today():
    return day_of(now())


class OffenceForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Offence category"), choices=CATEGORY_CHOICES, widget=forms.RadioSelect
    )
    points = forms.IntegerField(
        label=_("Points"),
        min_value=-1000,
        max_value=1000,
        help_text=_("A deduction is negative: category A −5 to −15, category B −15 to −30."),
    )
    day = forms.DateField(label=_("Day"), widget=DATE, initial=_today)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=REASON)
    sanction = forms.ChoiceField(label=_("Measure"), choices=SANCTION_CHOICES, required=False)
    notice = forms.BooleanField(label=_("Notify the whole company (category A)"), required=False)


class DailyRecordForm(forms.Form):
    points = forms.IntegerField(
        label=_("Points"),
        min_value=-1000,
        max_value=1000,
        help_text=_("Negative for a deduction, positive for an addition, within the pack's range."),
    )
    day = forms.DateField(label=_("Day"), widget=DATE, initial=_today)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=REASON)


class CorrectionForm(forms.Form):
    points = forms.IntegerField(
        label=_("Corrected points"),
        min_value=-1000,
        max_value=1000,
        help_text=_("What the entry should count (0 cancels it); the difference is booked."),
    )
    amount = forms.DecimalField(
        label=_("Corrected amount (yuan)"), max_digits=12, decimal_places=2, required=False
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=REASON)

    def __init__(self, *args, has_amount: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_amount:
            del self.fields["amount"]
