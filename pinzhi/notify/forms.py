"""Forms of notifications (X-3): a person's channels, and a webhook endpoint."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pinzhi.notify.models import KIND_PATTERN, validate_http_url

ERR_KIND_PREFIX = _(
    "“%(prefix)s” is not a notification kind: use lower-case words joined by dots, such as "
    "“deadline” or “complaint.assigned”."
)


def kinds_parse(text: str) -> list[str]:
    """Kind prefixes from free text separated by commas, spaces or new lines."""
    prefixes = []
    for token in re.split(r"[\s,，;；]+", text or ""):
        if not token:
            continue
        if not KIND_PATTERN.match(token):
            raise ValidationError(ERR_KIND_PREFIX % {"prefix": token})
        if token not in prefixes:
            prefixes.append(token)
    return prefixes


class PreferenceForm(forms.Form):
    email = forms.BooleanField(label=_("E-mail"), required=False)
    webhook = forms.BooleanField(label=_("WeChat / SMS"), required=False)


class WebhookEndpointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        validators=[validate_http_url],
        widget=forms.URLInput(attrs={"placeholder": "https://gateway.example.com/pinzhi"}),
    )
    kinds = forms.CharField(
        label=_("Kinds"),
        required=False,
        help_text=_(
            "Kind prefixes separated by commas, e.g. “deadline, complaint.assigned”. "
            "Leave empty to receive every kind."
        ),
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        max_length=200,
        help_text=_("Leave empty to generate one (new endpoint) or keep the current one."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def clean_kinds(self) -> list[str]:
        return kinds_parse(self.cleaned_data["kinds"])
