import logging
from http.cookies import SimpleCookie

import pytest
from django.conf import settings
from django.test import Client


@pytest.fixture(scope="module")
def sessions(two_companies, django_db_blocker) -> dict[tuple[str, str], str]:
    """The session key of each person of `two_companies`, by (company code, role), signed in
    once for the module."""
    keys = {}
    with django_db_blocker.unblock():
        for data in (two_companies.a, two_companies.b):
            for role, person in data.people.items():
                signing_in = Client()
                signing_in.force_login(person)
                keys[data.code, role] = signing_in.cookies[settings.SESSION_COOKIE_NAME].value
    return keys


@pytest.fixture(scope="module")
def module_client() -> Client:
    """One test client for a whole module, which loads the middleware once; the people sign
    in once too (`sessions`). Refusals (403, 404) are not logged meanwhile: the matrices
    expect hundreds, each a warning with a traceback."""
    refusals = logging.getLogger("django.request")
    level = refusals.level
    refusals.setLevel(logging.ERROR)
    try:
        yield Client()
    finally:
        refusals.setLevel(level)


@pytest.fixture
def client_as(module_client, sessions):
    """client_as("b", "leadership"): the module's client in the session of company B's
    leadership person, without any cookie left from an earlier test; client_as(None) is a
    stranger."""

    def sign_in(company: str | None, role: str = "") -> Client:
        module_client.cookies = SimpleCookie()
        if company is not None:
            module_client.cookies[settings.SESSION_COOKIE_NAME] = sessions[company, role]
        return module_client

    return sign_in
