from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from pinzhi.core import signin

LOCKED_OUT = _("Too many failed sign-ins. This account is locked until %(until)s; try again then.")
ADDRESS_LOCKED_OUT = _(
    "Too many failed sign-ins from your network address: signing in from it is paused until "
    "%(until)s. Try again then."
)
PASSWORDS_DIFFER = _("The two new passwords are not the same.")


def _lock_error(request, username: str) -> forms.ValidationError | None:
    """Why signing in as `username` from this request's address is refused now, or None:
    the address is locked out whatever the username (issue 6 item 9), or this account is
    locked out from this address. The message is the same whether the account exists."""
    address = request.META.get("REMOTE_ADDR")
    locked_until = signin.signin_address_locked_until(ip_address=address)
    message, code = ADDRESS_LOCKED_OUT, "address_locked_out"
    if locked_until is None:
        locked_until = signin.signin_locked_until(username=username, ip_address=address)
        message, code = LOCKED_OUT, "locked_out"
    if locked_until is None:
        return None
    until = formats.date_format(timezone.localtime(locked_until), "DATETIME_FORMAT")
    return forms.ValidationError(message, code=code, params={"until": until})


class SignInForm(AuthenticationForm):
    """Sign-in that locks an account out, from the address the failures came from, after
    repeated failures, and an address after many failures on any accounts."""

    def clean(self):
        username = self.cleaned_data.get("username", "")
        if (refused := _lock_error(self.request, username)) is not None:
            raise refused
        try:
            return super().clean()
        except forms.ValidationError:
            signin.signin_record_failure(
                username=username, ip_address=self.request.META.get("REMOTE_ADDR")
            )
            raise


def _new_password_fields():
    return (
        forms.CharField(
            label=_("New password"),
            strip=False,
            widget=forms.PasswordInput(
                attrs={"autocomplete": "new-password", "class": "form-control"}
            ),
        ),
        forms.CharField(
            label=_("New password again"),
            strip=False,
            widget=forms.PasswordInput(
                attrs={"autocomplete": "new-password", "class": "form-control"}
            ),
        ),
    )


class NewPasswordMixin:
    def clean_new_password2(self):
        first = self.cleaned_data.get("new_password1")
        second = self.cleaned_data["new_password2"]
        if first and first != second:
            raise forms.ValidationError(PASSWORDS_DIFFER)
        return second


class PasswordChangeForm(NewPasswordMixin, forms.Form):
    """A person's own password, changed knowing the current one (issue 6 item 4)."""

    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "autofocus": True, "class": "form-control"}
        ),
    )
    new_password1, new_password2 = _new_password_fields()


class SetPasswordWithCodeForm(NewPasswordMixin, forms.Form):
    """The public "set your password" page: username, the one-time sign-in code an
    administrator handed over, and the new password (issue 6 item 4)."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput({"autocomplete": "username", "class": "form-control"}),
    )
    code = forms.CharField(
        label=_("One-time sign-in code"),
        max_length=40,
        # Never echoed back into the page.
        widget=forms.PasswordInput(
            attrs={"autocomplete": "one-time-code", "class": "form-control"}
        ),
        help_text=_("The code your administrator gave you, e.g. ABCD-EFGH-JKMN."),
    )
    new_password1, new_password2 = _new_password_fields()

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self):
        data = super().clean()
        if (refused := _lock_error(self.request, data.get("username", ""))) is not None:
            raise refused
        return data
