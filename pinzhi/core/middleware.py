from django.conf import settings
from django.utils import translation


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
