from django.test import RequestFactory

from pinzhi.core.middleware import TrustedProxyMiddleware


def address_seen(settings, proxies, forwarded):
    settings.PINZHI_TRUSTED_PROXIES = proxies
    seen = {}

    def view(request):
        seen["address"] = request.META["REMOTE_ADDR"]

    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    TrustedProxyMiddleware(view)(request)
    return seen["address"]


def test_without_trusted_proxies_the_header_is_ignored(settings):
    assert address_seen(settings, 0, "203.0.113.9") == "10.0.0.2"


def test_behind_one_proxy_the_client_is_the_last_forwarded_address(settings):
    """A forged first entry (the client's own header) does not count."""
    assert address_seen(settings, 1, "6.6.6.6, 203.0.113.9") == "203.0.113.9"


def test_behind_two_proxies_it_takes_the_second_from_the_right(settings):
    assert address_seen(settings, 2, "6.6.6.6, 203.0.113.9, 10.0.0.5") == "203.0.113.9"


def test_a_short_header_leaves_the_address_alone(settings):
    assert address_seen(settings, 2, "203.0.113.9") == "10.0.0.2"
