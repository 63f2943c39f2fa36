"""Issue 9 item 5: `lib.bulk.rows_insert` writes a batch's notifications and deliveries
with one statement per thousand rows, and the rows are exactly those `bulk_create` writes."""

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.forms.models import model_to_dict

from pinzhi.lib.bulk import rows_insert
from pinzhi.notify.batch import Message, notify_many
from pinzhi.notify.models import Delivery, Notification, WebhookEndpoint

AT = datetime(2026, 11, 30, 5, 0, 0, 123456, tzinfo=UTC)


class Rollback(Exception):
    pass


def made(person_with, unit):
    """Unsaved notifications and deliveries with every kind of value: Chinese text, nested
    data with a time, a decimal and a null, an empty subject, a webhook endpoint."""
    owner = person_with("complaint_handler", username="owner", email="owner@example.com")
    endpoint = WebhookEndpoint.objects.create(
        name="企业微信", url="https://hooks.example.com/x", created_at=AT, updated_at=AT
    )
    unit_type = ContentType.objects.get_for_model(unit).pk
    notifications = [
        Notification(
            recipient_id=owner.pk,
            kind="deadline.breached",
            title=f"时限已超时：首次联系 — 投诉 {n}",
            body="应于 2026-11-30 13:00 前完成，已超时 5 分钟。" if n % 2 else "",
            url=f"/complaints/{n}/",
            subject_type_id=None if n % 3 == 0 else unit_type,
            subject_id="" if n % 3 == 0 else str(unit.pk),
            data={"step": n, "at": AT + timedelta(seconds=n), "share": Decimal("0.25"), "x": None},
            created_at=AT,
        )
        for n in range(5)
    ]
    return notifications, endpoint


def test_it_writes_the_rows_bulk_create_writes(db, person_with, unit):
    """Issue 9 item 5: notifications and deliveries inserted by `rows_insert` (one JSON
    parameter on PostgreSQL) hold the same values as the same objects written by
    `bulk_create`, and get their primary keys in order."""
    notifications, endpoint = made(person_with, unit)

    def stored() -> list[dict]:
        rows = []
        for n in Notification.objects.order_by("pk").prefetch_related("deliveries"):
            row = model_to_dict(n, exclude=["id"])
            row["deliveries"] = [
                model_to_dict(d, exclude=["id", "notification"])
                for d in n.deliveries.order_by("pk")
            ]
            rows.append(row)
        return rows

    def deliveries_of(saved: list[Notification]) -> list[Delivery]:
        return [
            Delivery(
                notification_id=n.pk,
                channel=Delivery.Channel.WEBHOOK if i % 2 else Delivery.Channel.EMAIL,
                endpoint_id=endpoint.pk if i % 2 else None,
                status=Delivery.Status.SKIPPED if i == 4 else Delivery.Status.PENDING,
                error="没有电子邮件地址" if i == 4 else "",
                next_attempt_at=None if i == 4 else AT + timedelta(seconds=30),
                created_at=AT,
            )
            for i, n in enumerate(saved)
        ]

    try:
        with transaction.atomic():
            copies = [copy.copy(n) for n in notifications]
            Notification.objects.bulk_create(copies)
            Delivery.objects.bulk_create(deliveries_of(copies))
            expected = stored()
            raise Rollback
    except Rollback:
        pass
    assert not Notification.objects.exists()

    saved = rows_insert(notifications)
    deliveries = rows_insert(deliveries_of(saved))

    assert stored() == expected
    assert [n.pk for n in saved] == list(
        Notification.objects.order_by("pk").values_list("pk", flat=True)
    )
    assert all(not d._state.adding and d.pk for d in deliveries)
    assert [d.pk for d in deliveries] == sorted(d.pk for d in deliveries)


def test_it_tells_each_recipient_once_per_message_as_notify_does(db, person_with):
    """Issue 9 item 5, X-3: `notify_many` writes an inbox row per distinct active recipient
    of each message, with an e-mail delivery for a person with an address."""
    head = person_with("department_manager", username="head", email="head@example.com")
    leader = person_with("leadership", username="leader")
    with time_machine.travel(AT, tick=False):
        written = notify_many(
            [
                Message(recipients=[head, head, leader], kind="deadline.escalated", title="升级"),
                Message(recipients=[leader], kind="deadline.breached", title="超时"),
            ]
        )
    assert [(n.recipient_id, n.kind) for n in written] == [
        (head.pk, "deadline.escalated"),
        (leader.pk, "deadline.escalated"),
        (leader.pk, "deadline.breached"),
    ]
    assert set(Notification.objects.values_list("pk", flat=True)) == {n.pk for n in written}
    emails = Delivery.objects.filter(channel=Delivery.Channel.EMAIL)
    assert emails.filter(notification__recipient=head, status=Delivery.Status.PENDING).count() == 1
    assert (
        emails.filter(notification__recipient=leader, status=Delivery.Status.SKIPPED).count() == 2
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps any length")
def test_it_refuses_a_value_too_long_for_its_column_rather_than_cutting_it(db, person_with):
    """Issue 9 item 5: the bulk path is as strict as `bulk_create`: a value longer than its
    column is an error, never silently shortened, and nothing is written."""
    owner = person_with("complaint_handler", username="owner")
    too_long = Notification(
        recipient_id=owner.pk, kind="x" * 81, title="超时", data={}, created_at=AT
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        rows_insert([too_long])
    assert not Notification.objects.exists()
