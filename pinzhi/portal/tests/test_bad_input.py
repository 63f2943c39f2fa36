"""Issue 6 item 8: malformed input on the public pages gets a 400 with the field's message,
never a server error (a NUL byte in the tracking code made PostgreSQL fail), and leaves
nothing behind."""

import pytest
from django.urls import reverse

from pinzhi.complaints.models import Complaint, CustomerEscalation
from pinzhi.core.models import RateBucket
from pinzhi.portal import services

FORM_TEXT_FIELDS = ["customer_name", "customer_phone", "customer_address", "content", "request"]


@pytest.fixture
def submitted(client, org, form_data, clock):
    """A web complaint, and the customer's session verified on the tracking page."""
    client.post(reverse("portal:complaint"), form_data(location=org.estate.pk))
    complaint = Complaint.objects.get()
    client.cookies.clear()
    client.post(
        reverse("portal:track"),
        {"tracking_code": complaint.tracking_code, "phone_last4": "5678"},
    )
    return complaint


@pytest.mark.parametrize("code", ["TS\x00123456", "TS1234\x005678", "\x00" * 12])
def test_a_nul_byte_in_the_tracking_code_is_a_400_naming_the_field(client, org, code):
    """Issue 6 item 8: the rate-limit lookup sent the NUL byte to the database."""
    response = client.post(reverse("portal:track"), {"tracking_code": code, "phone_last4": "5678"})

    assert response.status_code == 400
    assert "tracking_code" in response.context["form"].errors
    assert not RateBucket.objects.exists()


def test_the_rate_limit_key_of_a_tracking_code_holds_only_letters_and_digits():
    """Issue 6 item 8: nothing but what a code is made of reaches the database."""
    assert services.tracking_key("ts\x00ab-cd\u200b12 34\n") == "TSABCD1234"


def test_malformed_digits_are_a_400_naming_the_field(client, org):
    response = client.post(
        reverse("portal:track"), {"tracking_code": "TS12345678", "phone_last4": "\x00678"}
    )

    assert response.status_code == 400
    assert "phone_last4" in response.context["form"].errors


def test_a_tracking_link_with_a_nul_byte_shows_the_empty_form(client, org):
    response = client.get(reverse("portal:track"), {"code": "TS\x00123456", "new": "1"})

    assert response.status_code == 200
    assert "\x00" not in response.content.decode()


@pytest.mark.parametrize("field", FORM_TEXT_FIELDS)
def test_a_nul_byte_in_the_complaint_form_is_a_400_naming_the_field(client, org, form_data, field):
    """Issue 6 item 8: every text field of the public form."""
    response = client.post(
        reverse("portal:complaint"), form_data(location=org.estate.pk, **{field: "坏了\x00了了了"})
    )

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Complaint.objects.exists()


def test_a_complaint_form_over_the_upload_limit_is_a_400(client, org, form_data, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000

    response = client.post(
        reverse("portal:complaint"), form_data(location=org.estate.pk, content="长" * 10_000)
    )

    assert response.status_code == 400
    assert not Complaint.objects.exists()


def test_a_nul_byte_in_a_rating_comment_is_a_400_naming_the_field(client, submitted):
    response = client.post(reverse("portal:rate"), {"rating": "5", "comment": "好\x00"})

    assert response.status_code == 400
    assert "comment" in response.context["rate_form"].errors
    submitted.refresh_from_db()
    assert submitted.customer_rating is None


def test_a_nul_byte_in_an_escalation_reason_is_a_400_naming_the_field(client, submitted):
    response = client.post(reverse("portal:escalate"), {"reason": "没人来\x00"})

    assert response.status_code == 400
    assert "reason" in response.context["escalate_form"].errors
    assert not CustomerEscalation.objects.exists()
