"""Schemathesis against the OpenAPI schema (CMP-1): generated requests, valid and invalid,
never get a server error. Bounded (30 examples per operation, derandomised) so that it runs
in `make test`."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from pinzhi.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go straight to the WSGI application, whose end-of-request signal would close
    the database connection holding the test's transaction (as Django's test client avoids):
    on PostgreSQL every later query would fail."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(make_token, monkeypatch):
    # The rate limit is tested on its own; here it would only turn examples into 429s.
    monkeypatch.setattr("pinzhi.api.services.RATE_LIMIT_PER_MINUTE", 10_000)
    _token, secret = make_token("complaints:write", "complaints:read")
    return {"Authorization": f"Bearer {secret}"}


@schema.parametrize()
@settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
@pytest.mark.django_db(transaction=False)
def test_it_never_answers_with_a_server_error(case, bearer, org):
    response = case.call(headers=bearer)
    assert response.status_code < 500, (case.method, case.path, response.text[:500])
