"""Issue 6 item 5: webhooks go only to public internet addresses — checked after DNS
resolution when an endpoint is saved and on every delivery, the connection pinned to the
checked address, no redirects followed — unless the operator allowed a named host; the
people managing webhooks see only a generic failure.

No test needs the network: names resolve through the `dns` fixture (conftest.FakeDNS), and
a delivery to a "public" address is carried to the loopback test gateway by replacing
`transports.connect_to`, which records the address it was asked for."""

import ipaddress
import ssl

import pytest
from django.urls import reverse

from pinzhi.notify import services, targets, transports
from pinzhi.notify.models import Delivery, WebhookEndpoint
from pinzhi.notify.services import WebhookError, notify
from pinzhi.notify.tests.conftest import SECRET
from pinzhi.notify.tests.servers import GATEWAY_CERT, ServerThread, closed_port
from pinzhi.orgs.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

PUBLIC_IP = "93.184.215.14"
PUBLIC_IPV6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"

REFUSED_LITERALS = [
    "http://127.0.0.1:8102/internal",
    "http://127.1.2.3/",
    "http://localhost:8000/",
    "http://0.0.0.0:8102/",
    "http://10.0.0.8/",
    "http://172.16.5.4/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.100.100.200/latest/meta-data/",
    "http://168.63.129.16/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://[::1]:8102/",
    "http://[::]/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://[ff02::1]/",
    "http://[::ffff:127.0.0.1]:8102/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[2002:7f00:1::]/",
    "http://[::127.0.0.1]/",
]


def create(url, name="gw", company=None):
    return services.webhook_endpoint_create(
        name=name, url=url, kinds=[], secret=SECRET, company=company
    )


def stored(url, name="gw", company=None):
    """An endpoint saved before the check existed (or by hand in the database)."""
    now = services.clock.now()
    return WebhookEndpoint.objects.create(
        name=name, url=url, secret=SECRET, company=company, created_at=now, updated_at=now
    )


@pytest.fixture
def public_gateway(gateway, dns, monkeypatch):
    """A gateway that the test treats as living at a public address: `hooks.example.com`
    resolves to PUBLIC_IP (or what the test sets), and `transports.connect_to` carries a
    connection to that address to the loopback gateway, noting the address asked for."""
    server = gateway()
    dns.names["hooks.example.com"] = [PUBLIC_IP]
    server.connected_to = []
    real_connect = transports.connect_to

    def connect_to(family, sockaddr, timeout):
        server.connected_to.append(sockaddr[0])
        if sockaddr[0] in (PUBLIC_IP, PUBLIC_IPV6):
            return real_connect(2, ("127.0.0.1", server.port), timeout)
        return real_connect(family, sockaddr, timeout)

    monkeypatch.setattr(transports, "connect_to", connect_to)
    server.public_url = f"http://hooks.example.com:{server.port}/pinzhi"
    return server


def _send_test(endpoint, actor=None):
    return services.webhook_endpoint_test(endpoint=endpoint, actor=actor or PersonFactory())


@pytest.mark.parametrize("url", REFUSED_LITERALS)
def test_it_refuses_to_save_an_endpoint_at_an_internal_or_metadata_address(url):
    """Issue 6 item 5: loopback, private, link-local, multicast, reserved, unspecified and
    metadata addresses, IPv4-mapped and other IPv6 forms of them too, are refused."""
    with pytest.raises(WebhookError) as refused:
        create(url)

    assert refused.value.field == "url"
    assert not WebhookEndpoint.objects.exists()


def test_it_refuses_a_name_that_resolves_to_an_internal_address(dns):
    """Issue 6 item 5: the check is made on the resolved addresses, every one of them."""
    dns.names["intranet.example.com"] = [PUBLIC_IP, "10.1.2.3"]
    dns.names["mapped.example.com"] = ["::ffff:127.0.0.1"]

    for name in ("intranet.example.com", "mapped.example.com"):
        with pytest.raises(WebhookError) as refused:
            create(f"https://{name}/hook", name=name)
        assert refused.value.field == "url" and name in refused.value.reason


def test_it_accepts_a_name_that_resolves_to_public_addresses(dns):
    dns.names["hooks.example.com"] = [PUBLIC_IP, PUBLIC_IPV6]

    endpoint = create("https://hooks.example.com/pinzhi")

    assert endpoint.pk


def test_the_form_names_the_url_field_when_the_address_is_internal(signed_in):
    """Issue 6 item 5: a clear form error on save."""
    client = signed_in("quality_department")

    response = client.post(
        reverse("notify:webhook_create"),
        {"name": "内部", "url": "http://127.0.0.1:8102/admin", "kinds": "", "active": "on"},
    )

    assert response.status_code == 400
    assert 'data-testid="error-url"' in response.text
    assert "127.0.0.1" in response.text
    assert not WebhookEndpoint.objects.exists()


def test_a_test_message_to_an_internal_address_is_not_sent_and_shows_no_answer(signed_in, gateway):
    """Issue 6 item 5: the finding — a test to http://127.0.0.1:<port>/ showed the internal
    service's answer. An endpoint stored before the check reaches nothing now."""
    server = gateway(statuses=[500], answer=b"internal admin console")
    client = signed_in("quality_department")
    endpoint = stored(f"http://127.0.0.1:{server.port}/pinzhi", company=client.person.company)

    response = client.post(reverse("notify:webhook_test", args=[endpoint.pk]), follow=True)

    assert server.requests == []
    assert "internal admin console" not in response.text
    (delivery,) = Delivery.objects.all()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.error == str(transports.ERR_ADDRESS)
    assert "127.0.0.1 (loopback)" in delivery.detail


def test_every_delivery_checks_the_address_again(public_gateway, dns, person_with):
    """Issue 6 item 5: a name that was public when saved and resolves to an internal
    address later gets no delivery."""
    create(public_gateway.public_url)
    dns.names["hooks.example.com"] = ["127.0.0.1"]
    notify(recipients=[person_with("complaint_handler")], kind="deadline.breached", title="t")
    (delivery,) = Delivery.objects.filter(channel=Delivery.Channel.WEBHOOK)

    services.delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert public_gateway.requests == [] and public_gateway.connected_to == []


def test_it_connects_to_the_checked_address_so_dns_rebinding_does_not_work(
    public_gateway, dns, person_with
):
    """Issue 6 item 5: the name is resolved once per delivery and the connection goes to
    the address that was checked; the Host header stays the URL's name. A resolver that
    answers with a public address first and 127.0.0.1 afterwards gains nothing."""
    endpoint = create(public_gateway.public_url)
    answers = iter([[PUBLIC_IP]] + [["127.0.0.1"]] * 10)
    dns.names["hooks.example.com"] = lambda: next(answers)
    dns.calls.clear()

    delivery = _send_test(endpoint)

    assert delivery.status == Delivery.Status.SENT
    assert dns.calls.count("hooks.example.com") == 1
    assert public_gateway.connected_to == [PUBLIC_IP]
    (request,) = public_gateway.requests
    assert request.verified
    assert request.headers["Host"] == f"hooks.example.com:{public_gateway.port}"


def test_it_does_not_follow_redirects(public_gateway, gateway):
    """Issue 6 item 5: a redirect (to an internal address, say) is a failed attempt."""
    internal = gateway()
    public_gateway.statuses.append(307)
    public_gateway.headers["Location"] = internal.url
    endpoint = create(public_gateway.public_url)

    delivery = _send_test(endpoint)

    assert internal.requests == []
    assert (delivery.status, delivery.response_code) == (Delivery.Status.FAILED, 307)
    assert delivery.error == str(transports.ERR_STATUS % {"status_class": "3xx"})


def test_the_user_sees_neither_the_answer_nor_the_network_error(
    signed_in, gateway, endpoint_for, dns, settings
):
    """Issue 6 item 5: only a generic failure (with the HTTP status class when the target
    answered); a closed port and a port where something else listens read the same."""
    client = signed_in("quality_department")
    company = client.person.company
    answering = endpoint_for(
        gateway(statuses=[500], answer=b"Traceback: secret internals"),
        name="answering",
        company=company,
    )
    dns.names["closed.test"] = ["127.0.0.1"]
    dns.names["other.test"] = ["127.0.0.1"]
    settings.PINZHI_WEBHOOK_ALLOWED_HOSTS += ["closed.test", "other.test"]
    closed = create(f"http://closed.test:{closed_port()}/", name="closed", company=company)
    with _NotHttpServer() as not_http:
        elsewhere = create(f"http://other.test:{not_http.port}/", name="elsewhere", company=company)

        pages = {
            endpoint.name: client.post(
                reverse("notify:webhook_test", args=[endpoint.pk]), follow=True
            ).text
            for endpoint in (answering, closed, elsewhere)
        }

    assert "HTTP 5xx" in pages["answering"] and "secret internals" not in pages["answering"]
    for name in ("closed", "elsewhere"):
        assert str(transports.ERR_FAILED) in pages[name]
        for leak in ("refused", "Connection", "BadStatusLine", "Errno", "SSH"):
            assert leak not in pages[name]
    failures = {d.endpoint.name: d for d in Delivery.objects.select_related("endpoint")}
    assert failures["closed"].error == failures["elsewhere"].error
    assert "Connection refused" in failures["closed"].detail
    assert "secret internals" in failures["answering"].detail


def test_the_delivery_log_shows_the_technical_detail_only_to_superusers(
    client, signed_in, gateway, endpoint_for
):
    """Issue 6 item 5: the reason stays in the delivery record, visible to superusers."""
    quality_client = signed_in("quality_department")
    endpoint = endpoint_for(
        gateway(statuses=[500], answer=b"stack trace from the gateway"),
        company=quality_client.person.company,
    )
    _send_test(endpoint, actor=quality_client.person)

    quality = quality_client.get(reverse("notify:deliveries")).text
    client.force_login(PersonFactory(username="root", is_superuser=True, is_staff=True))
    operator = client.get(reverse("notify:deliveries")).text

    assert "stack trace from the gateway" not in quality
    assert 'data-testid="delivery-detail"' not in quality
    assert "HTTP 5xx" in quality
    assert "stack trace from the gateway" in operator


def test_an_allowed_host_may_be_internal_but_never_a_metadata_address(dns, settings):
    """Issue 6 item 5: PINZHI_WEBHOOK_ALLOWED_HOSTS lets the operator name an internal
    gateway; a metadata address stays refused even then."""
    settings.PINZHI_WEBHOOK_ALLOWED_HOSTS = ["sms.internal", "meta.internal"]
    dns.names["sms.internal"] = ["10.8.0.5"]
    dns.names["meta.internal"] = ["169.254.169.254"]
    dns.names["other.internal"] = ["10.8.0.6"]

    assert create("http://SMS.internal./send", name="sms").pk
    with pytest.raises(WebhookError):
        create("http://meta.internal/", name="meta")
    with pytest.raises(WebhookError):
        create("http://other.internal/", name="other")


def test_https_checks_the_certificate_and_sends_the_name_while_connecting_to_the_checked_address(
    gateway, endpoint_for, dns, settings, monkeypatch
):
    """Issue 6 item 5: pinned to 127.0.0.1 (the checked address), the TLS server name and
    the certificate check use the URL's name; a certificate for another name fails."""
    monkeypatch.setattr(
        transports, "tls_context", lambda: ssl.create_default_context(cafile=str(GATEWAY_CERT))
    )
    server = gateway(tls=True)
    endpoint = endpoint_for(server)
    dns.names["impostor.test"] = ["127.0.0.1"]
    settings.PINZHI_WEBHOOK_ALLOWED_HOSTS += ["impostor.test"]
    impostor = create(f"https://impostor.test:{server.port}/pinzhi", name="impostor")

    good = _send_test(endpoint)
    bad = _send_test(impostor)

    assert good.status == Delivery.Status.SENT
    assert server.requests[0].verified
    assert server.server_names[0] == "gateway.test"
    assert bad.status == Delivery.Status.FAILED
    assert "certificate" in bad.detail.lower()
    assert len(server.requests) == 1


@pytest.mark.parametrize("address", ["8.8.8.8", PUBLIC_IP, PUBLIC_IPV6, "2001:4860:4860::8888"])
def test_public_addresses_are_accepted(address):
    """Issue 6 item 5: the check refuses what is internal, not the internet."""
    assert targets.address_refusal(ipaddress.ip_address(address)) == ""


def test_no_host_is_allowed_unless_the_operator_names_it():
    """Issue 6 item 5: PINZHI_WEBHOOK_ALLOWED_HOSTS is empty by default."""
    import pinzhi.settings

    assert pinzhi.settings.PINZHI_WEBHOOK_ALLOWED_HOSTS == []


class _NotHttpServer(ServerThread):
    """Something that is not a web server listening on 127.0.0.1 (an SSH-like banner)."""

    def __enter__(self):
        import socketserver

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                self.request.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")

        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self.serve(server)
        return self


def test_failures_logged_before_the_fix_move_their_detail_out_of_sight(person_with):
    """Issue 6 item 5: old rows kept the network error or the gateway's answer in the
    field the quality department sees; the migration moves it to the superusers' detail."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("pinzhi.notify.migrations.0004_delivery_error_to_detail")
    endpoint = stored("https://hooks.example.com/")
    (notification,) = notify(recipients=[person_with("complaint_handler")], kind="x.y", title="t")
    now = services.clock.now()

    def row(status, error, code=None):
        return Delivery.objects.create(
            notification=notification,
            channel=Delivery.Channel.WEBHOOK,
            endpoint=endpoint,
            status=status,
            error=error,
            response_code=code,
            created_at=now,
        )

    answered = row("failed", "HTTP 500: Traceback (most recent call last)", 500)
    refused = row("gave_up", "URLError: <urlopen error [Errno 111] Connection refused>")
    skipped = row("skipped", str(services.NOTE_ENDPOINT_INACTIVE))
    interrupted = row("failed", str(services.NOTE_INTERRUPTED))

    migration.forwards(apps, None)

    for delivery in (answered, refused, skipped, interrupted):
        delivery.refresh_from_db()
    assert answered.error == str(transports.ERR_STATUS % {"status_class": "5xx"})
    assert answered.detail.startswith("HTTP 500: Traceback")
    assert refused.error == str(transports.ERR_FAILED)
    assert "Connection refused" in refused.detail
    assert (skipped.error, skipped.detail) == (str(services.NOTE_ENDPOINT_INACTIVE), "")
    assert (interrupted.error, interrupted.detail) == (str(services.NOTE_INTERRUPTED), "")
