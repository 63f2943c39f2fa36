"""The customer's tracking page (CMP-2, CMP-7, ORG-3)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from pinzhi.complaints import services as complaints
from pinzhi.complaints.models import Complaint, CustomerEscalation
from pinzhi.deadlines.sweep import sweep
from pinzhi.lib.clock import now
from pinzhi.notify.models import Notification


@pytest.fixture
def submitted(client, org, form_data, clock):
    """A web complaint at 翠湖花园, and a fresh client (no session) for the customer."""
    client.post(reverse("portal:complaint"), form_data(location=org.estate.pk))
    client.logout()
    client.cookies.clear()
    return Complaint.objects.get()


def verify(client, complaint, digits="5678", **extra):
    return client.post(
        reverse("portal:track"),
        {"tracking_code": complaint.tracking_code.lower(), "phone_last4": digits},
        **extra,
    )


def handle_to_resolved(org, complaint):
    letter = complaints.complaint_route(
        complaint=complaint, actor=org.desk, department=org.ab, head=org.head, request="请处理"
    )
    complaints.letter_acknowledge(letter=letter, actor=org.head)
    complaints.complaint_assign(
        complaint=complaint, actor=org.head, handler=org.handler, solution="加派夜班巡逻"
    )
    return complaints.complaint_resolve(
        complaint=complaint,
        actor=org.handler,
        resolution="值班员已批评教育，监控已调取。",
        customer_reply="已加强夜间巡逻，感谢您的反映。",
    )


def test_it_shows_the_case_after_the_code_and_the_last_four_digits(client, submitted):
    """CMP-2: code + last 4 digits of the phone open the customer's view of the case."""
    response = verify(client, submitted)
    assert response["Location"] == reverse("portal:status")
    page = client.get(reverse("portal:status"))
    assert page.status_code == 200
    assert submitted.tracking_code in page.content.decode()
    assert [m.key for m in page.context["milestones"]] == ["received"]


def test_it_refuses_wrong_digits(client, submitted):
    response = verify(client, submitted, digits="0000")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert client.get(reverse("portal:status"))["Location"] == reverse("portal:track")


def test_it_refuses_malformed_input_with_field_messages(client, db):
    response = client.post(reverse("portal:track"), {"tracking_code": "abc", "phone_last4": "12a"})
    errors = response.context["form"].errors
    assert "tracking_code" in errors and "phone_last4" in errors


def test_it_locks_tracking_after_ten_wrong_attempts_from_one_address(client, submitted):
    """CMP-2: guessing the 4 digits is limited: 10 failures an hour per address."""
    for i in range(10):
        verify(client, submitted, digits=f"{i:04d}", REMOTE_ADDR="10.1.1.1")
    response = verify(client, submitted, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 200
    assert "status" not in response.get("Location", "")


def test_it_locks_a_code_after_five_wrong_attempts_from_anywhere(client, submitted):
    """CMP-2: one code is guessed from many addresses at most 5 times an hour."""
    for i in range(5):
        verify(client, submitted, digits=f"{i:04d}", REMOTE_ADDR=f"10.2.0.{i}")
    response = verify(client, submitted, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_it_keeps_the_verification_for_thirty_minutes(client, submitted, clock):
    verify(client, submitted)
    clock.shift(timedelta(minutes=29))
    assert client.get(reverse("portal:status")).status_code == 200
    clock.shift(timedelta(minutes=2))
    assert client.get(reverse("portal:status"))["Location"] == reverse("portal:track")


def test_it_shows_milestones_without_staff_names_or_internal_notes(client, org, submitted):
    """ORG-3: the customer sees the department, never the people nor internal notes."""
    handle_to_resolved(org, submitted)
    verify(client, submitted)
    page = client.get(reverse("portal:status"))
    keys = [m.key for m in page.context["milestones"]]
    assert keys == ["received", "routed", "handling", "resolved"]
    html = page.content.decode()
    assert "安保部" in html
    assert "已加强夜间巡逻" in html  # the reply written for the customer
    assert "批评教育" not in html  # the internal handling record (issue 8 item 6)
    for person in (org.desk, org.head, org.handler):
        assert person.full_name not in html
    assert "加派夜班巡逻" not in html  # the solution is an internal note
    assert "请处理" not in html  # the contact letter's request too


def test_it_shows_the_explanation_of_a_case_not_established(client, org, submitted):
    """CMP-2: the customer is given the explanation of a "not established" judgement."""
    complaints.complaint_judge_not_established(
        complaint=submitted, actor=org.desk, explanation="经核实，该时段巡逻记录完整。"
    )
    verify(client, submitted)
    html = client.get(reverse("portal:status")).content.decode()
    assert "经核实，该时段巡逻记录完整。" in html


def test_it_lets_the_customer_rate_a_resolved_case(client, org, submitted):
    verify(client, submitted)
    early = client.post(reverse("portal:rate"), {"rating": "4"})
    assert early.context["rate_form"].non_field_errors()
    handle_to_resolved(org, submitted)
    response = client.post(reverse("portal:rate"), {"rating": "4", "comment": "很快"})
    assert response["Location"] == reverse("portal:status")
    submitted.refresh_from_db()
    assert (submitted.customer_rating, submitted.customer_comment) == (4, "很快")


def test_it_refuses_a_rating_out_of_range(client, org, submitted):
    handle_to_resolved(org, submitted)
    verify(client, submitted)
    response = client.post(reverse("portal:rate"), {"rating": "9"})
    assert "rating" in response.context["rate_form"].errors


def test_it_refuses_an_escalation_while_the_time_limits_hold(client, org, submitted):
    """CMP-7: no breached deadline, no escalation."""
    verify(client, submitted)
    page = client.get(reverse("portal:status"))
    assert page.context["may_escalate"] is False
    response = client.post(reverse("portal:escalate"), {"reason": "没人理我"})
    assert response.context["escalate_form"].non_field_errors()
    assert not CustomerEscalation.objects.exists()


def test_it_lets_the_customer_escalate_after_a_breached_deadline(client, org, submitted, clock):
    """CMP-7: when the first-contact limit passed and the sweep marked it breached, the
    customer escalates to the group leader and the chairman, and sees it on the page."""
    clock.shift(timedelta(hours=1))
    sweep(now())
    verify(client, submitted)
    assert client.get(reverse("portal:status")).context["may_escalate"] is True
    response = client.post(reverse("portal:escalate"), {"reason": "半小时内没人联系我"})
    assert response["Location"] == reverse("portal:status")
    escalation = CustomerEscalation.objects.get()
    assert escalation.reason == "半小时内没人联系我"
    told = set(
        Notification.objects.filter(kind="complaint.customer_escalated").values_list(
            "recipient", flat=True
        )
    )
    assert {org.committee.pk, org.chairman.pk} <= told
    page = client.get(reverse("portal:status"))
    assert "escalated" in [m.key for m in page.context["milestones"]]
    assert "半小时内没人联系我" in page.content.decode()


def test_it_requires_a_reason_to_escalate(client, org, submitted, clock):
    clock.shift(timedelta(hours=1))
    sweep(now())
    verify(client, submitted)
    response = client.post(reverse("portal:escalate"), {"reason": ""})
    assert "reason" in response.context["escalate_form"].errors


def test_the_actions_need_a_verified_session(client, submitted):
    assert client.post(reverse("portal:rate"), {"rating": "5"})["Location"] == reverse(
        "portal:track"
    )
    assert client.post(reverse("portal:escalate"), {"reason": "x"})["Location"] == reverse(
        "portal:track"
    )
