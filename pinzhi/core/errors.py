"""A service's refusal (`pinzhi.lib.errors.DomainError`) shown on a page.

Views with a form catch the error and call `error.add_to_form(form)`, so the reason stands
beside its field. Anything else lets it escape: `DomainErrorMiddleware` turns it into a message
on the page the request came from (a POST is redirected back to a same-site referrer, an htmx
request reloads its page) or, with no page to go back to, a page of its own with the error's
4xx status. Either way it is logged as one line, without a traceback: a refusal is the
asker's doing, not a fault of the server.
"""

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from pinzhi.lib.errors import DomainError

logger = logging.getLogger("pinzhi.refused")


def safe_referrer(request: HttpRequest) -> str | None:
    """The page the request came from, if it is one of this site's."""
    referrer = request.META.get("HTTP_REFERER", "")
    if referrer and url_has_allowed_host_and_scheme(
        referrer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referrer
    return None


def refusal_response(request: HttpRequest, error: DomainError, *, to: str | None = None):
    """The answer to a request a service refused: the reason as a message on the page at `to`
    (a URL or URL name), else on the page the request came from, else on a page of its own
    with the error's status."""
    logger.info(
        "Refused %s %s (%s, %s): %s",
        request.method,
        request.path,
        error.code,
        error.status,
        error.reason,
    )
    back = to or (safe_referrer(request) if request.method not in ("GET", "HEAD") else None)
    if getattr(request, "htmx", False):
        # htmx swaps nothing in on a 4xx; the page it was sent from reloads with the message.
        messages.error(request, error.reason)
        response = HttpResponse(status=error.status)
        if back:
            response["HX-Redirect"] = redirect(back).url
        else:
            response["HX-Refresh"] = "true"
        return response
    if back:
        messages.error(request, error.reason)
        return redirect(back)
    return render(request, "core/refused.html", {"error": error}, status=error.status)


class DomainErrorMiddleware:
    """A DomainError that escapes a view becomes a message on a page (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DomainError):
            return refusal_response(request, exception)
        return None


# The error pages (issue 8 item 6): every one in the site's shell and the interface language,
# with a way back to the start page (the public landing page for a visitor without an
# account). Django's own handlers would do for 403/404/500 with our templates; naming them
# here keeps one place that answers errors, and the CSRF failure, which Django otherwise
# answers with its bare English page, goes through the same shell.


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # A PermissionDenied raised with a message carries the reason the page rule gives.
    reason = str(exception or "")
    return render(request, "403.html", {"exception": reason}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: whatever failed (the database, a context processor) may fail again.
    from django.template.loader import render_to_string

    return HttpResponse(render_to_string("500.html"), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent from a page open too long, or after signing out
    elsewhere. The reason Django gives is for developers: Django logs it, the page does not
    show it."""
    return render(request, "403_csrf.html", status=403)
