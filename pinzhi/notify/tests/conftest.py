import pytest

from pinzhi.notify import services
from pinzhi.notify.tests.servers import Gateway, SMTPServer

SECRET = "s3cret-for-tests"


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
    """gateway(statuses=[500]) starts a signature-checking HTTP gateway."""
    started = []

    def start(*, statuses=(), secret=SECRET) -> Gateway:
        server = Gateway(secret=secret, statuses=list(statuses)).__enter__()
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
