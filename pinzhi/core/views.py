from django.contrib.auth import views as auth_views
from django.shortcuts import render

from pinzhi.core.access import SIGNED_IN, page, public_page
from pinzhi.core.forms import SignInForm
from pinzhi.core.shell import tiles_for
from pinzhi.orgs import services as org_services


@public_page
def signin(request):
    view = auth_views.LoginView.as_view(
        form_class=SignInForm, template_name="core/signin.html", redirect_authenticated_user=True
    )
    response = view(request)
    if request.method == "POST" and request.user.is_authenticated:
        org_services.signin_clear_failures(
            username=request.user.username, ip_address=request.META.get("REMOTE_ADDR")
        )
    return response


signout = public_page(auth_views.LogoutView.as_view())


@page(SIGNED_IN)
def home(request):
    """What needs this person's attention, one tile per concern their roles cover."""
    return render(request, "core/home.html", {"tiles": tiles_for(request.user)})
