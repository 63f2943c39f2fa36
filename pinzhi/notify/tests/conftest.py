import ipaddress
import socket

import pytest

from pinzhi.notify import services
from pinzhi.notify.tests.servers import GATEWAY_HOST, Gateway, SMTPServer

SECRET = "s3cret-for-tests"


class FakeDNS:
    """socket.getaddrinfo for the notify tests, which never need the network: the names in
    `names` resolve to their addresses (a list, or a function returning one, to answer
    differently each time), IP literals and "localhost" as usual, every other name is not
    found. `calls` lists the names looked up."""

    def __init__(self, real):
        self._real = real
        self.names: dict = {}
        self.calls: list[str] = []

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else str(host)
        self.calls.append(name)
        if name in self.names:
            answer = self.names[name]
            addresses = answer() if callable(answer) else answer
            return [self._entry(address, port) for address in addresses]
        try:
            ipaddress.ip_address(name)
        except ValueError:
            if name != "localhost":
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return self._real(host, port, family, type, proto, flags)

    @staticmethod
    def _entry(address: str, port):
        if ipaddress.ip_address(address).version == 6:
            return (
                socket.AF_INET6,
                socket.SOCK_STREAM,
                socket.IPPROTO_TCP,
                "",
                (address, port, 0, 0),
            )
        return (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))


@pytest.fixture(autouse=True)
def dns(monkeypatch, settings):
    """Resolve without the network; the test gateway's name points to 127.0.0.1 and is an
    allowed internal host (PINZHI_WEBHOOK_ALLOWED_HOSTS), as an operator would set it."""
    fake = FakeDNS(socket.getaddrinfo)
    fake.names[GATEWAY_HOST] = ["127.0.0.1"]
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    settings.PINZHI_WEBHOOK_ALLOWED_HOSTS = [GATEWAY_HOST]
    return fake


@pytest.fixture
def immediate_tasks(settings):
    """Run enqueued django.tasks at once, in the test's thread."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def smtp(settings):
    with SMTPServer() as server:
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5},
            }
        }
        yield server


@pytest.fixture
def gateway():
    """gateway(statuses=[500]) starts a signature-checking HTTP gateway (see
    servers.Gateway for the options: tls, answer, headers)."""
    started = []

    def start(*, statuses=(), secret=SECRET, **options) -> Gateway:
        server = Gateway(secret=secret, statuses=list(statuses), **options).__enter__()
        started.append(server)
        return server

    yield start
    for server in started:
        server.__exit__(None, None, None)


@pytest.fixture
def endpoint_for(db):
    def make(gateway, *, kinds=(), name="SMS gateway", active=True, company=None):
        return services.webhook_endpoint_create(
            name=name,
            url=gateway.url,
            kinds=list(kinds),
            secret=gateway.secret,
            active=active,
            company=company,
        )

    return make
