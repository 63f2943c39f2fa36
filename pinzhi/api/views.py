"""Staff pages of the API: the quality department manages the integrations' tokens (CMP-1)."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pinzhi.api import services
from pinzhi.api.models import SCOPES, ApiToken
from pinzhi.core.access import page
from pinzhi.core.errors import refusal_response
from pinzhi.core.shell import render_form_page
from pinzhi.lib.errors import DomainError
from pinzhi.orgs.roles import Role

REVOKED = _("The token “%(name)s” is revoked; the integration using it is refused from now on.")
NO_COMPANY = _("Your account belongs to no company; an API token needs one.")
REVOKE_TOKEN = _("Revoke token")
REVOKE = _("Revoke")


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    scopes = forms.MultipleChoiceField(
        label=_("Permissions"), choices=SCOPES, widget=forms.CheckboxSelectMultiple
    )


def _tokens(user):
    tokens = ApiToken.objects.select_related("company", "created_by", "revoked_by")
    if user.is_superuser:
        return tokens
    return tokens.filter(company_id=user.company_id)


@page(Role.QUALITY_DEPARTMENT)
def token_list(request):
    """API tokens of the company: create (the secret is shown once), list, revoke."""
    secret = None
    form = TokenForm()
    if request.method == "POST":
        form = TokenForm(request.POST)
        if request.user.company is None:
            form.add_error(None, NO_COMPANY)
        elif form.is_valid():
            try:
                token, secret = services.api_token_create(
                    name=form.cleaned_data["name"],
                    company=request.user.company,
                    scopes=form.cleaned_data["scopes"],
                    actor=request.user,
                )
            except DomainError as error:
                error.add_to_form(form)
            else:
                form = TokenForm()
    tokens = Paginator(_tokens(request.user), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": tokens, "secret": secret},
    )


@page(Role.QUALITY_DEPARTMENT)
def token_revoke(request, pk: int):
    token = get_object_or_404(_tokens(request.user), pk=pk)
    if request.method == "POST":
        try:
            services.api_token_revoke(token=token, actor=request.user)
        except DomainError as error:
            return refusal_response(request, error, to=reverse("api:tokens"))
        messages.success(request, REVOKED % {"name": token.name})
        return redirect("api:tokens")
    return render_form_page(
        request,
        None,
        heading=REVOKE_TOKEN,
        submit_label=REVOKE,
        submit_style="danger",
        cancel_url=reverse("api:tokens"),
        template="api/token_revoke.html",
        token=token,
    )
