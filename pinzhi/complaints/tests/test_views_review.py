"""Fixes from the review of the case page: the current letter only (CMP-3), the longer
first-contact limit only while it is open (CMP-4), closing a case without a registrar
(CMP-6), answering a customer's escalation (CMP-7) and uploads (X-1)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pinzhi.complaints import services
from pinzhi.complaints.models import Channel, CustomerEscalation, Status
from pinzhi.complaints.selectors import complaint_actions_for, may_see_customer
from pinzhi.complaints.tests.steps import route
from pinzhi.complaints.tiles import letters_to_sign
from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.lib.clock import now
from pinzhi.orgs.services import role_assign
from pinzhi.orgs.tests.factories import PersonFactory
from pinzhi.timeline.models import Attachment

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def act(client, complaint, action, **data):
    return client.post(
        reverse("complaints:act", args=[complaint.pk, action]), data, HTTP_HX_REQUEST="true"
    )


@pytest.fixture
def rerouted(clock, org, register):
    """A case routed to 安保部 first, then (unsigned) to 客服部 instead."""
    complaint = register()
    first = route(org, complaint)
    clock.shift(timedelta(minutes=5))
    second = route(org, complaint, department=org.kf, head=org.other_head)
    complaint.refresh_from_db()
    return complaint, first, second


def test_it_lets_only_the_current_letters_head_sign(org, client, rerouted):
    """CMP-3: once the case is routed again, the superseded letter's head may no longer
    sign for it; the current letter's head signs for the current letter."""
    complaint, first, second = rerouted
    assert "acknowledge" not in complaint_actions_for(org.head, complaint)
    assert "acknowledge" in complaint_actions_for(org.other_head, complaint)
    client.force_login(org.head)
    act(client, complaint, "acknowledge")
    first.refresh_from_db()
    assert first.acknowledged_at is None
    client.force_login(org.other_head)
    response = act(client, complaint, "acknowledge")
    assert response.context["notice"][0] == "success"
    second.refresh_from_db()
    assert second.acknowledged_by == org.other_head


def test_it_lists_only_current_letters_on_the_home_tile(org, rerouted):
    """CMP-3: the tile of letters to sign shows each case's current unsigned letter only."""
    complaint, first, second = rerouted
    assert letters_to_sign(org.head) is None
    tile = letters_to_sign(org.other_head)
    assert tile["count"] == 1 and tile["letters"] == [second]


def test_it_masks_the_customer_for_a_superseded_letters_head(org, client, rerouted):
    """ORG-3, CMP-3: the head whose letter was superseded no longer handles the case and
    sees the customer's data masked; the current head sees it."""
    complaint, first, second = rerouted
    assert not may_see_customer(org.head, complaint)
    assert may_see_customer(org.other_head, complaint)
    client.force_login(org.head)
    html = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "13912345678" not in html and "139********" in html


def test_it_offers_the_longer_limit_only_while_first_contact_is_open(clock, org, register):
    """CMP-4: the 4-hour first-contact limit may be granted only before the 30 minutes
    run out; a breached limit cannot be stretched after the fact."""
    complaint = register()
    assert "special_first_contact" in complaint_actions_for(org.registrar, complaint)
    deadlines_for(complaint).filter(kind=services.FIRST_CONTACT).update(
        state=Deadline.State.BREACHED
    )
    assert "special_first_contact" not in complaint_actions_for(org.registrar, complaint)


def test_it_shows_a_service_refusal_of_the_longer_limit_inline(
    clock, org, client, register, monkeypatch
):
    """CMP-4: a refusal by the service (say, the limit ran out meanwhile) comes back as a
    message in the action's form on the case page."""
    complaint = register()

    def refuse(**kwargs):
        raise services.ComplaintError("首次联系时限已过")

    monkeypatch.setattr(services, "complaint_allow_special_first_contact", refuse)
    client.force_login(org.registrar)
    response = act(client, complaint, "special_first_contact", reason="业主外出")
    assert response.status_code == 409  # a ComplaintError's status (issue 7 item 2)
    html = response.content.decode()
    assert 'data-testid="action-error"' in html and "首次联系时限已过" in html


def called_back(org, complaint):
    """Take a routed case through to a confirmed callback."""
    letter = route(org, complaint)
    services.letter_acknowledge(letter=letter, actor=org.head)
    services.complaint_assign(
        complaint=complaint, actor=org.head, handler=org.handler, solution="x"
    )
    services.complaint_record_contact(complaint=complaint, actor=org.handler)
    services.complaint_resolve(complaint=complaint, actor=org.handler, resolution="已处理")
    services.complaint_callback(
        complaint=complaint,
        actor=org.quality,
        reached=True,
        confirmed=True,
        satisfaction="satisfied",
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.CALLED_BACK
    return complaint


def test_it_lets_the_owner_close_a_case_without_registrar(clock, org, client, register):
    """CMP-6: a case from the web form has no registrar; its owner closes it."""
    complaint = register(channel=Channel.WEB_FORM, registered_by=None)
    complaint.owner = org.registrar
    complaint.save()
    called_back(org, complaint)
    assert "close" not in complaint_actions_for(org.handler, complaint)
    client.force_login(org.registrar)
    response = act(client, complaint, "close", final_result="已修复", evaluation="及时")
    assert response.context["notice"][0] == "success"
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED and complaint.closed_by == org.registrar


def test_it_keeps_closing_to_the_registrar_when_there_is_one(clock, org, register):
    """CMP-6: with a registrar, another owner does not close the case."""
    complaint = register()
    desk = PersonFactory(unit=org.kf, company=org.company)
    role_assign(person=desk, role="service_desk", scope=[org.estate])
    complaint.owner = desk
    complaint.save()
    called_back(org, complaint)
    assert "close" not in complaint_actions_for(desk, complaint)
    assert "close" in complaint_actions_for(org.registrar, complaint)


def escalated(complaint):
    return CustomerEscalation.objects.create(complaint=complaint, at=now(), reason="没人来处理")


def test_it_lets_the_committee_answer_a_customer_escalation(clock, org, client, register):
    """CMP-7: the group leader answers the escalation on the case page; the answer, who
    and when are shown afterwards."""
    complaint = register()
    escalation = escalated(complaint)
    client.force_login(org.committee)
    html = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    url = reverse("complaints:escalation_answer", args=[complaint.pk, escalation.pk])
    assert 'data-testid="escalation-answer-form"' in html and url in html
    response = client.post(url, {"answer": "已责成安保部今晚整改"}, HTTP_HX_REQUEST="true")
    assert response.context["notice"][0] == "success"
    escalation.refresh_from_db()
    assert escalation.answer == "已责成安保部今晚整改"
    assert escalation.answered_by == org.committee and escalation.answered_at == now()
    html = response.content.decode()
    assert 'data-testid="escalation-answer"' in html and "已责成安保部今晚整改" in html
    assert 'data-testid="escalation-answer-form"' not in html


def test_it_refuses_an_empty_or_second_escalation_answer(clock, org, client, register):
    """CMP-7: an answer must say something, and an answered escalation stays answered."""
    complaint = register()
    escalation = escalated(complaint)
    url = reverse("complaints:escalation_answer", args=[complaint.pk, escalation.pk])
    client.force_login(org.chairman)
    response = client.post(url, {"answer": ""}, HTTP_HX_REQUEST="true")
    assert response.context["notice"][0] == "danger"
    client.post(url, {"answer": "第一次答复"}, HTTP_HX_REQUEST="true")
    response = client.post(url, {"answer": "第二次答复"}, HTTP_HX_REQUEST="true")
    assert response.context["notice"][0] == "danger"
    escalation.refresh_from_db()
    assert escalation.answer == "第一次答复"


def test_it_hides_the_escalation_answer_from_other_roles(clock, org, client, register):
    """CMP-7: the registrar sees the escalation but cannot answer it."""
    complaint = register()
    escalation = escalated(complaint)
    client.force_login(org.registrar)
    html = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "没人来处理" in html and 'data-testid="escalation-answer-form"' not in html
    url = reverse("complaints:escalation_answer", args=[complaint.pk, escalation.pk])
    assert client.post(url, {"answer": "x"}).status_code == 403
    assert client.get(url).status_code in (403, 405)


def test_it_refuses_uploads_from_someone_without_a_step(clock, org, client, register):
    """X-1: a reader with no step to take on the case cannot add files to it."""
    complaint = register()
    reader = PersonFactory(unit=org.hq, company=org.company)
    role_assign(person=reader, role="leadership", scope=[])
    client.force_login(reader)
    html = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    url = reverse("complaints:attachment_upload", args=[complaint.pk])
    assert f'action="{url}"' not in html
    response = client.post(
        url, {"files": [SimpleUploadedFile("a.png", PNG)]}, HTTP_HX_REQUEST="true"
    )
    assert response.context["notice"][0] == "danger"
    assert not Attachment.objects.exists()


def test_it_refuses_uploads_to_a_closed_case(clock, org, client, register):
    """X-1: an archived case takes no more files, even from the quality department."""
    complaint = register()
    called_back(org, complaint)
    services.complaint_close(
        complaint=complaint, actor=org.registrar, final_result="a", evaluation="b"
    )
    client.force_login(org.quality)
    url = reverse("complaints:attachment_upload", args=[complaint.pk])
    response = client.post(url, {"files": [SimpleUploadedFile("a.png", PNG)]})
    assert response.status_code == 302
    assert not Attachment.objects.exists()
