"""Schemathesis against the OpenAPI schema (CMP-1): generated requests, valid and invalid,
never get a server error. Bounded (30 examples per operation, derandomised) so that it runs
in `make test`."""

import pytest
import schemathesis
from django.conf import settings as django_settings
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
    monkeypatch.setattr(django_settings, "PINZHI_API_REQUESTS_PER_MINUTE", 10_000)
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


def _complaint(**overrides) -> dict:
    body = {
        "channel": "hotline",
        "category": "security",
        "content": "连续三晚没有看到保安巡逻。",
        "customer_name": "李业主",
        "customer_phone": "13912345678",
    }
    body.update(overrides)
    return body


# Issue 6 item 8: inputs that made the API fail (on PostgreSQL, or on every database),
# requested through the schema next to the generated examples.
FOUND = {
    "updated_since offset beyond 15:59": (
        "/api/complaints",
        "GET",
        {"query": {"updated_since": "2026-01-01T00:00:00+16:00"}},
    ),
    "updated_since overflowing UTC": (
        "/api/complaints",
        "GET",
        {"query": {"updated_since": "0001-01-01T00:00:00+01:00"}},
    ),
    "updated_since at the end of time": (
        "/api/complaints",
        "GET",
        {"query": {"updated_since": "9999-12-31T23:59:59-01:00"}},
    ),
    "received_at offset beyond 15:59": (
        "/api/complaints",
        "POST",
        {"body": _complaint(received_at="2026-01-01T00:00:00-23:59")},
    ),
    "received_at before 2000 in UTC (no policy in force)": (
        "/api/complaints",
        "POST",
        {"body": _complaint(received_at="2000-01-01T00:00:00")},
    ),
    "NUL in location_code": (
        "/api/complaints",
        "POST",
        {"body": _complaint(location_code="CH\x00")},
    ),
    "NUL in the tracking code": (
        "/api/complaints/{tracking_code}",
        "GET",
        {"path_parameters": {"tracking_code": "TS\x00123456"}},
    ),
}


@pytest.mark.parametrize("found", FOUND.values(), ids=FOUND.keys())
@pytest.mark.django_db(transaction=False)
def test_the_inputs_found_to_fail_get_a_client_error(found, bearer, org):
    """Issue 6 item 8: each gets a 4xx (naming the field), never a server error."""
    path, method, parts = found
    case = schema[path][method].Case(**parts)
    response = case.call(headers=bearer)
    assert 400 <= response.status_code < 500, (path, parts, response.text[:500])


# Issue 8 item 5: the operations that run a case, fuzzed against a real case of the token's
# company (a made-up tracking code would only ever reach the 404).
case_operations = schema.include(path_regex=r"^/api/complaints/\{tracking_code\}/")


@pytest.fixture
def real_case(bearer, org):
    """Registered through the WSGI application like the generated calls: Django's test client
    would connect `close_old_connections` again, and on PostgreSQL the next call would then
    close the connection holding the test's transaction."""
    from pinzhi.complaints.models import Complaint

    response = schema["/api/complaints"]["POST"].Case(body=_complaint()).call(headers=bearer)
    return Complaint.objects.get(pk=response.json()["id"])


@case_operations.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
@pytest.mark.django_db(transaction=False)
def test_the_case_operations_never_answer_with_a_server_error(case, bearer, real_case):
    """Issue 8 item 5: generated bodies, headers (Idempotency-Key) and uploads on a real
    case get an answer below 500."""
    case.path_parameters = {"tracking_code": real_case.tracking_code}
    response = case.call(headers=bearer)
    assert response.status_code < 500, (case.method, case.path, response.text[:500])
