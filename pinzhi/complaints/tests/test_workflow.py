"""The complaint workflow with its time limits, moved along by the clock (CMP-2 … CMP-9)."""

from datetime import timedelta

import pytest

from pinzhi.complaints import services
from pinzhi.complaints.models import Callback, Severity, Status
from pinzhi.complaints.services import ComplaintError
from pinzhi.complaints.tests.steps import route_and_assign
from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.deadlines.sweep import sweep
from pinzhi.lib.clock import now
from pinzhi.notify.models import Notification
from pinzhi.policy.models import Rule
from pinzhi.policy.services import rule_revise
from pinzhi.timeline.models import Event


def deadline(complaint, kind):
    return deadlines_for(complaint).get(kind=kind)


def actions(complaint):
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(complaint)
    return list(
        Event.objects.filter(content_type=ct, object_id=str(complaint.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_registration_starts_the_time_limits_of_the_pack(clock, org, register):
    """CMP-4: first contact within 30 minutes, a general case resolved within 2 days and the
    complainant answered within 3 days, all counted from receipt."""
    complaint = register()
    received = complaint.received_at
    assert complaint.status == Status.REGISTERED
    assert complaint.owner == org.registrar  # first-contact ownership, CMP-3
    assert deadline(complaint, services.FIRST_CONTACT).due_at == received + timedelta(minutes=30)
    assert deadline(complaint, services.RESOLUTION).due_at == received + timedelta(days=2)
    assert deadline(complaint, services.ANSWER).due_at == received + timedelta(days=3)
    assert not deadlines_for(complaint).filter(kind=services.ON_SITE).exists()
    assert complaint.tracking_code.startswith("TS")


def test_an_urgent_case_must_have_staff_on_site_within_ten_minutes(clock, org, register):
    """CMP-4: urgent cases (safety, daily living) have staff on site within 10 minutes."""
    complaint = register(severity=Severity.URGENT, title="电梯困人")
    on_site = deadline(complaint, services.ON_SITE)
    assert on_site.due_at == complaint.received_at + timedelta(minutes=10)
    clock.shift(timedelta(minutes=8))
    services.complaint_record_contact(complaint=complaint, actor=org.registrar, on_site=True)
    on_site.refresh_from_db()
    assert on_site.state == Deadline.State.MET and not on_site.met_late


def test_a_revised_limit_applies_to_new_cases_only(clock, org, register):
    """CMP-4 (editable in the pack): old cases keep the limit in force when they started."""
    old = register()
    rule = Rule.objects.get(pack__code="property", key="complaints.first_contact")
    rule_revise(
        rule=rule,
        company=org.quality.company,
        value=20,
        effective_from=now(),
        author=org.quality,
        reason="提速",
    )
    clock.shift(timedelta(minutes=1))
    new = register()
    assert deadline(old, services.FIRST_CONTACT).duration == timedelta(minutes=30)
    assert deadline(new, services.FIRST_CONTACT).duration == timedelta(minutes=20)


def test_an_unfounded_complaint_is_closed_as_not_established(clock, org, register):
    """CMP-2: the customer gets the explanation and no time limit runs on."""
    complaint = register()
    with pytest.raises(ComplaintError):
        services.complaint_judge_not_established(
            complaint=complaint, actor=org.registrar, explanation="  "
        )
    services.complaint_judge_not_established(
        complaint=complaint,
        actor=org.registrar,
        explanation="经核查，该时段监控显示保安按时巡逻，已向您说明情况。",
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.NOT_ESTABLISHED
    assert "监控" in complaint.not_established_reason
    assert not deadlines_for(complaint).filter(state=Deadline.State.OPEN).exists()
    clock.shift(timedelta(days=5))
    assert sweep(now()).counts.get("breached", 0) == 0


def test_the_contact_letter_is_signed_for_by_the_named_head_only(clock, org, register):
    """CMP-3: the work contact letter goes to the head of the department complained about,
    whose acknowledgement in the app is the kept receipt."""
    complaint = register()
    letter = services.complaint_route(
        complaint=complaint,
        actor=org.registrar,
        department=org.ab,
        head=org.head,
        request="请调查",
    )
    assert letter.number.startswith("LXH202611-")
    with pytest.raises(ComplaintError):
        services.letter_acknowledge(letter=letter, actor=org.other_head)
    services.letter_acknowledge(letter=letter, actor=org.head)
    letter.refresh_from_db()
    assert letter.acknowledged_at is not None
    assert Notification.objects.filter(recipient=org.head, kind="complaint.routed").exists()
    # The running limits now sit in the department's queue.
    assert deadline(complaint, services.FIRST_CONTACT).owner == org.head


def test_the_full_path_to_closure(clock, org, register):
    """CMP-3 … CMP-6: letter, handler, contact, resolution, callback the same day, closure
    by the registrar with the final evaluation."""
    complaint = register()
    route_and_assign(org, complaint)
    clock.shift(timedelta(minutes=20))
    services.complaint_record_contact(complaint=complaint, actor=org.handler)
    clock.shift(timedelta(hours=5))
    services.complaint_resolve(
        complaint=complaint, actor=org.handler, resolution="已加派夜班巡逻，监控已调取并报警"
    )
    callback = deadline(complaint, services.CALLBACK)
    # CMP-5: the callback is due by the end of the day of resolution (Asia/Shanghai).
    assert callback.due_at.astimezone(callback.due_at.tzinfo).isoformat() == (
        "2026-11-23T16:00:00+00:00"
    )
    clock.shift(timedelta(hours=1))
    services.complaint_callback(
        complaint=complaint,
        actor=org.registrar,
        reached=True,
        confirmed=True,
        satisfaction=Callback.Satisfaction.SATISFIED,
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.CALLED_BACK
    assert Notification.objects.filter(
        recipient=org.registrar, kind="complaint.called_back"
    ).exists()
    services.complaint_close(
        complaint=complaint,
        actor=org.registrar,
        final_result="问题已解决，业主满意",
        evaluation="处理及时",
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    assert all(
        d.state in (Deadline.State.MET, Deadline.State.CANCELLED) for d in deadlines_for(complaint)
    )
    assert not any(d.met_late for d in deadlines_for(complaint))
    assert actions(complaint)[:1] == ["complaint.registered"]
    assert "complaint.closed" in actions(complaint)


def test_a_dissatisfied_customer_reopens_the_case(clock, org, register):
    """CMP-5: a failed callback (customer not satisfied) reopens the case."""
    complaint = register()
    route_and_assign(org, complaint)
    services.complaint_record_contact(complaint=complaint, actor=org.handler)
    services.complaint_resolve(complaint=complaint, actor=org.handler, resolution="已处理")
    services.complaint_callback(
        complaint=complaint,
        actor=org.registrar,
        reached=True,
        confirmed=False,
        satisfaction=Callback.Satisfaction.DISSATISFIED,
        feedback="单车还是没找到",
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS
    assert (
        deadlines_for(complaint)
        .filter(kind=services.RESOLUTION, state=Deadline.State.OPEN)
        .exists()
    )
    assert Notification.objects.filter(recipient=org.handler, kind="complaint.reopened").exists()
    assert "complaint.reopened" in actions(complaint)


def test_an_unreached_customer_leaves_the_callback_due(clock, org, register):
    """CMP-5: every complaint gets a callback; not reaching the customer does not count."""
    complaint = register()
    route_and_assign(org, complaint)
    services.complaint_resolve(complaint=complaint, actor=org.handler, resolution="已处理")
    services.complaint_callback(complaint=complaint, actor=org.registrar, reached=False)
    complaint.refresh_from_db()
    assert complaint.status == Status.RESOLVED
    assert deadline(complaint, services.CALLBACK).state == Deadline.State.OPEN


def test_a_breached_first_contact_climbs_the_ladder(clock, org, register, settings):
    """CMP-7, X-3: whoever owns the limit at the breach (after the contact letter the head:
    issue 8 item 1), then the department head, the group leader and the chairman after the
    overruns of the pack — each told exactly once."""
    complaint = register()
    route_and_assign(org, complaint)
    clock.shift(timedelta(minutes=31))
    sweep(now())
    assert Notification.objects.filter(recipient=org.head, kind="deadline.breached").exists()
    clock.shift(timedelta(minutes=30))
    sweep(now())
    sweep(now())  # a second sweep in the same minute changes nothing
    assert Notification.objects.filter(recipient=org.head, kind="deadline.escalated").count() == 1
    clock.shift(timedelta(hours=4))
    sweep(now())
    assert Notification.objects.filter(recipient=org.committee, kind="deadline.escalated").exists()
    assert not Notification.objects.filter(recipient=org.chairman).exists()
    clock.shift(timedelta(hours=20))
    sweep(now())
    assert Notification.objects.filter(recipient=org.chairman, kind="deadline.escalated").exists()
    breached = Event.objects.filter(action="deadline.breached", object_id=str(complaint.pk)).first()
    # CMP-9: the breach is on the case's timeline in a form the assessment can consume.
    assert breached.data["kind"] == services.FIRST_CONTACT


def test_a_special_case_may_take_four_hours_with_a_reason(clock, org, register):
    """CMP-4: at the latest 4 hours in special cases, with the reason recorded."""
    complaint = register()
    with pytest.raises(ComplaintError):
        services.complaint_allow_special_first_contact(
            complaint=complaint, actor=org.registrar, reason=""
        )
    services.complaint_allow_special_first_contact(
        complaint=complaint, actor=org.registrar, reason="业主在外地，约定下午通话"
    )
    first = deadline(complaint, services.FIRST_CONTACT)
    assert first.due_at == complaint.received_at + timedelta(hours=4)
    clock.shift(timedelta(hours=1))
    assert sweep(now()).counts.get("breached", 0) == 0


def test_ownership_moves_only_by_explicit_hand_over(clock, org, register):
    """CMP-3 (首问责任制): whoever first receives a request owns it until handed over."""
    complaint = register()
    with pytest.raises(ComplaintError):
        services.complaint_hand_over(
            complaint=complaint, actor=org.registrar, to_person=org.registrar, note="x"
        )
    services.complaint_hand_over(
        complaint=complaint, actor=org.registrar, to_person=org.other_head, note="客服部跟进"
    )
    complaint.refresh_from_db()
    assert complaint.owner == org.other_head
    assert deadline(complaint, services.FIRST_CONTACT).owner == org.other_head
    assert "complaint.handed_over" in actions(complaint)


def test_a_verified_complaint_is_recorded_for_the_assessment(clock, org, register):
    """CMP-9: "complaint verified" lands on the timeline with the staff member concerned."""
    complaint = register(category="attitude")
    route_and_assign(org, complaint)
    event = Event.objects.get(action="complaint.verified", object_id=str(complaint.pk))
    assert event.data["staff_id"] == org.guard.pk
    assert event.data["attitude"] is True


def test_the_customer_can_escalate_to_the_group_leader_and_chairman(clock, org, register):
    """CMP-7: the complainant escalates past a supervision group that did not act."""
    complaint = register()
    with pytest.raises(ComplaintError):
        services.complaint_customer_escalate(complaint=complaint, reason="太慢")
    clock.shift(timedelta(minutes=31))  # nobody contacted the customer within 30 minutes
    services.complaint_customer_escalate(complaint=complaint, reason="一直没人联系我")
    assert Notification.objects.filter(
        recipient=org.committee, kind="complaint.customer_escalated"
    ).exists()
    assert Notification.objects.filter(
        recipient=org.chairman, kind="complaint.customer_escalated"
    ).exists()


def test_closed_cases_cannot_move(clock, org, register):
    """X-1: a closed record cannot be silently altered through the workflow."""
    complaint = register()
    services.complaint_judge_not_established(
        complaint=complaint, actor=org.registrar, explanation="不属于物业服务范围"
    )
    with pytest.raises(ComplaintError, match="不成立|Not established"):
        services.complaint_route(
            complaint=complaint, actor=org.registrar, department=org.ab, head=org.head, request="x"
        )


def test_the_customer_rates_between_one_and_five(clock, org, register):
    complaint = register()
    route_and_assign(org, complaint)
    services.complaint_resolve(complaint=complaint, actor=org.handler, resolution="已处理")
    with pytest.raises(ComplaintError):
        services.complaint_customer_rate(complaint=complaint, rating=6)
    services.complaint_customer_rate(complaint=complaint, rating=5, comment="很满意")
    complaint.refresh_from_db()
    assert complaint.customer_rating == 5


def test_the_same_customer_again_within_the_window_is_a_repeat(clock, org, register):
    """CMP-8: same customer or address within the pack's window (90 days) is flagged."""
    first = register()
    clock.shift(timedelta(days=30))
    again = register(title="还是没人巡逻")
    assert again.repeat_of == first
    assert set(again.repeat_reasons) == {"customer", "address"}
    clock.shift(timedelta(days=100))
    late = register(customer_phone="13700000000", customer_address="翠湖花园9栋")
    assert late.repeat_of is None and late.repeat_reasons == []


def test_registration_indexes_the_text_for_the_archive_search(clock, org, register):
    """CMP-6: the archive is searchable in Chinese, traditional characters folded."""
    complaint = register(title="電梯困人", content="电梯停在12楼")
    assert "电梯" in complaint.search_text.split()
