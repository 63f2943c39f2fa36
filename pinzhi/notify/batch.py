"""Notifications written in bulk (X-3, issue 9 item 5): the deadline sweep tells the people of
thousands of steps at once. `notify_many` writes exactly the inbox rows and delivery rows
that one `notify()` call per message would write, with one query per table for the whole
batch, and hands the first attempts to the worker in chunks once the caller commits.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.tasks import task
from django.utils.text import Truncator

from pinzhi.lib import clock
from pinzhi.lib.bulk import rows_insert
from pinzhi.notify.models import (
    KIND_PATTERN,
    Delivery,
    Notification,
)
from pinzhi.notify.services import (
    ERR_DATA,
    ERR_KIND,
    ERR_TITLE,
    ERR_URL_TOO_LONG,
    _distinct_active,
    delivery_send,
    planned_deliveries,
)

logger = logging.getLogger(__name__)

# First attempts handed to one worker task: a task per delivery would write a task row per
# delivery; a chunk keeps the queue short while several workers still share the sending.
SEND_CHUNK = 100


@dataclass
class Message:
    """One `notify()` call's worth: the same arguments."""

    recipients: Iterable
    kind: str
    title: str
    body: str = ""
    url: str = ""
    subject: Model | None = None
    data: dict | None = field(default=None)


def _checked(message: Message) -> tuple[str, str, str]:
    if not isinstance(message.kind, str) or not KIND_PATTERN.match(message.kind):
        raise ValueError(ERR_KIND % {"kind": message.kind})
    title = Truncator(str(message.title).strip()).chars(200)
    if not title:
        raise ValueError(ERR_TITLE)
    url = str(message.url or "")
    if len(url) > 500:
        raise ValueError(ERR_URL_TOO_LONG)
    if message.data is not None and not isinstance(message.data, dict):
        raise ValueError(ERR_DATA)
    return message.kind, title, url


def notify_many(messages: Iterable[Message]) -> list[Notification]:
    """X-3, issue 9 item 5: what `notify(**m)` does for each message `m`, in bulk: inbox rows
    for the distinct active recipients of each message, a delivery row per channel each
    person chose (e-mail, or a skipped one without an address; each active webhook endpoint
    that accepts the kind and serves the person's company), and, once the caller commits,
    the first attempts sent by the worker."""
    now = clock.now()
    notifications: list[Notification] = []
    people: dict[int, Any] = {}
    content_types: dict[type, ContentType] = {}
    for message in messages:
        kind, title, url = _checked(message)
        recipients = _distinct_active(message.recipients)
        if not recipients:
            continue
        subject_type_id, subject_id = None, ""
        if message.subject is not None:
            model = type(message.subject)
            if model not in content_types:
                content_types[model] = ContentType.objects.get_for_model(message.subject)
            subject_type_id, subject_id = content_types[model].pk, str(message.subject.pk)
        body, data = str(message.body or ""), dict(message.data or {})
        for person in recipients:
            people[person.pk] = person
            notifications.append(
                Notification(
                    recipient_id=person.pk,
                    kind=kind,
                    title=title,
                    body=body,
                    url=url,
                    subject_type_id=subject_type_id,
                    subject_id=subject_id,
                    data=dict(data),
                    created_at=now,
                )
            )
    if not notifications:
        return []
    with transaction.atomic():
        rows_insert(notifications)
        deliveries = planned_deliveries(notifications, people, now=now)
        rows_insert(deliveries)
        pending = [d.pk for d in deliveries if d.status == Delivery.Status.PENDING]
        if pending:
            transaction.on_commit(partial(_enqueue_chunks, pending))
    for notification in notifications:
        notification.recipient = people[notification.recipient_id]
    return notifications


def _enqueue_chunks(delivery_ids: list[int]) -> None:
    for start in range(0, len(delivery_ids), SEND_CHUNK):
        chunk = delivery_ids[start : start + SEND_CHUNK]
        try:
            deliveries_send.enqueue(chunk)
        except Exception:
            # The rows are committed as PENDING: the retry sweep sends them after the grace.
            logger.exception("could not enqueue %s notification deliveries", len(chunk))


@task
def deliveries_send(delivery_ids: list[int]) -> dict:
    """Make the first attempt of each of these deliveries (X-3); a row another worker
    claimed (the retry sweep after the grace) is left alone."""
    counts: dict[str, int] = {}
    for delivery_id in delivery_ids:
        try:
            delivery = delivery_send(delivery_id=delivery_id)
        except Exception:
            # Claimed and left SENDING: the retry sweep recovers it as interrupted.
            logger.exception("notification delivery %s failed", delivery_id)
            status = "error"
        else:
            status = delivery.status if delivery is not None else "taken"
        counts[status] = counts.get(status, 0) + 1
    return counts
