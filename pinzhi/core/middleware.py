from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _

from pinzhi.core.access import PUBLIC
from pinzhi.lib.clock import now


class LanguageMiddleware:
    """The interface language is the one the person chose (the language cookie set by the
    switcher), else simplified Chinese (X-2) — the browser's Accept-Language is not
    consulted, because a company's staff share office machines set up in any language."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # override() restores the thread's language afterwards, so nothing leaks into work
        # done later on the same thread (a task, the next request).
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class TrustedProxyMiddleware:
    """Behind PINZHI_TRUSTED_PROXIES reverse proxies, the client's address is the one the
    outermost of them saw (the Nth entry from the right of X-Forwarded-For); REMOTE_ADDR is
    set to it so that rate limits and sign-in lock-outs count per visitor, not per proxy.
    With 0 (the default) the header is ignored: anyone could forge it."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.proxies = settings.PINZHI_TRUSTED_PROXIES

    def __call__(self, request):
        if self.proxies:
            forwarded = [
                part.strip()
                for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                if part.strip()
            ]
            if len(forwarded) >= self.proxies:
                request.META["REMOTE_ADDR"] = forwarded[-self.proxies]
        return self.get_response(request)


SESSION_LAST_SEEN = "pinzhi_last_seen"
# The last request's time is written to the session at most this often, not on every request.
LAST_SEEN_RESOLUTION_SECONDS = 60
SIGNED_OUT_IDLE = _(
    "You were signed out after %(hours)d hours without activity. Please sign in again."
)


class SessionIdleTimeoutMiddleware:
    """A signed-in session ends after PINZHI_SESSION_IDLE_HOURS without a request (issue 6
    item 10): a shared office computer left signed in does not stay open for weeks. The time
    of the last request is kept in the session, rewritten at most once a minute."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            idle = settings.PINZHI_SESSION_IDLE_HOURS * 3600
            current = int(now().timestamp())
            last_seen = request.session.get(SESSION_LAST_SEEN)
            if isinstance(last_seen, int) and current - last_seen > idle:
                logout(request)
                messages.info(
                    request, SIGNED_OUT_IDLE % {"hours": settings.PINZHI_SESSION_IDLE_HOURS}
                )
            elif (
                not isinstance(last_seen, int)
                or current - last_seen >= LAST_SEEN_RESOLUTION_SECONDS
            ):
                request.session[SESSION_LAST_SEEN] = current
        return self.get_response(request)


def session_start_idle_clock(sender, request, user, **kwargs) -> None:
    """On sign-in (the `user_logged_in` signal, connected in CoreConfig.ready), start the
    idle clock in the session being saved anyway, so that the first request after signing
    in need not write the session again."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_LAST_SEEN] = int(now().timestamp())


class NoStoreForSignedInMiddleware:
    """`Cache-Control: no-store` on every page a signed-in person gets, except public pages
    (issue 6 item 10): what a person saw must not stay in a shared computer's browser cache
    or a proxy after signing out. Static files never reach this middleware (WhiteNoise
    answers them first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated and not getattr(request, "_pinzhi_public_page", False):
            add_never_cache_headers(response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        request._pinzhi_public_page = PUBLIC in getattr(view_func, "access_roles", ())
        return None
