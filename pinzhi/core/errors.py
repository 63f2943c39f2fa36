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
