"""Pages of notifications (X-3): a person's inbox and channel choices (anyone signed in),
and the webhook endpoints with their delivery log (the quality department)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from pinzhi.core.access import SIGNED_IN, page
from pinzhi.core.shell import render_page
from pinzhi.lib.errors import DomainError
from pinzhi.lib.paging import CappedPaginator
from pinzhi.notify import selectors, services
from pinzhi.notify.forms import PreferenceForm, WebhookEndpointForm
from pinzhi.notify.models import Delivery
from pinzhi.orgs.roles import Role

PER_PAGE = 25

MSG_ALL_READ = _("%(count)s notifications marked as read.")
MSG_PREFERENCES_SAVED = _("Your notification channels are saved.")
MSG_ENDPOINT_SAVED = _("The webhook endpoint “%(name)s” is saved.")
MSG_ENDPOINT_ACTIVATED = _("The webhook endpoint “%(name)s” is active again.")
MSG_ENDPOINT_DEACTIVATED = _(
    "The webhook endpoint “%(name)s” is deactivated; its pending deliveries will be skipped."
)
MSG_TEST_SENT = _("The test message reached “%(name)s” (HTTP %(code)s).")
MSG_TEST_FAILED = _("The test message did not reach “%(name)s”: %(error)s")


def _safe_next(request) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _show(request) -> str:
    return "unread" if request.GET.get("show") == "unread" else "all"


@page(SIGNED_IN)
def inbox(request):
    show = _show(request)
    rows = selectors.notifications_visible_to(request.user, show=show)
    context = {
        # Issue 9 item 3: counted up to COUNT_CAP notifications, paged on beyond them.
        "page_obj": CappedPaginator(rows, PER_PAGE).get_page(request.GET.get("page")),
        "show": show,
        "unread": selectors.unread_count(request.user),
    }
    return render_page(
        request, "notify/inbox.html", context, partial="notify/partials/inbox_list.html"
    )


@page(SIGNED_IN)
def open_notification(request, pk: int):
    """Mark the notification read and follow its link (only to this site)."""
    notification = get_object_or_404(selectors.notifications_visible_to(request.user), pk=pk)
    services.notification_mark_read(person=request.user, notification=notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notify:inbox")


@page(SIGNED_IN)
@require_POST
def mark_read(request, pk: int):
    notification = get_object_or_404(selectors.notifications_visible_to(request.user), pk=pk)
    services.notification_mark_read(person=request.user, notification=notification)
    if request.htmx:
        response = render(request, "notify/partials/inbox_item.html", {"n": notification})
        response["HX-Trigger"] = "notifyChanged"
        return response
    return redirect(f"{reverse('notify:inbox')}?show={_show(request)}")


@page(SIGNED_IN)
def mark_all_read(request):
    if request.method != "POST":
        return redirect("notify:inbox")
    count = services.notifications_mark_all_read(person=request.user)
    messages.success(request, MSG_ALL_READ % {"count": count})
    return redirect("notify:inbox")


@page(SIGNED_IN)
def badge(request):
    """The navbar bell; htmx polls it."""
    return render(
        request,
        "notify/partials/badge.html",
        {
            "count": selectors.unread_count(request.user, cap=selectors.BADGE_CAP),
            "cap": selectors.BADGE_CAP,
        },
    )


@page(SIGNED_IN)
def preferences(request):
    preference = selectors.preference_of(request.user)
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            services.preference_update(
                person=request.user,
                email=form.cleaned_data["email"],
                webhook=form.cleaned_data["webhook"],
            )
            messages.success(request, MSG_PREFERENCES_SAVED)
            return redirect("notify:preferences")
    else:
        form = PreferenceForm(initial={"email": preference.email, "webhook": preference.webhook})
    return render(
        request,
        "notify/preferences.html",
        {"form": form, "person": request.user},
        status=400 if form.errors else 200,
    )


# Webhook endpoints (quality department) ---------------------------------------------------


@page(Role.QUALITY_DEPARTMENT)
def webhook_list(request):
    endpoints = selectors.endpoints_visible_to(request.user)
    return render(request, "notify/webhook_list.html", {"endpoints": endpoints})


def _endpoint_form_page(request, form, endpoint=None, status=200):
    return render(
        request,
        "notify/webhook_form.html",
        {"form": form, "endpoint": endpoint},
        status=status,
    )


@page(Role.QUALITY_DEPARTMENT)
def webhook_create(request):
    if request.method != "POST":
        return _endpoint_form_page(request, WebhookEndpointForm())
    form = WebhookEndpointForm(request.POST)
    if form.is_valid():
        try:
            endpoint = services.webhook_endpoint_create(
                company=request.user.company, **form.cleaned_data
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, MSG_ENDPOINT_SAVED % {"name": endpoint.name})
            return redirect("notify:webhook_edit", pk=endpoint.pk)
    return _endpoint_form_page(request, form, status=400)


@page(Role.QUALITY_DEPARTMENT)
def webhook_edit(request, pk: int):
    endpoint = get_object_or_404(selectors.endpoints_visible_to(request.user), pk=pk)
    if request.method != "POST":
        form = WebhookEndpointForm(
            initial={
                "name": endpoint.name,
                "url": endpoint.url,
                "kinds": ", ".join(endpoint.kinds),
                "active": endpoint.active,
            }
        )
        return _endpoint_form_page(request, form, endpoint)
    form = WebhookEndpointForm(request.POST)
    if form.is_valid():
        try:
            services.webhook_endpoint_update(endpoint=endpoint, **form.cleaned_data)
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, MSG_ENDPOINT_SAVED % {"name": endpoint.name})
            return redirect("notify:webhook_edit", pk=endpoint.pk)
    endpoint.refresh_from_db()
    return _endpoint_form_page(request, form, endpoint, status=400)


@page(Role.QUALITY_DEPARTMENT)
@require_POST
def webhook_set_active(request, pk: int):
    endpoint = get_object_or_404(selectors.endpoints_visible_to(request.user), pk=pk)
    active = request.POST.get("active") == "1"
    services.webhook_endpoint_set_active(endpoint=endpoint, active=active)
    message = MSG_ENDPOINT_ACTIVATED if active else MSG_ENDPOINT_DEACTIVATED
    messages.success(request, message % {"name": endpoint.name})
    return redirect("notify:webhooks")


@page(Role.QUALITY_DEPARTMENT)
@require_POST
def webhook_test(request, pk: int):
    endpoint = get_object_or_404(selectors.endpoints_visible_to(request.user), pk=pk)
    delivery = services.webhook_endpoint_test(endpoint=endpoint, actor=request.user)
    if delivery.status == Delivery.Status.SENT:
        messages.success(
            request, MSG_TEST_SENT % {"name": endpoint.name, "code": delivery.response_code}
        )
    else:
        messages.error(request, MSG_TEST_FAILED % {"name": endpoint.name, "error": delivery.error})
    return redirect(_safe_next(request) or "notify:webhooks")


@page(Role.QUALITY_DEPARTMENT)
def delivery_log(request):
    status = request.GET.get("status", "")
    channel = request.GET.get("channel", "")
    try:
        endpoint = int(request.GET.get("endpoint") or 0)
    except ValueError:
        endpoint = 0
    rows = selectors.deliveries_visible_to(
        request.user, status=status, channel=channel, endpoint=endpoint
    )
    context = {
        # Issue 9 item 3: counted up to COUNT_CAP deliveries, paged on beyond them.
        "page_obj": CappedPaginator(rows, PER_PAGE).get_page(request.GET.get("page")),
        "status": status,
        "channel": channel,
        "endpoint": endpoint,
        "statuses": Delivery.Status.choices,
        "channels": Delivery.Channel.choices,
        "endpoints": selectors.endpoints_visible_to(request.user),
    }
    return render_page(
        request, "notify/deliveries.html", context, partial="notify/partials/delivery_table.html"
    )
