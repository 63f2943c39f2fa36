"""Defects found in review of the complaint workflow (CMP-3 … CMP-7, X-1)."""

from datetime import timedelta

import pytest

from pinzhi.complaints import services
from pinzhi.complaints.models import Channel, Complaint, CustomerEscalation, LetterCounter, Severity
from pinzhi.complaints.services import ComplaintError
from pinzhi.complaints.tests.steps import route
from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.deadlines.sweep import sweep
from pinzhi.lib.clock import now
from pinzhi.notify.models import Notification
from pinzhi.orgs.services import role_assign
from pinzhi.orgs.tests.factories import CompanyFactory, PersonFactory
from pinzhi.timeline.models import Event


def deadline(complaint, kind):
    return deadlines_for(complaint).get(kind=kind)


def event(complaint, action):
    return Event.objects.filter(object_id=complaint.pk, action=action).latest("pk")


def resolved(org, complaint):
    letter = route(org, complaint)
    services.letter_acknowledge(letter=letter, actor=org.head)
    services.complaint_assign(
        complaint=complaint, actor=org.head, handler=org.handler, solution="加派夜班巡逻"
    )
    services.complaint_resolve(complaint=complaint, actor=org.handler, resolution="已处理")
    return complaint


def test_it_refuses_to_sign_a_superseded_letter(clock, org, register):
    """CMP-3: routed again to another department, the first letter can no longer be signed;
    the routed event names the letter it supersedes."""
    complaint = register()
    first = route(org, complaint)
    second = route(org, complaint, department=org.kf, head=org.other_head)
    with pytest.raises(ComplaintError, match=second.number):
        services.letter_acknowledge(letter=first, actor=org.head)
    routed = event(complaint, "complaint.routed")
    assert routed.data["supersedes"] == first.number
    assert routed.after["supersedes"] == first.number
    services.letter_acknowledge(letter=second, actor=org.other_head)
    second.refresh_from_db()
    assert second.acknowledged_by == org.other_head


def test_it_opens_the_on_site_limit_when_routing_raises_the_severity_to_urgent(
    clock, org, register
):
    """CMP-4/X-1: raised to urgent at routing, staff must be on site within 10 minutes from
    now; the routed event records the severity before and after."""
    complaint = register()
    assert not deadlines_for(complaint).filter(kind=services.ON_SITE).exists()
    clock.shift(timedelta(minutes=5))
    route(org, complaint, severity=Severity.URGENT)
    on_site = deadline(complaint, services.ON_SITE)
    assert on_site.due_at == now() + timedelta(minutes=10)
    routed = event(complaint, "complaint.routed")
    assert routed.before["severity"] == Severity.GENERAL
    assert routed.after["severity"] == Severity.URGENT


def test_it_opens_the_resolution_limit_for_urgent_cases_too(clock, org, register):
    """CMP-4: an urgent case has the on-site limit and also the resolution limit."""
    complaint = register(severity=Severity.URGENT)
    assert deadline(complaint, services.ON_SITE).due_at == complaint.received_at + timedelta(
        minutes=10
    )
    assert deadline(complaint, services.RESOLUTION).due_at == complaint.received_at + timedelta(
        days=2
    )


def test_it_refuses_a_special_first_contact_limit_after_the_30_minutes(clock, org, register):
    """CMP-4: the longer limit must be granted before the 30 minutes run out; afterwards the
    person gets a clear refusal, not a server error."""
    complaint = register()
    clock.shift(timedelta(minutes=31))
    sweep(now())
    assert deadline(complaint, services.FIRST_CONTACT).state == Deadline.State.BREACHED
    with pytest.raises(ComplaintError) as error:
        services.complaint_allow_special_first_contact(
            complaint=complaint, actor=org.registrar, reason="业主在外地"
        )
    assert str(error.value) == str(services.SPECIAL_LIMIT_TOO_LATE)
    complaint.refresh_from_db()
    assert complaint.special_case_reason == ""


def test_it_sends_the_closure_to_the_owner_when_nobody_registered_the_case(clock, org, register):
    """CMP-6: a web-form case has no registrar; the service desk person who owns it gets the
    closure limit and the "close it today" notice."""
    complaint = register(channel=Channel.WEB_FORM, registered_by=None)
    services.complaint_hand_over(
        complaint=complaint, actor=org.quality, to_person=org.registrar, note="客服接手"
    )
    resolved(org, complaint)
    services.complaint_callback(
        complaint=complaint,
        actor=org.registrar,
        reached=True,
        confirmed=True,
        satisfaction="satisfied",
    )
    assert deadline(complaint, services.CLOSURE).owner == org.registrar
    assert Notification.objects.filter(
        recipient=org.registrar, kind="complaint.called_back"
    ).exists()


def test_it_draws_letter_numbers_from_a_locked_counter(clock, org, register):
    """CMP-3: contact-letter numbers run on per month from a counter, never clashing."""
    first = route(org, register())
    second = route(org, register(title="另一件"))
    third = route(org, register(title="第三件"), department=org.kf, head=org.other_head)
    assert [first.number, second.number, third.number] == [
        "LXH202611-0001",
        "LXH202611-0002",
        "LXH202611-0003",
    ]
    assert LetterCounter.objects.get(month="202611").last == 3


def test_it_refuses_a_new_escalation_while_one_is_unanswered(clock, org, register):
    """CMP-7: the customer cannot pile up escalations before the first is answered."""
    complaint = register()
    clock.shift(timedelta(minutes=31))
    escalation = services.complaint_customer_escalate(complaint=complaint, reason="没人联系")
    with pytest.raises(ComplaintError):
        services.complaint_customer_escalate(complaint=complaint, reason="还是没人")
    services.complaint_escalation_answer(
        escalation=escalation, actor=org.committee, answer="已督办"
    )
    services.complaint_customer_escalate(complaint=complaint, reason="仍未处理")
    assert CustomerEscalation.objects.filter(complaint=complaint).count() == 2


def test_it_lets_the_group_leader_answer_an_escalation(clock, org, register):
    """CMP-7: the quality committee or leadership answers; owner and handler are told."""
    complaint = register()
    letter = route(org, complaint)
    services.letter_acknowledge(letter=letter, actor=org.head)
    services.complaint_assign(
        complaint=complaint, actor=org.head, handler=org.handler, solution="加派夜班巡逻"
    )
    clock.shift(timedelta(days=3))
    escalation = services.complaint_customer_escalate(complaint=complaint, reason="太慢")
    outsider = PersonFactory(company=CompanyFactory())
    role_assign(person=outsider, role="leadership", scope=[])
    for person in (org.head, org.registrar, outsider):
        with pytest.raises(ComplaintError):
            services.complaint_escalation_answer(escalation=escalation, actor=person, answer="x")
    with pytest.raises(ComplaintError):
        services.complaint_escalation_answer(escalation=escalation, actor=org.chairman, answer=" ")
    services.complaint_escalation_answer(
        escalation=escalation, actor=org.chairman, answer="董事长已督办，今日处理完毕"
    )
    escalation.refresh_from_db()
    assert escalation.answered_by == org.chairman
    assert escalation.answered_at == now()
    assert escalation.answer == "董事长已督办，今日处理完毕"
    assert event(complaint, "complaint.escalation_answered").actor == org.chairman
    for person in (org.registrar, org.handler):
        assert Notification.objects.filter(
            recipient=person, kind="complaint.escalation_answered"
        ).exists()
    with pytest.raises(ComplaintError):
        services.complaint_escalation_answer(
            escalation=escalation, actor=org.committee, answer="再答"
        )


def test_it_reports_a_major_complaint_to_the_leadership(clock, org, register):
    """CMP-3/CMP-7: a major complaint goes to the leadership and quality committee at once."""
    complaint = register(severity=Severity.MAJOR)
    for person in (org.chairman, org.committee):
        assert Notification.objects.filter(recipient=person, kind="complaint.major").exists()
    assert not Notification.objects.filter(recipient=org.head, kind="complaint.major").exists()
    assert event(complaint, "complaint.reported_to_leadership")


def test_it_reports_a_complaint_raised_to_major_at_routing(clock, org, register):
    """CMP-3/CMP-7: raising the severity to major when routing reports it to the leadership."""
    complaint = register()
    assert not Notification.objects.filter(kind="complaint.major").exists()
    route(org, complaint, severity=Severity.MAJOR)
    assert Notification.objects.filter(recipient=org.chairman, kind="complaint.major").exists()
    assert event(complaint, "complaint.reported_to_leadership")


def test_it_links_a_complaint_to_its_case_page(clock, org, register):
    """CMP-7: deadline notifications link to the case page."""
    complaint = register()
    assert str(complaint.pk) in complaint.get_absolute_url()
    assert complaint.get_absolute_url() == services.complaint_url(complaint)


def test_it_records_the_first_contact_when_resolving(clock, org, register):
    """CMP-5: a resolved case always has the time the customer was contacted."""
    complaint = resolved(org, register())
    complaint.refresh_from_db()
    assert complaint.first_contact_at == complaint.resolved_at


def test_it_keeps_import_ids_apart_between_companies(clock, org, register):
    """X-4: the same source id may be imported by two companies; within one it is unique."""
    from django.db import IntegrityError, transaction

    other = CompanyFactory(policy_pack="property")
    first = register()
    Complaint.objects.filter(pk=first.pk).update(source="legacy", source_id="A1")
    second = register(company=other, location=None, registered_by=None)
    Complaint.objects.filter(pk=second.pk).update(source="legacy", source_id="A1")
    third = register()
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=third.pk).update(source="legacy", source_id="A1")
