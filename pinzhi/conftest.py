import pytest

from pinzhi.orgs.tests.factories import PASSWORD, CompanyFactory, PersonFactory, UnitFactory


@pytest.fixture(autouse=True, scope="session")
def _static_files_looked_up_on_request():
    """Each test client builds the middleware anew, and WhiteNoise would scan every static
    file each time (about 65 ms a test); in autorefresh mode it looks a file up when it is
    asked for."""
    from django.test.utils import override_settings

    with override_settings(WHITENOISE_AUTOREFRESH=True):
        yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def company(db):
    return CompanyFactory(name="测试物业服务有限公司")


@pytest.fixture
def unit(company):
    return UnitFactory(company=company, code="KF", name="客服部")


@pytest.fixture
def person_with(db, unit):
    """person_with("inspector", ...) makes a person holding those roles, scoped to `unit`."""

    def make(*roles, **kwargs):
        kwargs.setdefault("unit", unit)
        return PersonFactory(roles=roles, **kwargs)

    return make


@pytest.fixture
def signed_in(client, person_with):
    """signed_in("quality_department") returns a client signed in as such a person."""

    def make(*roles, **kwargs):
        person = person_with(*roles, **kwargs)
        assert client.login(username=person.username, password=PASSWORD)
        client.person = person
        return client

    return make


@pytest.fixture(scope="module")
def two_companies(django_db_setup, django_db_blocker, tmp_path_factory):
    """Companies A and B, each with one person per role, and A with one object of every kind
    a parameterised URL takes (issue 6 item 11; see `pinzhi/core/tests/companies.py`).

    Built once per test module inside a transaction rolled back when the module ends; the
    tests must use the database (`django_db`), so each rolls back its own changes to a
    savepoint and may POST freely. Files (attachments, import batches) live in the module's
    own MEDIA_ROOT: a module using this fixture overrides `_media_in_tmp` to keep it
    (`media_of_two_companies`)."""
    from django.db import transaction
    from django.test.utils import override_settings

    from pinzhi.core.tests.companies import build_two_companies
    from pinzhi.policy.selectors import rule_cache_clear

    media = tmp_path_factory.mktemp("two-companies-media")
    # The test webhook points at a closed loopback port, which an operator must allow.
    allowed = override_settings(MEDIA_ROOT=media, PINZHI_WEBHOOK_ALLOWED_HOSTS=["127.0.0.1"])
    with django_db_blocker.unblock(), allowed:
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            data = build_two_companies()
            data.media_root = media
            yield data
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            # The rolled-back rule values must not outlive the module in this process.
            rule_cache_clear()


@pytest.fixture
def media_of_two_companies(settings, two_companies):
    """MEDIA_ROOT where `two_companies` keeps its files, for the tests of a module using it."""
    settings.MEDIA_ROOT = two_companies.media_root


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is slow on purpose; tests that check hashing ask for it explicitly."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright; never a downloaded browser. Without it the
    browser tests are skipped with the reason, except in CI, which installs it."""
    import os

    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)

    # Playwright runs an event loop in this thread; the Django ORM calls made by the test
    # itself (fixtures) are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A browser tab on the live server. Every browser test also proves that the pages it
    visits satisfy the Content-Security-Policy (issue 6 item 10): chromium reports each
    refused script, style or handler on the console, and any such report fails the test."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.csp_violations = []
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text
            and page.csp_violations.append(f"{page.url}: {message.text}")
        ),
    )
    yield page
    context.close()
    assert not page.csp_violations, "\n".join(page.csp_violations)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default interface language (simplified Chinese), whatever an
    earlier test on the same worker activated."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def _meaning_encoder(request, monkeypatch):
    """CMP-8: tests compare complaint texts with a cheap stand-in encoder
    (complaints/tests/meaning_fake.py) unless they ask for `real_meaning`."""
    if "real_meaning" in request.fixturenames:
        return
    from pinzhi.complaints import meaning
    from pinzhi.complaints.tests.meaning_fake import FAKE

    monkeypatch.setattr(meaning, "encoder", lambda: FAKE)


@pytest.fixture
def real_meaning():
    """The real sentence encoder (USE multilingual v3, loaded once per test process)."""
    from pinzhi.complaints import meaning

    return meaning.encoder()
