from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from pinzhi.orgs import services as org_services

LOCKED_OUT = _(
    "Too many failed sign-ins. This account is locked until %(until)s; "
    "try again then or ask the quality department to unlock it."
)


class SignInForm(AuthenticationForm):
    """Sign-in that locks an account out, from the address the failures came from, after
    repeated failures."""

    def clean(self):
        username = self.cleaned_data.get("username", "")
        locked_until = org_services.signin_locked_until(
            username=username, ip_address=self.request.META.get("REMOTE_ADDR")
        )
        if locked_until is not None:
            until = formats.date_format(timezone.localtime(locked_until), "DATETIME_FORMAT")
            raise forms.ValidationError(LOCKED_OUT, code="locked_out", params={"until": until})
        try:
            return super().clean()
        except forms.ValidationError:
            org_services.signin_record_failure(
                username=username, ip_address=self.request.META.get("REMOTE_ADDR")
            )
            raise
