import pytest
from django.utils import translation

from pinzhi.orgs.tests.factories import PersonFactory
from pinzhi.policy import services as policy_services
from pinzhi.policy.selectors import rule_cache_clear


@pytest.fixture(autouse=True)
def _english_messages():
    """Tests read error messages in English; page tests switch language themselves."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _packs(db):
    rule_cache_clear()
    policy_services.pack_load(code="property")
    yield
    rule_cache_clear()


@pytest.fixture
def quality(person_with):
    return person_with("quality_department")


@pytest.fixture
def leader(person_with):
    return person_with("leadership")


@pytest.fixture
def staff(person_with):
    return person_with("service_staff")


@pytest.fixture
def outsider(db):
    """The quality department of another company."""
    return PersonFactory(roles=("quality_department",))
