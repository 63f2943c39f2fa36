"""The demo complaints (issue 3, item 9): every state and channel, through the services.
Loading the demo takes seconds, so each test loads it once and checks several things."""

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
