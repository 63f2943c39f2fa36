"""The registration's repeat check made fast (issue 9 item 2): one indexed look-up per way of
being the same customer (phone, e-mail in any case, account) and one for the address find
the same earlier complaint and reasons as the single OR of them did before."""

import random
from datetime import timedelta

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from pinzhi.complaints.models import Channel, Complaint
from pinzhi.complaints.repeats import _same_customer, repeat_candidates, repeat_flag, topic_find
from pinzhi.lib.clock import now

PHONES = ["13900000001", "13900000002", ""]
EMAILS = ["li@example.com", "LI@example.com", "wang@example.com", ""]
ADDRESSES = ["翠湖花园3栋", "翠湖花园4栋", ""]


def _earlier(org, rng, count: int) -> None:
    customers = [None, org.guard]
    Complaint.objects.bulk_create(
        Complaint(
            company=org.company,
            location=org.estate,
            channel=Channel.HOTLINE,
            category="security",
            title="夜间巡逻",
            content="连续三晚没有看到保安巡逻。",
            customer_name="王业主",
            customer_phone=rng.choice(PHONES),
            customer_email=rng.choice(EMAILS),
            customer_address=rng.choice(ADDRESSES),
            customer=rng.choice(customers),
            # Within the 90-day window and beyond it, some at the same moment.
            received_at=now() - timedelta(days=rng.choice([0, 1, 5, 40, 40, 89, 95, 200])),
            registered_at=now(),
            policy_pack="property",
        )
        for _ in range(count)
    )


def _as_one_query_before(complaint: Complaint) -> tuple[set[int], set[int], list[str]]:
    """The earlier complaints the OR of the same customer, and the address, pointed at (all
    those of the latest time: which of equals the database returned first was its choice)."""
    earlier = repeat_candidates(complaint)
    reasons, latest_customer, latest_address = [], set(), set()
    by_customer = earlier.filter(_same_customer(complaint))
    if by_customer.exists():
        reasons.append("customer")
        newest = by_customer.order_by("-received_at").first().received_at
        latest_customer = set(by_customer.filter(received_at=newest).values_list("pk", flat=True))
    address = complaint.customer_address.strip()
    if address and earlier.filter(customer_address=address).exists():
        reasons.append("address")
        at_address = earlier.filter(customer_address=address)
        newest = at_address.order_by("-received_at").first().received_at
        latest_address = set(at_address.filter(received_at=newest).values_list("pk", flat=True))
    return latest_customer, latest_address, reasons


def test_it_finds_the_same_repeat_as_the_single_query_did(clock, org):
    """Issue 9 item 2: for every mix of phone, e-mail (any case), account and address, the
    look-ups branch by branch flag the same reasons and the same (latest) earlier complaint
    as the one query with OR before them, for a complaint not yet saved."""
    rng = random.Random(9)
    _earlier(org, rng, 120)
    for phone in PHONES:
        for email in EMAILS:
            for customer in (None, org.guard):
                for address in ADDRESSES:
                    new = Complaint(
                        company=org.company,
                        customer_phone=phone,
                        customer_email=email.swapcase(),
                        customer=customer,
                        customer_address=address,
                        received_at=now(),
                        policy_pack="property",
                    )
                    by_customer, by_address, reasons = _as_one_query_before(new)
                    assert repeat_flag(new) == reasons
                    if not reasons:
                        assert new.repeat_of_id is None
                    elif "customer" in reasons:
                        assert new.repeat_of_id in by_customer
                    else:
                        assert new.repeat_of_id in by_address


def test_it_saves_the_repeat_of_a_complaint_already_registered(clock, org):
    """Issue 9 item 2: called on a saved complaint, the repeat check writes what it found,
    never the complaint itself."""
    _earlier(org, random.Random(2), 30)
    complaint = Complaint.objects.filter(customer_phone=PHONES[0]).latest("received_at", "pk")
    expected = _as_one_query_before(complaint)
    complaint.repeat_of_id, complaint.repeat_reasons = None, []
    reasons = repeat_flag(complaint)
    complaint.refresh_from_db()
    assert reasons == complaint.repeat_reasons == expected[2] and "customer" in reasons
    assert complaint.repeat_of_id in expected[0]
    assert complaint.repeat_of_id != complaint.pk


def test_it_queues_the_topic_search_in_the_registrations_transaction(clock, org, register):
    """Issue 9 item 2: with the database's task queue the worker's topic search is a row
    written with the complaint (no second commit), and none is left when the registration
    rolls back."""
    complaint = register()
    queued = DBTaskResult.objects.filter(task_path=topic_find.module_path)
    assert [row.args_kwargs["args"] for row in queued] == [[complaint.pk]]

    with pytest.raises(RuntimeError), transaction.atomic():
        register(title="又没人巡逻")
        raise RuntimeError("rolled back")
    assert queued.count() == 1
