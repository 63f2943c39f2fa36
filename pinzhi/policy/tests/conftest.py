import pytest
from django.utils import translation

from pinzhi.policy import services
from pinzhi.policy.models import Rule
from pinzhi.policy.selectors import rule_cache_clear


@pytest.fixture(autouse=True)
def _english_messages():
    """Tests read error messages in English; display tests switch language themselves."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_rule_cache():
    rule_cache_clear()
    yield
    rule_cache_clear()


@pytest.fixture
def property_pack(db):
    services.pack_load(code="property")
    return "property"


@pytest.fixture
def first_contact(property_pack):
    return Rule.objects.get(pack__code="property", key="complaints.first_contact")
