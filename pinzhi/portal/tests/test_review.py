"""Review fixes in the portal: the per-code tracking limit holds for spaced variants (CMP-2)."""

import pytest
from django.urls import reverse

from pinzhi.complaints.models import Complaint
from pinzhi.core import ratelimit
from pinzhi.core.models import RateBucket
from pinzhi.portal import services


@pytest.fixture
def submitted(client, org, form_data, clock):
    client.post(reverse("portal:complaint"), form_data(location=org.estate.pk))
    client.logout()
    client.cookies.clear()
    return Complaint.objects.get()


def spaced(code: str) -> str:
    return f"{code[:2]} {code[2:6]} {code[6:]}".lower()


def track(client, code, digits, address):
    return client.post(
        reverse("portal:track"),
        {"tracking_code": code, "phone_last4": digits},
        REMOTE_ADDR=address,
    )


def test_it_normalises_the_rate_limit_key():
    assert services.tracking_key(" ts ab\tcd 12\u300034 ") == "TSABCD1234"


def test_it_counts_spaced_variants_against_one_code(client, submitted):
    """CMP-2: spaced or lower-case variants of one code share its 5-failure limit."""
    code = submitted.tracking_code
    variants = [code, code.lower(), spaced(code), f" {code} ", spaced(code).upper()]
    for i, variant in enumerate(variants):
        track(client, variant, f"{i:04d}", f"10.3.0.{i}")
    failed = RateBucket.objects.filter(purpose=ratelimit.PUBLIC_TRACK_CODE)
    keys = set(failed.values_list("key", flat=True))
    assert keys == {code}
    response = track(client, spaced(code), "5678", "10.9.9.9")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert client.get(reverse("portal:status"))["Location"] == reverse("portal:track")


def test_it_still_lets_a_spaced_code_through_before_the_limit(client, submitted):
    response = track(client, spaced(submitted.tracking_code), "5678", "10.4.0.1")
    assert response["Location"] == reverse("portal:status")
