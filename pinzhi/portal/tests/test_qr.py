"""Printable QR codes per estate / window / site (X-6, CMP-1)."""

import re

from django.core import signing
from django.urls import reverse

from pinzhi.orgs.tests.factories import PersonFactory
from pinzhi.portal.selectors import location_from_token, location_token


def test_it_prints_one_card_per_public_location_of_the_company(client, org, settings):
    """X-6: each estate gets a card with its name, the call to scan and an inline SVG QR
    code of the absolute URL of its own form."""
    settings.PINZHI_SITE_URL = "https://ts.example.cn/"
    client.force_login(org.quality)
    response = client.get(reverse("portal:qr_codes"))
    assert response.status_code == 200
    cards = response.context["cards"]
    assert [card["unit"] for card in cards] == [org.estate, org.other]
    html = response.content.decode()
    assert html.count("<svg") == 2 and "@media print" in html
    url = cards[0]["url"]
    assert url.startswith("https://ts.example.cn/public/complaint/")
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert location_from_token(token) == org.estate
    assert str(org.estate.pk) != token and not re.fullmatch(r"\d+", token)


def test_it_shows_only_the_own_companys_locations(client, org):
    from pinzhi.orgs.tests.factories import CompanyFactory, UnitFactory

    stranger = CompanyFactory(name="别家物业")
    UnitFactory(company=stranger, code="X1", name="别家小区", kind="estate")
    client.force_login(org.desk)
    names = [c["unit"].name for c in client.get(reverse("portal:qr_codes")).context["cards"]]
    assert "别家小区" not in names


def test_it_is_a_staff_page(client, org):
    assert client.get(reverse("portal:qr_codes")).status_code == 302
    client.force_login(PersonFactory(unit=org.ab, roles=["service_staff"]))
    assert client.get(reverse("portal:qr_codes")).status_code == 403


def test_a_token_signed_with_another_salt_is_refused(org):
    """X-6: a value signed for another purpose is not a location token."""
    assert location_from_token(signing.dumps(org.estate.pk)) is None
    assert location_from_token(location_token(org.estate)) == org.estate
