"""X-3: notify() writes the inbox inside the caller's transaction and delivers over the
channels each person chose only once that transaction commits."""

import re

import pytest
from django.db import transaction

from pinzhi.notify import services
from pinzhi.notify.models import Delivery, Notification
from pinzhi.notify.services import notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def enqueued(settings):
    """enqueued() lists the delivery ids handed to the task queue; nothing runs them."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}

    def ids() -> list[int]:
        from django.tasks import default_task_backend

        return [result.args[0] for result in default_task_backend.results]

    return ids


def test_it_creates_one_inbox_row_per_active_person(person_with, enqueued):
    """X-3: duplicates and inactive people are dropped."""
    alice = person_with("complaint_handler")
    bob = person_with("supervisor")
    gone = person_with("supervisor", is_active=False)

    created = notify(
        recipients=[alice, bob, alice, gone], kind="deadline.breached", title="超时", body="详情"
    )

    assert sorted(n.recipient_id for n in created) == sorted([alice.pk, bob.pk])
    assert Notification.objects.filter(recipient=gone).count() == 0
    row = Notification.objects.get(recipient=alice)
    assert (row.kind, row.title, row.body, row.read_at) == (
        "deadline.breached",
        "超时",
        "详情",
        None,
    )


def test_it_enqueues_deliveries_only_when_the_caller_commits(
    person_with, enqueued, django_capture_on_commit_callbacks
):
    """X-3: nothing leaves before the caller's transaction commits."""
    person = person_with("complaint_handler", email="h@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            notify(recipients=[person], kind="deadline.breached", title="t")
            assert Notification.objects.filter(recipient=person).exists()
            assert enqueued() == []

    delivery = Delivery.objects.get(channel=Delivery.Channel.EMAIL)
    assert enqueued() == [delivery.pk]
    assert delivery.status == Delivery.Status.PENDING


def test_it_sends_nothing_when_the_caller_rolls_back(
    person_with, enqueued, django_capture_on_commit_callbacks
):
    person = person_with("complaint_handler", email="h@example.com")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                notify(recipients=[person], kind="deadline.breached", title="t")
                raise RuntimeError("the caller's own write failed")

    assert callbacks == []
    assert enqueued() == []
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()


def test_it_respects_each_persons_channels(person_with, enqueued, gateway, endpoint_for):
    """X-3: each person chooses channels; the inbox is always on."""
    endpoint_for(gateway())
    both = person_with("complaint_handler", email="both@example.com")
    mail_only = person_with("complaint_handler", email="mail@example.com")
    inbox_only = person_with("complaint_handler", email="inbox@example.com")
    services.preference_update(person=mail_only, email=True, webhook=False)
    services.preference_update(person=inbox_only, email=False, webhook=False)

    notify(recipients=[both, mail_only, inbox_only], kind="complaint.assigned", title="t")

    def channels(person):
        return sorted(
            Delivery.objects.filter(notification__recipient=person).values_list(
                "channel", flat=True
            )
        )

    assert channels(both) == ["email", "webhook"]
    assert channels(mail_only) == ["email"]
    assert channels(inbox_only) == []
    assert Notification.objects.filter(recipient=inbox_only).count() == 1


def test_it_sends_to_the_endpoints_whose_kinds_match(person_with, enqueued, gateway, endpoint_for):
    server = gateway()
    deadlines = endpoint_for(server, kinds=["deadline"], name="deadlines")
    everything = endpoint_for(server, name="all")
    endpoint_for(server, kinds=["complaint.assigned"], name="assignments")
    endpoint_for(server, name="off", active=False)
    person = person_with("complaint_handler")

    notify(recipients=[person], kind="deadline.escalated", title="t")

    targets = set(
        Delivery.objects.filter(channel=Delivery.Channel.WEBHOOK).values_list(
            "endpoint_id", flat=True
        )
    )
    assert targets == {deadlines.pk, everything.pk}


def test_it_logs_a_skipped_email_for_a_person_without_an_address(person_with, enqueued):
    """X-3: a person without an e-mail address is skipped with a note in the log."""
    person = person_with("complaint_handler", email="")

    notify(recipients=[person], kind="deadline.breached", title="t")

    delivery = Delivery.objects.get(channel=Delivery.Channel.EMAIL)
    assert delivery.status == Delivery.Status.SKIPPED
    assert delivery.error
    assert enqueued() == []


def test_it_remembers_what_the_notification_is_about(person_with, enqueued, unit):
    person = person_with("complaint_handler")

    (row,) = notify(
        recipients=[person],
        kind="complaint.assigned",
        title="t",
        url="/complaints/1/",
        subject=unit,
        data={"complaint": 1},
    )

    row = Notification.objects.get(pk=row.pk)
    assert row.subject == unit
    assert row.data == {"complaint": 1}
    assert row.url == "/complaints/1/"


@pytest.mark.parametrize("kind", ["", "Deadline.Breached", "deadline..x", "deadline breached"])
def test_it_refuses_a_kind_that_is_not_a_dotted_code(person_with, kind):
    with pytest.raises(ValueError, match=re.escape(str(services.ERR_KIND % {"kind": kind}))):
        notify(recipients=[person_with()], kind=kind, title="t")


def test_it_refuses_an_empty_title(person_with):
    with pytest.raises(ValueError, match=re.escape(str(services.ERR_TITLE))):
        notify(recipients=[person_with()], kind="deadline.breached", title="  ")


def test_it_returns_nothing_for_no_recipients(db):
    assert notify(recipients=[], kind="deadline.breached", title="t") == []
    assert not Notification.objects.exists()
