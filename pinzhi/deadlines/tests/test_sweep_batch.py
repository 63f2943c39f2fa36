"""Issue 9 item 5: the sweep takes due steps in batches (claimed with SELECT … FOR UPDATE SKIP
LOCKED, events and notifications written in bulk, one UPDATE per batch) and writes exactly
what the one-step-per-transaction sweep wrote."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from pinzhi.deadlines import sweep as sweep_module
from pinzhi.deadlines.escalation import OWNER
from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.services import deadline_meet, deadline_open
from pinzhi.deadlines.sweep import sweep, sweep_one_by_one
from pinzhi.deadlines.tests.conftest import minutes
from pinzhi.lib.clock import now
from pinzhi.notify import batch as notify_batch
from pinzhi.notify.models import ChannelPreference, Delivery, Notification, WebhookEndpoint
from pinzhi.orgs.tests.factories import UnitFactory
from pinzhi.policy.services import pack_load
from pinzhi.timeline.models import Event
from pinzhi.timeline.verify import timeline_check

LADDER = [
    {"after": 0, "level": OWNER},
    {"after": 1800, "level": "department_head"},
    {"after": 7200, "level": "group_leader"},
]
STEP_ACTIONS = ["deadline.breached", "deadline.escalated"]


class Rollback(Exception):
    pass


@pytest.fixture
def scene(clock, company, unit, person_with, resolvers):
    """Deadlines of every kind of recipient the sweep knows, most of them several steps
    overdue, some due at night, told over e-mail, a webhook, or only in the inbox."""
    pack_load(code="property")
    clock.move_to(datetime(2026, 3, 2, 14, 0, tzinfo=UTC))  # 22:00 in Shanghai: night
    head = person_with("department_manager", username="head", email="head@example.com")
    leader = person_with("leadership", username="leader")  # no e-mail address
    quiet = person_with("complaint_handler", username="quiet", email="quiet@example.com")
    ChannelPreference.objects.create(person=quiet, email=False, webhook=False, updated_at=now())
    owner = person_with("complaint_handler", username="owner", email="owner@example.com")
    desk = person_with("service_desk", username="desk", email="desk@example.com")
    resolvers(
        "complaint",
        lambda deadline, level: {"department_head": [head, quiet], "group_leader": [leader]}.get(
            level, []
        ),
    )
    WebhookEndpoint.objects.create(
        company=company,
        name="企业微信",
        url="https://hooks.example.com/pinzhi",
        kinds=["deadline.escalated"],
        created_at=now(),
        updated_at=now(),
    )
    WebhookEndpoint.objects.create(
        name="短信网关",
        url="https://sms.example.com/pinzhi",
        created_at=now(),
        updated_at=now(),
    )
    deadlines = []
    for n in range(12):
        subject = UnitFactory(company=company) if n % 3 else unit
        deadlines.append(
            deadline_open(
                subject=subject,
                kind="complaint.first_contact" if n % 4 else "report.monthly",
                duration=minutes(20 + 7 * n),
                ladder=LADDER,
                owner=owner if n % 2 else None,
                owner_role="" if n % 2 else "service_desk",
                unit=unit,
            )
        )
    # One already breached, with its escalation still to come; one met in time.
    clock.shift(minutes(25))
    sweep_one_by_one(now())
    deadline_meet(deadline=deadlines[-1])
    clock.shift(timedelta(hours=2, minutes=10))
    return {"deadlines": deadlines, "people": [head, leader, quiet, owner, desk]}


def outcome(since_event: int, since_notification: int) -> dict:
    """What a sweep wrote, free of row ids and of the order of the rows."""
    events = sorted(
        (
            e.data["deadline_id"],
            e.data["step"],
            e.action,
            e.content_type_id,
            e.object_id,
            e.subject_repr,
            e.company_id,
            e.chain,
            e.actor_id,
            e.at,
            repr(sorted(e.data.items())),
            repr(e.before),
            repr(e.after),
            e.reason,
        )
        for e in Event.objects.filter(pk__gt=since_event, action__in=STEP_ACTIONS)
    )
    notifications = sorted(
        (
            n.data["deadline_id"],
            n.data["step"],
            n.recipient_id,
            n.kind,
            n.title,
            n.body,
            n.url,
            n.subject_type_id,
            n.subject_id,
            repr(sorted(n.data.items())),
            n.created_at,
            tuple(
                sorted(
                    (
                        d.channel,
                        d.endpoint_id or 0,
                        d.status,
                        d.error,
                        d.attempt,
                        str(d.next_attempt_at),
                    )
                    for d in n.deliveries.all()
                )
            ),
        )
        for n in Notification.objects.filter(pk__gt=since_notification).prefetch_related(
            "deliveries"
        )
    )
    deadlines = list(
        Deadline.objects.order_by("pk").values_list(
            "pk", "state", "escalation_step", "breached_at", "next_escalation_at"
        )
    )
    return {"events": events, "notifications": notifications, "deadlines": deadlines}


def test_it_writes_the_same_events_notifications_and_deadlines_as_the_one_by_one_sweep(scene):
    """Issue 9 item 5: on the same data, the batched sweep and the one-step-per-transaction
    sweep write the same events (subject, company chain, payload), the same notifications
    (recipients, titles, texts with the night notice, links) with the same deliveries, and
    leave the deadlines in the same state; the hash chain verifies after both."""
    last_event = Event.objects.order_by("-pk").values_list("pk", flat=True).first()
    last_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
    try:
        with transaction.atomic():
            reference = sweep_one_by_one(now())
            expected = outcome(last_event, last_notification)
            assert timeline_check().ok
            raise Rollback
    except Rollback:
        pass
    assert Event.objects.filter(pk__gt=last_event).count() == 0

    result = sweep(now(), batch_size=5)

    assert result.counts == reference.counts
    assert result.steps > 20
    got = outcome(last_event, last_notification)
    assert got["deadlines"] == expected["deadlines"]
    assert got["events"] == expected["events"]
    assert got["notifications"] == expected["notifications"]
    assert any("夜间" in n[5] or "night" in n[5] for n in got["notifications"])
    assert {d[0] for n in got["notifications"] for d in n[-1]} == {"email", "webhook"}
    assert timeline_check().ok


def test_a_batch_whose_writes_fail_is_taken_step_by_step(scene, monkeypatch):
    """Issue 9 item 5, DESIGN mechanism 2: when a batch's bulk writes fail, it is rolled back
    and its steps are taken one per transaction, each exactly once."""

    def broken(messages):
        raise RuntimeError("bulk insert refused")

    monkeypatch.setattr(sweep_module, "_notify_many", broken)
    last_event = Event.objects.order_by("-pk").values_list("pk", flat=True).first()
    result = sweep(now(), batch_size=4)
    assert result.counts["failed"] == 0 and result.steps > 20
    steps = list(
        Event.objects.filter(pk__gt=last_event, action__in=STEP_ACTIONS).values_list(
            "data__deadline_id", "data__step"
        )
    )
    assert len(steps) == len(set(steps)) == result.steps
    assert sweep(now()).steps == 0
    assert timeline_check().ok


def test_the_first_attempts_of_a_batch_go_to_the_worker_once_it_commits(
    scene, monkeypatch, django_capture_on_commit_callbacks
):
    """Issue 9 item 5, X-3: every pending delivery the batch wrote is handed to the worker
    after the commit, in chunks, and none twice."""
    handed: list[int] = []

    class Recorder:
        def enqueue(self, ids):
            handed.extend(ids)

    monkeypatch.setattr(notify_batch, "deliveries_send", Recorder())
    monkeypatch.setattr(notify_batch, "SEND_CHUNK", 3)
    before = Delivery.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with django_capture_on_commit_callbacks(execute=True):
        sweep(now())
    pending = Delivery.objects.filter(pk__gt=before, status=Delivery.Status.PENDING).values_list(
        "pk", flat=True
    )
    assert sorted(handed) == sorted(pending) and len(handed) > 3


def test_the_worker_sends_a_chunk_of_first_attempts(scene, monkeypatch):
    """X-3: the chunk task makes each first attempt through `delivery_send`."""
    sweep(now())
    ids = list(Delivery.objects.filter(status=Delivery.Status.PENDING).values_list("pk", flat=True))
    sent = []
    monkeypatch.setattr(
        notify_batch, "delivery_send", lambda delivery_id: sent.append(delivery_id) or None
    )
    assert notify_batch.deliveries_send.call(ids) == {"taken": len(ids)}
    assert sent == ids
