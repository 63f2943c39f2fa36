"""The public complaint form (CMP-1, CMP-2, CMP-3, ORG-3, X-6)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pinzhi.complaints.models import Channel, Complaint
from pinzhi.core import ratelimit
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.orgs.tests.factories import CompanyFactory
from pinzhi.portal.selectors import location_token
from pinzhi.timeline.models import Attachment, Event

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def post(client, data, url=None, **extra):
    return client.post(url or reverse("portal:complaint"), data, **extra)


def test_it_shows_the_form_without_an_account(client, org):
    response = client.get(reverse("portal:complaint"))
    assert response.status_code == 200
    assert "consent" in response.content.decode()


def test_it_registers_a_web_complaint_and_shows_the_tracking_code(client, org, form_data, clock):
    """CMP-1/CMP-2: the web form registers a complaint with channel web_form, no account."""
    response = post(client, form_data(location=org.estate.pk))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:thanks")
    complaint = Complaint.objects.get()
    assert complaint.channel == Channel.WEB_FORM
    assert complaint.registered_by is None
    assert complaint.company == org.company
    assert complaint.location == org.estate
    assert complaint.customer_phone == "13912345678"
    assert complaint.request == "加强夜间巡逻并调取监控"
    assert deadlines_for(complaint).exists()
    page = client.get(reverse("portal:thanks")).content.decode()
    assert complaint.tracking_code in page
    assert reverse("portal:status") in page


def test_it_hands_first_contact_to_the_service_desk_of_the_location(client, org, form_data, clock):
    """CMP-3: a web complaint is owned by the service desk whose scope covers the estate,
    recorded as a hand-over on the timeline; the running deadlines follow the owner."""
    post(client, form_data(location=org.estate.pk))
    complaint = Complaint.objects.get()
    assert complaint.owner == org.desk
    assert Event.objects.filter(action="complaint.handed_over", object_id=str(complaint.pk))
    assert all(d.owner == org.desk for d in deadlines_for(complaint))


def test_it_hands_first_contact_to_the_quality_department_without_a_desk(
    client, org, form_data, clock
):
    """CMP-3: no service desk covers 绿洋小区, so the quality department owns the case."""
    post(client, form_data(location=org.other.pk))
    assert Complaint.objects.get().owner == org.quality


def test_it_accepts_the_generic_form_without_location_for_the_single_operator(
    client, org, form_data, clock
):
    response = post(client, form_data())
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.company == org.company and complaint.location is None
    assert complaint.owner == org.quality


def test_it_requires_a_location_when_there_are_several_operators(client, org, form_data):
    CompanyFactory(name="另一家物业公司")
    response = post(client, form_data())
    assert response.status_code == 400
    assert "location" in response.context["form"].errors
    assert not Complaint.objects.exists()


def test_it_preselects_the_location_of_the_qr_code(client, org, form_data, clock):
    """X-6: the QR code's form registers the complaint at its estate."""
    url = reverse("portal:complaint_at", args=[location_token(org.other)])
    page = client.get(url)
    assert page.status_code == 200 and "绿洋小区" in page.content.decode()
    response = post(client, form_data(location=org.estate.pk), url=url)
    assert response.status_code == 302
    assert Complaint.objects.get().location == org.other


@pytest.mark.parametrize(
    "token_of",
    [
        lambda org: location_token(org.estate)[:-2] + "xx",
        lambda org: str(org.estate.pk),
        lambda org: location_token(org.hq),  # a department, not a public location
    ],
    ids=["tampered", "bare-id", "not-public"],
)
def test_it_refuses_a_bad_location_token(client, org, token_of):
    """X-6: a tampered or foreign token gives 404, not someone else's form."""
    response = client.get(reverse("portal:complaint_at", args=[token_of(org)]))
    assert response.status_code == 404


def test_it_refuses_a_token_of_a_retired_location(client, org):
    token = location_token(org.estate)
    org.estate.is_active = False
    org.estate.save()
    assert client.get(reverse("portal:complaint_at", args=[token])).status_code == 404


@pytest.mark.parametrize(
    "field,value",
    [
        ("customer_name", ""),
        ("customer_phone", "12345"),
        ("customer_phone", ""),
        ("customer_email", "not-an-email"),
        ("customer_address", ""),
        ("customer_address", "地" * 201),
        ("category", "nonsense"),
        ("content", ""),
        ("content", "太差"),
        ("content", "字" * 2001),
        ("content", "坏\x00了了了了"),
        ("request", ""),
        ("consent", None),
        ("location", "999999"),
    ],
)
def test_it_refuses_invalid_input_with_a_message_on_the_field(client, org, form_data, field, value):
    """CMP-2, issue 6 item 8: each field is checked and the error is shown at the field,
    with a 400."""
    response = post(client, form_data(**{field: value}))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert not Complaint.objects.exists()


def test_it_explains_the_consent(client, org, form_data):
    """ORG-3: without consent to the handling of personal data nothing is registered."""
    response = post(client, form_data(consent=None))
    assert "personal data" in str(response.context["form"].errors["consent"]) or (
        "个人信息" in str(response.context["form"].errors["consent"])
    )


def test_it_attaches_a_photo(client, org, form_data, clock):
    photo = SimpleUploadedFile("bike.png", PNG, content_type="image/png")
    response = post(client, form_data(location=org.estate.pk, photo=photo))
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    attachment = Attachment.objects.get(object_id=str(complaint.pk))
    assert attachment.original_name == "bike.png"


@pytest.mark.parametrize(
    "name,content",
    [("report.pdf", b"%PDF-1.4 hello"), ("fake.png", b"MZ\x90\x00 not a png at all")],
    ids=["not-an-image", "content-mismatch"],
)
def test_it_refuses_a_file_that_is_not_a_photo(client, org, form_data, name, content):
    upload = SimpleUploadedFile(name, content)
    response = post(client, form_data(photo=upload))
    assert "photo" in response.context["form"].errors
    assert not Complaint.objects.exists()


def test_it_silently_refuses_a_filled_honeypot(client, org, form_data):
    """CMP-1: a bot filling the hidden field registers nothing; the attempt counts against
    the address's submission limits (issue 7 item 6: before, it was only recorded)."""
    response = post(client, form_data(website="http://spam.example"))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Complaint.objects.exists()
    assert ratelimit.count(ratelimit.PUBLIC_SUBMIT_HOUR, "127.0.0.1") == 1  # counted


def test_it_limits_submissions_per_address_per_hour(client, org, form_data, clock):
    """CMP-1: at most 5 complaints an hour from one address; the sixth is refused."""
    for _ in range(5):
        assert post(client, form_data()).status_code == 302
    response = post(client, form_data())
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Complaint.objects.count() == 5
    other = post(client, form_data(), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302
    clock.shift(3601)
    assert post(client, form_data()).status_code == 302


def test_it_limits_submissions_per_address_per_day(client, org, form_data, clock):
    """CMP-1: at most 20 a day from one address."""
    for _hour in range(4):
        for _ in range(5):
            assert post(client, form_data()).status_code == 302
        clock.shift(3601)
    response = post(client, form_data())
    assert response.status_code == 200
    assert Complaint.objects.count() == 20
    clock.shift(86400)
    assert post(client, form_data()).status_code == 302


def test_the_thanks_page_needs_a_submission(client, db):
    assert client.get(reverse("portal:thanks"))["Location"] == reverse("portal:complaint")


def test_the_landing_page_lists_the_hotline(client, org):
    page = client.get(reverse("portal:landing")).content.decode()
    assert "400-123-4567" in page
    assert reverse("portal:complaint") in page and reverse("portal:track") in page


def test_the_public_pages_show_no_staff_navigation(client, org):
    page = client.get(reverse("portal:landing")).content.decode()
    assert 'data-testid="nav"' not in page
