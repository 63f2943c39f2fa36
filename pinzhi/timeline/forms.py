from django import forms
from django.utils.translation import gettext_lazy as _


class AttachmentForm(forms.Form):
    """For apps that take uploads: validate with services.attachment_validate in the
    service, not here, so that the API and imports get the same rules."""

    file = forms.FileField(label=_("File"))
