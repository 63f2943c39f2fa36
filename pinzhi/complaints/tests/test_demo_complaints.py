"""The demo complaints (issue 3, item 9): every state and channel, through the services.
Loading the demo takes seconds, so each test loads it once and checks several things."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from pinzhi.complaints.demo import CASES, load_demo_complaints
from pinzhi.complaints.models import Channel, Complaint, Severity, Status
from pinzhi.deadlines.models import Deadline
from pinzhi.orgs.demo import COMPANY_NAME


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=None)
    return Complaint.objects.filter(company__name=COMPANY_NAME)


def test_it_loads_a_complaint_in_every_state_and_channel_once(demo):
    assert demo.count() == len(CASES)
    assert set(demo.values_list("status", flat=True)) == set(Status.values)
    channels = set(demo.values_list("channel", flat=True))
    assert channels == set(Channel.values) - {Channel.IMPORT}
    severities = list(demo.values_list("severity", flat=True))
    assert severities.count(Severity.MAJOR) == 1
    assert severities.count(Severity.URGENT) >= 2

    call_command("load_demo", stdout=None)
    assert load_demo_complaints() == 0
    assert Complaint.objects.count() == len(CASES)


def test_it_shows_reopened_repeated_and_escalated_cases(demo):
    """CMP-5: a dissatisfied callback reopened a case; CMP-8: the same customer or address
    within the window is a repeat; CMP-7: the sweep escalated the old open cases."""
    reopened = demo.get(title="外墙渗水维修后仍渗水")
    assert reopened.status == Status.IN_PROGRESS
    assert reopened.callbacks.get().satisfied is False

    assert demo.exclude(repeat_of=None).count() >= 3

    escalated = Deadline.objects.filter(state=Deadline.State.BREACHED, escalation_step__gte=2)
    assert escalated.exists()
    on_time = Deadline.objects.filter(state=Deadline.State.MET, breached_at=None)
    assert on_time.exists()


def test_each_case_records_its_steps_at_its_own_times(demo):
    """Issue 8 item 6: a demo case received on 11-20 says 「投诉已受理」 on 11-20, not on the
    day the demo was loaded: every event of a case lies between its receipt and now, in the
    order of its steps, and the timeline runs in time order across the cases."""
    from django.contrib.contenttypes.models import ContentType

    from pinzhi.complaints.events import ComplaintEvent
    from pinzhi.lib.clock import now
    from pinzhi.timeline.models import Event

    kind = ContentType.objects.get_for_model(Complaint)
    loaded = now()
    for complaint in demo:
        events = list(
            Event.objects.filter(content_type=kind, object_id=complaint.pk).order_by("id")
        )
        registered = next(e for e in events if e.action == ComplaintEvent.REGISTERED)
        assert (
            complaint.received_at <= registered.at <= complaint.received_at + timedelta(minutes=5)
        )
        assert complaint.registered_at == registered.at
        times = [e.at for e in events]
        assert times == sorted(times)
        assert all(complaint.received_at <= at <= loaded for at in times)
    old = demo.get(title="夜间噪音扰民")  # received 58 days before loading, closed
    closed = Event.objects.get(content_type=kind, object_id=old.pk, action=ComplaintEvent.CLOSED)
    assert closed.at - old.received_at < timedelta(days=2)
    assert old.closed_at == closed.at
    ordered = list(
        Event.objects.filter(
            content_type=kind, object_id__in=[str(pk) for pk in demo.values_list("pk", flat=True)]
        )
        .order_by("id")
        .values_list("at", flat=True)
    )
    assert ordered == sorted(ordered)


def test_the_demo_customer_finds_her_complaints_under_my_complaints(demo, client):
    """Issue 8 item 6: the demo's customer account `owner` has complaints of her own, and the
    company's service hotline is filled in for the public pages."""
    from django.urls import reverse

    from pinzhi.orgs.models import Person

    owner = Person.objects.get(username="owner")
    own = demo.filter(customer=owner)
    assert own.count() >= 3
    assert {c.customer_name for c in own} == {owner.full_name}
    client.force_login(owner)
    html = client.get(reverse("portal:my_complaints")).content.decode()
    assert all(c.tracking_code in html for c in own)
    assert demo.first().company.service_hotline
