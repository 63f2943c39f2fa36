"""Issue 6 item 7: the customer's proof on the tracking page (the phone's last four digits,
CMP-2) is not what staff who may not see the customer are shown (ORG-3): masking hides the
last four digits everywhere — lists, the case page, exports, printed forms, the API."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from pinzhi.complaints import printing
from pinzhi.complaints.models import Complaint

PHONE = "139 0246 8173"
LAST4 = "8173"


@pytest.fixture
def submitted(client, org, form_data, clock):
    client.post(
        reverse("portal:complaint"), form_data(location=org.estate.pk, customer_phone=PHONE)
    )
    client.logout()
    client.cookies.clear()
    return Complaint.objects.get()


def _track(client, complaint, digits):
    return client.post(
        reverse("portal:track"), {"tracking_code": complaint.tracking_code, "phone_last4": digits}
    )


def _shown_to_a_reader(client, org, complaint) -> dict[str, str]:
    """What the quality committee (sees every case of the company, handles none) is shown."""
    client.force_login(org.committee)
    export = b"".join(client.get(reverse("complaints:export")).streaming_content)
    sheet = load_workbook(io.BytesIO(export), read_only=True).active
    shown = {
        "list": client.get(reverse("complaints:list")).content.decode(),
        "case": client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode(),
        "export": " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row),
        "record": printing.complaint_record_html(complaint, viewer=org.committee),
        "handling": printing.handling_record_html(complaint, viewer=org.committee),
    }
    client.logout()
    return shown


def test_what_a_reader_sees_of_the_phone_never_holds_the_tracking_proof(client, org, submitted):
    """Issue 6 item 7: whoever sees a masked row next to its tracking code does not see the
    last four digits the tracking page asks for."""
    for place, text in _shown_to_a_reader(client, org, submitted).items():
        assert "139********" in text, place
        assert LAST4 not in text, place


def test_the_tracking_page_still_opens_with_the_customers_own_last_four_digits(client, submitted):
    """Issue 6 item 7, CMP-2: the proof stays the last four digits the customer knows."""
    assert _track(client, submitted, LAST4)["Location"] == reverse("portal:status")


def test_the_api_masks_the_last_four_digits_for_a_token_that_did_not_send_the_case(
    client, org, submitted
):
    """Issue 6 item 7: an integration reading the company's cases gets the masked phone."""
    from pinzhi.api.services import api_token_create

    _token, secret = api_token_create(
        name="报表", company=org.company, scopes=["complaints:read"], actor=org.quality
    )
    headers = {"Authorization": f"Bearer {secret}"}

    detail = client.get(f"/api/complaints/{submitted.tracking_code}", headers=headers).json()
    listing = client.get("/api/complaints", headers=headers).content.decode()

    assert detail["customer"]["phone"] == "139********"
    assert LAST4 not in listing
