from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pinzhi.core import signin as signin_limits
from pinzhi.core.access import SIGNED_IN, page, public_page
from pinzhi.core.accounts import account_services
from pinzhi.core.forms import PasswordChangeForm, SetPasswordWithCodeForm, SignInForm
from pinzhi.core.shell import render_form_page, tiles_for
from pinzhi.lib.errors import DomainError

PASSWORD_CHANGED = _("Your password has been changed.")
PASSWORD_SET = _("Your password is set: sign in with it now.")
CHANGE_PASSWORD = _("Change password")
CHANGE_PASSWORD_INTRO = _(
    "Only you can change your password. After the change, your other signed-in browsers are "
    "signed out."
)


@public_page
def signin(request):
    view = auth_views.LoginView.as_view(
        form_class=SignInForm, template_name="core/signin.html", redirect_authenticated_user=True
    )
    response = view(request)
    if request.method == "POST" and request.user.is_authenticated:
        signin_limits.signin_clear_failures(
            username=request.user.username, ip_address=request.META.get("REMOTE_ADDR")
        )
    return response


signout = public_page(auth_views.LogoutView.as_view())


@public_page
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links; send them to the icon."""
    return redirect(static("core/favicon.svg"), permanent=True)


@page(SIGNED_IN)
def home(request):
    """What needs this person's attention, one tile per concern their roles cover."""
    return render(request, "core/home.html", {"tiles": tiles_for(request.user)})


@page(SIGNED_IN)
def password_change(request):
    """Issue 6 item 4: everyone changes their own password, knowing the current one."""
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services().change_password(
                person=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
                actor=request.user,
            )
        except DomainError as error:
            error.add_to_form(form)
        except ValidationError as error:  # the password validators' verdict on the new one
            form.add_error("new_password1", error)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, PASSWORD_CHANGED)
            return redirect("core:home")
    return render_form_page(
        request,
        form,
        heading=CHANGE_PASSWORD,
        intro=CHANGE_PASSWORD_INTRO,
        submit_label=CHANGE_PASSWORD,
        cancel_url=reverse("core:home"),
        form_testid="password-change-form",
    )


@public_page
def password_set(request):
    """Issue 6 item 4: a person sets their own password with the one-time sign-in code an
    administrator handed over (a new person's first password, or a forgotten one). A wrong
    code counts as a failed sign-in, under the same limits."""
    initial = {"username": request.GET.get("username", "")[:150]}
    form = SetPasswordWithCodeForm(request.POST or None, request=request, initial=initial)
    if request.method == "POST" and form.is_valid():
        address = request.META.get("REMOTE_ADDR")
        try:
            person = account_services().redeem_code(
                username=form.cleaned_data["username"],
                code=form.cleaned_data["code"],
                password=form.cleaned_data["new_password1"],
                ip_address=address,
            )
        except DomainError as error:
            if error.code == "invalid_code":
                signin_limits.signin_record_failure(
                    username=form.cleaned_data["username"], ip_address=address
                )
            error.add_to_form(form)
        except ValidationError as error:  # the password validators' verdict on the new one
            form.add_error("new_password1", error)
        else:
            signin_limits.signin_clear_failures(username=person.username, ip_address=address)
            messages.success(request, PASSWORD_SET)
            return redirect("core:login")
    return render(request, "core/password_set.html", {"form": form})
