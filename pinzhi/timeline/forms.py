from django import forms
from django.utils.translation import gettext_lazy as _

DATES_REVERSED = _("The start date is after the end date.")


class EventFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    action = forms.CharField(label=_("Action"), required=False, max_length=80)
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", DATES_REVERSED)
        return data


class AttachmentForm(forms.Form):
    """For apps that take uploads: validate with services.attachment_validate in the
    service, not here, so that the API and imports get the same rules."""

    file = forms.FileField(label=_("File"))
