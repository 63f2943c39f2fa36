import pytest

from pinzhi.policy.selectors import rule_cache_clear


@pytest.fixture
def property_pack(db):
    from pinzhi.policy import services

    rule_cache_clear()
    services.pack_load(code="property")
    yield "property"
    rule_cache_clear()
