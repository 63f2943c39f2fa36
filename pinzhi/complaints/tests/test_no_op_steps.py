"""A step that changes nothing is not recorded as a change (issue 8 item 2); the deadlines a
step cancels keep their reason in the company's language."""

from datetime import timedelta

import pytest
from django.utils import translation

from pinzhi.complaints import services
from pinzhi.complaints.services import ComplaintError
from pinzhi.complaints.tests.steps import route, route_and_assign
from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.timeline.models import Event


def test_it_refuses_to_grant_the_special_first_contact_limit_twice(clock, org, register):
    """Issue 8 item 2, CMP-4: the longer first-contact limit is granted once; asking again
    says so and records no second grant or extension."""
    complaint = register()
    services.complaint_allow_special_first_contact(
        complaint=complaint, actor=org.registrar, reason="业主在外地，约定下午通话"
    )
    clock.shift(timedelta(minutes=10))
    with pytest.raises(ComplaintError) as refusal:
        services.complaint_allow_special_first_contact(
            complaint=complaint, actor=org.registrar, reason="再批一次"
        )
    assert "只能批准一次" in str(refusal.value.reason)
    assert Event.objects.filter(action="deadline.extended").count() == 1
    complaint.refresh_from_db()
    assert complaint.special_case_reason == "业主在外地，约定下午通话"


def test_it_refuses_to_hand_over_to_the_current_owner(clock, org, register):
    """Issue 8 item 2, CMP-3: handing a case to the person who already owns it is refused."""
    complaint = register()
    with pytest.raises(ComplaintError):
        services.complaint_hand_over(
            complaint=complaint, actor=org.registrar, to_person=complaint.owner, note="交接"
        )


def test_it_refuses_to_send_the_same_contact_letter_again(clock, org, register):
    """Issue 8 item 2, CMP-3: routing again to the same department and head with the same
    request would only draw a new letter number; it is refused, naming the letter in force.
    A different request is a new letter."""
    complaint = register()
    letter = route(org, complaint)
    clock.shift(timedelta(minutes=5))
    with pytest.raises(ComplaintError) as refusal:
        route(org, complaint)
    assert letter.number in str(refusal.value.reason)
    assert complaint.letters.count() == 1
    route(org, complaint, request="请调查并于今日与业主联系")
    assert complaint.letters.count() == 2


def test_its_cancelled_limits_keep_a_reason_in_the_companys_language(clock, org, register):
    """Issue 8 item 2: the reason stored on a deadline a step cancels (shown on the case
    timeline) is in the company's language, even when the step was taken in English."""
    complaint = register()
    with translation.override("en"):
        services.complaint_judge_not_established(
            complaint=complaint, actor=org.registrar, explanation="经核查不属实。"
        )
    cancelled = Event.objects.filter(action="deadline.cancelled")
    assert cancelled.exists()
    assert set(cancelled.values_list("reason", flat=True)) == {"投诉经判定不成立"}
    assert not deadlines_for(complaint).filter(state=Deadline.State.OPEN).exists()


def test_it_refuses_to_record_the_same_assignment_again(clock, org, register):
    """Issue 8 item 2, CMP-3: naming the same handler with the same solution again is
    refused; a changed solution is recorded."""
    complaint = register()
    route_and_assign(org, complaint)
    assigned = Event.objects.filter(action="complaint.assigned").count()
    with pytest.raises(ComplaintError) as refusal:
        services.complaint_assign(
            complaint=complaint,
            actor=org.head,
            handler=org.handler,
            solution=complaint.solution,
        )
    assert str(org.handler) in str(refusal.value.reason)
    services.complaint_assign(
        complaint=complaint, actor=org.head, handler=org.handler, solution="更换门禁读卡器"
    )
    assert Event.objects.filter(action="complaint.assigned").count() == assigned + 1


def test_it_refuses_to_record_the_first_contact_twice(clock, org, register):
    """Issue 8 item 2, CMP-4: the first contact is recorded once; recording it again says the
    customer was already contacted. Arriving on site later is still recorded."""
    complaint = register()
    services.complaint_record_contact(complaint=complaint, actor=org.registrar)
    clock.shift(timedelta(minutes=20))
    with pytest.raises(ComplaintError) as refusal:
        services.complaint_record_contact(complaint=complaint, actor=org.registrar)
    assert "已经联系过客户" in str(refusal.value.reason)
    services.complaint_record_contact(complaint=complaint, actor=org.registrar, on_site=True)
    with pytest.raises(ComplaintError):
        services.complaint_record_contact(complaint=complaint, actor=org.registrar, on_site=True)
    assert Event.objects.filter(action="complaint.contacted").count() == 2


def test_the_same_rating_sent_twice_is_recorded_once(clock, org, register):
    """Issue 8 item 2: a customer's double submit of the same rating writes one event."""
    complaint = register()
    route_and_assign(org, complaint)
    services.complaint_resolve(complaint=complaint, actor=org.handler, resolution="已加派巡逻")
    for _ in range(2):
        services.complaint_customer_rate(complaint=complaint, rating=4, comment="处理及时")
    assert Event.objects.filter(action="complaint.customer_rated").count() == 1
    services.complaint_customer_rate(complaint=complaint, rating=5, comment="处理及时")
    assert Event.objects.filter(action="complaint.customer_rated").count() == 2
