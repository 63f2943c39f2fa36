"""The staff complaint pages: registration and the case page's actions through HTTP
(CMP-1 … CMP-9)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pinzhi.complaints.models import Complaint, Status
from pinzhi.lib.clock import now
from pinzhi.orgs.services import role_assign
from pinzhi.orgs.tests.factories import PersonFactory
from pinzhi.timeline.models import Event

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def intake_data(org, **overrides):
    data = {
        "channel": "hotline",
        "category": "security",
        "severity": "general",
        "location": org.estate.pk,
        "received_at": "2026-11-23 08:50",
        "customer_name": "王业主",
        "customer_phone": "139 1234 5678",
        "customer_email": "",
        "customer_address": "翠湖花园5栋2单元301",
        "title": "",
        "content": "地下车库的照明坏了一周，晚上很危险。",
        "request": "尽快修好照明",
    }
    data.update(overrides)
    return data


def act(client, complaint, action, htmx=False, **data):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("complaints:act", args=[complaint.pk, action]), data, **headers)


def test_it_registers_a_complaint_and_shows_the_tracking_code(clock, org, client):
    """CMP-1, CMP-2: the staff form records the complaint record; the registrar owns it."""
    client.force_login(org.registrar)
    photo = SimpleUploadedFile("garage.png", PNG, content_type="image/png")
    response = client.post(
        reverse("complaints:create"), {**intake_data(org), "attachments": [photo]}, follow=True
    )
    complaint = Complaint.objects.get()
    assert response.redirect_chain[-1][0] == reverse("complaints:detail", args=[complaint.pk])
    assert complaint.tracking_code in response.content.decode()
    assert complaint.owner == org.registrar
    assert complaint.customer_phone == "13912345678"
    assert complaint.title.startswith("地下车库的照明坏了")
    assert complaint.received_at == now() - timedelta(minutes=10)
    assert complaint.status == Status.REGISTERED
    assert "garage.png" in response.content.decode()


@pytest.mark.parametrize(
    "overrides,field,code",
    [
        ({"customer_phone": "1381234"}, "customer_phone", "phone"),
        ({"customer_phone": "", "customer_email": ""}, "customer_phone", "no_contact"),
        ({"received_at": "2026-11-23 12:00"}, "received_at", "future"),
        ({"content": ""}, "content", "required"),
        ({"channel": "web_form"}, "channel", "invalid_choice"),
        ({"customer_email": "not-an-address"}, "customer_email", "invalid"),
    ],
)
def test_it_refuses_bad_intake_with_a_clear_message(clock, org, client, overrides, field, code):
    """CMP-2: the record is complete and valid: a phone of a real format, a way to reach the
    customer, a receipt time not in the future; the web form channel is not staff's."""
    client.force_login(org.registrar)
    response = client.post(reverse("complaints:create"), intake_data(org, **overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert [e.code for e in errors[field]] == [code]
    assert 'data-testid="field-error"' in response.content.decode()
    assert not Complaint.objects.exists()


def test_it_lets_a_suggestion_box_letter_come_without_contact(clock, org, client):
    """CMP-1: an anonymous suggestion-box letter is still registered."""
    client.force_login(org.registrar)
    data = intake_data(org, channel="suggestion_box", customer_phone="", customer_name="匿名")
    response = client.post(reverse("complaints:create"), data)
    assert response.status_code == 302
    assert Complaint.objects.get().channel == "suggestion_box"


def test_it_offers_only_units_the_registrar_sees(clock, org, client):
    """ORG-2: the location is chosen among the units visible to the registrar."""
    client.force_login(org.registrar)
    response = client.post(reverse("complaints:create"), intake_data(org, location=org.ab.pk))
    assert "location" in response.context["form"].errors


def test_it_refuses_registration_to_service_staff_and_customers(signed_in):
    """CMP-1: registering is for the first-contact roles."""
    assert signed_in("service_staff").get(reverse("complaints:create")).status_code == 403
    assert signed_in("customer").get(reverse("complaints:create")).status_code == 403


def test_it_flags_a_repeat_on_the_case_page(clock, org, client, register):
    """CMP-8: a repeat is shown prominently with a link to the earlier case."""
    first = register()
    clock.shift(timedelta(days=3))
    second = register(content="保安还是不巡逻")
    assert second.repeat_of == first
    client.force_login(org.registrar)
    html = client.get(reverse("complaints:detail", args=[second.pk])).content.decode()
    assert 'data-testid="repeat"' in html
    assert reverse("complaints:detail", args=[first.pk]) in html


def test_it_walks_a_complaint_from_registration_to_closure(clock, org, client, register):
    """CMP-2 … CMP-6 through the pages: letter, receipt, handler, contact, resolution,
    callback, closure, each by the person the regulation names."""
    complaint = register()
    client.force_login(org.registrar)
    response = act(
        client,
        complaint,
        "route",
        htmx=True,
        department=org.ab.pk,
        head=org.head.pk,
        request="请调查并联系业主",
        severity="general",
    )
    assert response.status_code == 200
    assert 'id="case"' in response.content.decode()
    assert "<html" not in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == Status.ROUTED

    client.force_login(org.head)
    assert act(client, complaint, "acknowledge").status_code == 302
    response = act(
        client,
        complaint,
        "assign",
        handler=org.handler.pk,
        solution="加派夜班巡逻",
        investigation="巡逻记录缺失",
        staff_involved=org.guard.pk,
        verified="on",
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS and complaint.handler == org.handler
    assert complaint.verified_at is not None

    client.force_login(org.handler)
    clock.shift(timedelta(minutes=20))
    assert act(client, complaint, "record_contact").status_code == 302
    reply = "已加派巡逻，感谢反映。"
    assert (
        act(client, complaint, "resolve", resolution="已加派巡逻", customer_reply=reply).status_code
        == 302
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.RESOLVED

    client.force_login(org.registrar)
    response = act(
        client,
        complaint,
        "callback",
        method="phone",
        reached="on",
        confirmed="on",
        satisfaction="satisfied",
        feedback="满意",
    )
    assert response.status_code == 302
    response = act(
        client, complaint, "close", final_result="已解决", evaluation="处理及时", htmx=True
    )
    assert response.status_code == 200
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    assert "Complaint closed" in response.content.decode() or "已结案" in response.content.decode()


def test_it_shows_only_the_actions_of_the_person_and_status(clock, org, client, register):
    """CMP-3: the registrar routes, only the named head signs for the letter."""
    complaint = register()
    client.force_login(org.registrar)
    names = [
        a["name"]
        for a in client.get(reverse("complaints:detail", args=[complaint.pk])).context["actions"]
    ]
    assert "route" in names and "judge_not_established" in names
    assert "acknowledge" not in names and "close" not in names and "record_offence" not in names
    client.force_login(org.quality)
    names = [
        a["name"]
        for a in client.get(reverse("complaints:detail", args=[complaint.pk])).context["actions"]
    ]
    assert "record_offence" in names and "hand_over" not in names


def test_it_refuses_an_action_of_the_wrong_role(clock, org, client, register):
    """CMP-3: only the head named on the letter signs for it; another head is refused."""
    complaint = register()
    client.force_login(org.registrar)
    act(
        client,
        complaint,
        "route",
        department=org.ab.pk,
        head=org.head.pk,
        request="请处理",
        severity="general",
    )
    client.force_login(org.quality)
    response = act(client, complaint, "acknowledge", htmx=True)
    assert response.status_code == 403
    assert response.context["notice"][0] == "danger"
    complaint.refresh_from_db()
    assert complaint.status == Status.ROUTED


def test_it_refuses_an_action_in_the_wrong_status(clock, org, client, register):
    """CMP-6: a registered complaint cannot be closed before its callback."""
    complaint = register()
    client.force_login(org.registrar)
    response = act(client, complaint, "close", final_result="x", evaluation="y")
    assert response.status_code == 409
    complaint.refresh_from_db()
    assert complaint.status == Status.REGISTERED


def test_it_shows_a_service_error_in_the_form(clock, org, client, register):
    """CMP-3: a head whose scope does not cover the department is refused with a reason."""
    complaint = register()
    client.force_login(org.registrar)
    response = act(
        client,
        complaint,
        "route",
        htmx=True,
        department=org.ab.pk,
        head=org.other_head.pk,
        request="请处理",
        severity="general",
    )
    form = next(a["form"] for a in response.context["actions"] if a["name"] == "route")
    assert "head" in form.errors
    assert 'data-testid="field-error"' in response.content.decode()


def test_it_cannot_lower_the_severity_when_routing(clock, org, client, register):
    """CMP-3: severity may be raised at routing, not lowered."""
    complaint = register(severity="urgent")
    client.force_login(org.registrar)
    response = act(
        client,
        complaint,
        "route",
        department=org.ab.pk,
        head=org.head.pk,
        request="x",
        severity="general",
    )
    assert response.status_code == 400
    complaint.refresh_from_db()
    assert complaint.status == Status.REGISTERED


def test_it_judges_a_complaint_not_established(clock, org, client, register):
    """CMP-2: an unfounded case is closed with the explanation for the customer."""
    complaint = register()
    client.force_login(org.registrar)
    assert (
        act(client, complaint, "judge_not_established", explanation="经核查不属实").status_code
        == 302
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.NOT_ESTABLISHED
    assert complaint.not_established_reason == "经核查不属实"


def test_it_hands_over_and_grants_the_special_limit(clock, org, client, register):
    """CMP-3, CMP-4: ownership moves only by hand-over; a special case gets 4 hours."""
    complaint = register()
    client.force_login(org.registrar)
    assert act(client, complaint, "special_first_contact", reason="业主外出").status_code == 302
    complaint.refresh_from_db()
    assert complaint.special_case_reason == "业主外出"
    desk = PersonFactory(unit=org.kf, company=org.company)
    role_assign(person=desk, role="service_desk", scope=[org.estate])
    assert act(client, complaint, "hand_over", to_person=desk.pk, note="交接班").status_code == 302
    complaint.refresh_from_db()
    assert complaint.owner == desk


def test_it_records_an_offence_by_the_quality_department_only(clock, org, client, register):
    """CMP-9: hiding, refusing or retaliating is recorded by the quality department."""
    complaint = register()
    client.force_login(org.registrar)
    act(client, complaint, "record_offence", person=org.guard.pk, offence="hiding", note="x")
    assert not Event.objects.filter(action="complaint.offence").exists()
    client.force_login(org.quality)
    act(
        client,
        complaint,
        "record_offence",
        person=org.guard.pk,
        offence="retaliation",
        note="威胁业主",
    )
    event = Event.objects.get(action="complaint.offence")
    assert event.data["offence"] == "retaliation" and event.data["person_id"] == org.guard.pk


def test_it_masks_the_customer_on_the_case_page_for_others(clock, org, client, register):
    """ORG-3: a manager who may open the case but does not handle it sees masked data."""
    complaint = register()
    reader = PersonFactory(unit=org.hq, company=org.company)
    role_assign(person=reader, role="leadership", scope=[])
    client.force_login(reader)
    html = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "13912345678" not in html and "139********" in html
    client.force_login(org.registrar)
    html = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "13912345678" in html


def test_it_uploads_attachments_to_the_case(clock, org, client, register):
    """X-1: files are added to the case; a wrong type is refused with the reason."""
    complaint = register()
    client.force_login(org.registrar)
    url = reverse("complaints:attachment_upload", args=[complaint.pk])
    response = client.post(
        url, {"files": [SimpleUploadedFile("a.png", PNG)]}, HTTP_HX_REQUEST="true"
    )
    assert response.context["notice"][0] == "success"
    assert "a.png" in response.content.decode()
    response = client.post(
        url, {"files": [SimpleUploadedFile("a.exe", b"MZ")]}, HTTP_HX_REQUEST="true"
    )
    assert response.context["notice"][0] == "danger"


def test_it_hides_a_case_outside_the_persons_scope(clock, org, client, register):
    """ORG-2: a head of another department cannot open the case."""
    complaint = register()
    client.force_login(org.other_head)
    assert client.get(reverse("complaints:detail", args=[complaint.pk])).status_code == 404
