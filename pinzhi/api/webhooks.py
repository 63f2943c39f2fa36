"""A signed webhook on every status change of a complaint (issue 8 item 5, CMP-2).

An integration (the hotline platform, the WeChat service account) learns that a case moved
on without polling: every step that changes a complaint's status sends a JSON POST, signed
like every Pinzhi webhook (`X-Pinzhi-Signature`, see `pinzhi.notify.transports`), to each
active webhook endpoint of the complaint's company (or global one) that subscribes to it.

Subscribing: the endpoint's kinds name `complaint.status` (every status change) or one kind
`complaint.status.<status>` (e.g. `complaint.status.resolved`). An endpoint with no kinds
(all notifications to people) or with `complaint` gets the people's notifications only: the
status webhook's body has another shape, so it is sent only where it was asked for. An
endpoint receives the changes made after it was created.

Body::

    {"id": 1234, "kind": "complaint.status.resolved", "event": "complaint.resolved",
     "at": "2026-11-23T09:30:00+00:00",
     "complaint": {"id": 7, "tracking_code": "TS23456789", "status": "resolved",
                   "status_label": "已解决", "external_id": "12345-0001",
                   "url": "https://pinzhi.example.com/complaints/7/"}}

`id` is the timeline event's id: the same change is sent again after a failure (back-off as
for notifications, 1 … 16 minutes, 6 attempts) with the same body; de-duplicate on it. No
personal data of the customer are sent; read the case with `GET /api/complaints/{code}`.

How: the complaint's timeline events are read after a cursor (`timeline.consumers`), never
its tables; each change makes one `StatusWebhook` row per subscribed endpoint, and the
every-minute task sends the due rows, each claimed with a conditional UPDATE.
"""

import json
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Max
from django.utils import translation

from pinzhi.api.models import StatusWebhook
from pinzhi.complaints.events import ComplaintEvent
from pinzhi.complaints.models import Complaint, Status
from pinzhi.lib import clock
from pinzhi.notify import transports
from pinzhi.notify.models import WebhookEndpoint
from pinzhi.notify.services import BACKOFF_MINUTES, MAX_ATTEMPTS, backoff
from pinzhi.timeline.consumers import events_consume
from pinzhi.timeline.models import Event, EventCursor

logger = logging.getLogger(__name__)

CONSUMER = "api.status_webhooks"
KIND = "complaint.status"
# The timeline events of the steps that change a complaint's status, and the status each
# leads to (complaints/workflow.py; a test checks that every step with a target is here).
STATUS_EVENTS: dict[str, str] = {
    ComplaintEvent.REGISTERED: Status.REGISTERED,
    ComplaintEvent.NOT_ESTABLISHED: Status.NOT_ESTABLISHED,
    ComplaintEvent.ROUTED: Status.ROUTED,
    ComplaintEvent.LETTER_ACKNOWLEDGED: Status.ACKNOWLEDGED,
    ComplaintEvent.ASSIGNED: Status.IN_PROGRESS,
    ComplaintEvent.RESOLVED: Status.RESOLVED,
    ComplaintEvent.CALLBACK_CONFIRMED: Status.CALLED_BACK,
    ComplaintEvent.REOPENED: Status.IN_PROGRESS,
    ComplaintEvent.CLOSED: Status.CLOSED,
}
# A row left SENDING this long belonged to a worker that died mid-attempt: sent again.
STALE_SENDING_AFTER = timedelta(minutes=15)
SEND_BATCH = 200
assert len(BACKOFF_MINUTES) >= MAX_ATTEMPTS - 1


def kind_of(status: str) -> str:
    return f"{KIND}.{status}"


def subscribes(endpoint: WebhookEndpoint, kind: str) -> bool:
    """Whether `endpoint` asked for status webhooks of `kind` (named explicitly)."""
    return any(
        (prefix == KIND or prefix.startswith(KIND + "."))
        and (kind == prefix or kind.startswith(prefix + "."))
        for prefix in endpoint.kinds
    )


def _subscribers() -> list[WebhookEndpoint]:
    return [
        e
        for e in WebhookEndpoint.objects.filter(active=True)
        if any(p == KIND or p.startswith(KIND + ".") for p in e.kinds)
    ]


def _start_cursor() -> None:
    """The first time: start after the events older than the first subscribing endpoint,
    so that switching the webhooks on does not send the whole history."""
    if EventCursor.objects.filter(name=CONSUMER).exists():
        return
    since = min((e.created_at for e in _subscribers()), default=clock.now())
    positions = {
        chain: seq
        for chain, seq in Event.objects.filter(at__lt=since)
        .values("chain")
        .annotate(last=Max("seq"))
        .values_list("chain", "last")
    }
    EventCursor.objects.get_or_create(name=CONSUMER, defaults={"positions": positions})


def payload(event: Event, complaint: Complaint, status: str) -> dict:
    origin = getattr(complaint, "api_origin", None)
    with translation.override(settings.LANGUAGE_CODE):
        label = str(dict(Status.choices)[status])
    return {
        "id": event.pk,
        "kind": kind_of(status),
        "event": event.action,
        "at": event.at.isoformat(),
        "complaint": {
            "id": complaint.pk,
            "tracking_code": complaint.tracking_code,
            "status": status,
            "status_label": label,
            "external_id": origin.external_id if origin is not None else "",
            "url": transports.absolute_url(complaint.get_absolute_url()),
        },
    }


def _plan(events: list[Event]) -> None:
    endpoints = _subscribers()
    if not endpoints:
        return
    ids = {int(e.object_id) for e in events if e.object_id.isdigit()}
    complaints = Complaint.objects.select_related("api_origin").in_bulk(ids)
    moment = clock.now()
    rows: list[StatusWebhook] = []
    for event in events:
        complaint = complaints.get(int(event.object_id)) if event.object_id.isdigit() else None
        if complaint is None:
            continue
        status = STATUS_EVENTS[event.action]
        kind = kind_of(status)
        body = payload(event, complaint, status)
        rows.extend(
            StatusWebhook(
                endpoint=endpoint,
                event_id=event.pk,
                kind=kind,
                payload=body,
                next_attempt_at=moment,
                created_at=moment,
            )
            for endpoint in endpoints
            if endpoint.company_id in (None, complaint.company_id)
            and event.at >= endpoint.created_at
            and subscribes(endpoint, kind)
        )
    StatusWebhook.objects.bulk_create(rows, ignore_conflicts=True)


def status_webhooks_plan(*, batch: int = 500) -> int:
    """Turn the complaints' status changes since the last call into webhook rows, exactly
    once (the timeline cursor); returns how many events were read."""
    _start_cursor()
    total = 0
    while True:
        read = events_consume(
            consumer=CONSUMER, kinds=list(STATUS_EVENTS), handler=_plan, batch=batch
        )
        total += read
        if read < batch:
            return total


def _claim(row: StatusWebhook, *, now: datetime) -> bool:
    return bool(
        StatusWebhook.objects.filter(pk=row.pk, state=row.state, attempts=row.attempts).update(
            state=StatusWebhook.State.SENDING,
            attempts=row.attempts + 1,
            next_attempt_at=now + STALE_SENDING_AFTER,
        )
    )


def status_webhook_attempt(*, row: StatusWebhook, now: datetime) -> StatusWebhook:
    """One attempt of a claimed row: sent, or scheduled again with back-off, or given up
    after MAX_ATTEMPTS."""
    endpoint = row.endpoint
    attempts = row.attempts + 1
    if not endpoint.active:
        outcome = transports.Outcome(ok=False, error="endpoint deactivated")
        attempts = MAX_ATTEMPTS
    else:
        body = json.dumps(
            row.payload, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
        ).encode("utf-8")
        outcome = transports.webhook_post(
            url=endpoint.url, secret=endpoint.secret, body=body, delivery_id=row.pk, now=now
        )
    row.attempts = attempts
    row.response_code = outcome.response_code
    row.error = outcome.error
    if outcome.ok:
        row.state, row.sent_at = StatusWebhook.State.SENT, now
    elif attempts >= MAX_ATTEMPTS:
        row.state = StatusWebhook.State.GAVE_UP
        logger.warning("status webhook %s gave up: %s", row.pk, outcome.detail or outcome.error)
    else:
        row.state, row.next_attempt_at = StatusWebhook.State.PENDING, now + backoff(attempts)
    row.save(
        update_fields=["attempts", "response_code", "error", "state", "sent_at", "next_attempt_at"]
    )
    return row


def status_webhooks_send(*, now: datetime | None = None) -> dict:
    """Send the due status webhooks (a pending row whose time has come, or a SENDING row
    whose worker died); each is claimed first, so it is sent once."""
    moment = now or clock.now()
    due = StatusWebhook.objects.filter(
        state__in=[StatusWebhook.State.PENDING, StatusWebhook.State.SENDING],
        next_attempt_at__lte=moment,
    ).select_related("endpoint")
    counts = {"sent": 0, "failed": 0}
    for row in list(due.order_by("next_attempt_at", "pk")[:SEND_BATCH]):
        if not _claim(row, now=moment):
            continue
        row = status_webhook_attempt(row=row, now=moment)
        counts["sent" if row.state == StatusWebhook.State.SENT else "failed"] += 1
    return counts
