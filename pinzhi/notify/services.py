"""Notifications (X-3): every deadline and escalation reaches people in the application, by
e-mail, and through a webhook that a WeChat/SMS gateway consumes.

Other apps call one function::

    from pinzhi.notify.services import notify
    notify(recipients=[handler], kind="deadline.breached", title=..., url=..., subject=deadline)

It writes one inbox row per person inside the caller's transaction and, once that commits,
enqueues one task per e-mail/webhook delivery the people chose. A failed attempt is logged
and the next one is scheduled with back-off; `deliveries_retry_due` (run every minute by the
clock) sends the due ones.
"""

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import partial

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from pinzhi.lib import clock
from pinzhi.lib.errors import DomainError
from pinzhi.notify import targets, transports
from pinzhi.notify.models import (
    KIND_PATTERN,
    ChannelPreference,
    Delivery,
    Notification,
    WebhookEndpoint,
    new_secret,
)
from pinzhi.orgs.models import Company, Person

logger = logging.getLogger(__name__)

# Operational settings, not regulation figures: how often a failed delivery is retried.
MAX_ATTEMPTS = 6
BACKOFF_MINUTES = (1, 2, 4, 8, 16)
# A first attempt is sent by its own task at once; the retry sweep takes it over only when
# no worker did within this grace (a lost task, a worker that was down).
FIRST_ATTEMPT_GRACE = timedelta(minutes=2)
# A row left SENDING this long belonged to a worker that died mid-attempt.
STALE_SENDING_AFTER = timedelta(minutes=15)
# One sweep stops claiming new rows after this long, so a dead gateway cannot hold it.
SWEEP_BUDGET = timedelta(seconds=45)
SWEEP_BATCH = 200

ERR_KIND = _(
    "A notification kind is lower-case words joined by dots, such as “deadline.breached”; "
    "“%(kind)s” is not."
)
ERR_TITLE = _("A notification needs a title.")
ERR_URL_TOO_LONG = _("A notification link is at most 500 characters long.")
ERR_DATA = _("The data of a notification must be a dictionary.")
ERR_ENDPOINT_NAME_TAKEN = _("Another webhook endpoint is already called “%(name)s”.")
ERR_ENDPOINT_NOT_PUBLIC = _(
    "“%(host)s” is not a public internet address (it is or resolves to a loopback, private, "
    "link-local, reserved or cloud metadata address). Webhooks may only go to public "
    "addresses; the operator can allow a named internal host."
)
ERR_ENDPOINT_BAD_URL = _("This URL cannot receive webhooks: enter an http or https address.")
NOTE_NO_EMAIL = _("Skipped: the person has no e-mail address.")
NOTE_ENDPOINT_INACTIVE = _("Skipped: the webhook endpoint was deactivated.")
NOTE_INTERRUPTED = _("The worker stopped during this attempt; the result is unknown.")
TEST_TITLE = _("Test message from Pinzhi")
TEST_BODY = _("If your gateway shows this, the webhook “%(name)s” works.")


def backoff(attempt: int) -> timedelta:
    """How long after failed attempt number `attempt` the next one is made."""
    return timedelta(minutes=BACKOFF_MINUTES[min(attempt, len(BACKOFF_MINUTES)) - 1])


def notify(
    *,
    recipients: Iterable,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    subject: Model | None = None,
    data: dict | None = None,
) -> list[Notification]:
    """X-3: notify `recipients` (duplicates and inactive people dropped) in the inbox, and
    over the e-mail and webhook channels each person chose, once the caller commits.

    Inside a `notifications_deferred` block nothing is written here: the notice is checked
    and kept for the block's one task, which writes the same rows in the worker (the
    returned list is then empty)."""
    if not isinstance(kind, str) or not KIND_PATTERN.match(kind):
        raise ValueError(ERR_KIND % {"kind": kind})
    title = Truncator(str(title).strip()).chars(200)
    if not title:
        raise ValueError(ERR_TITLE)
    url = str(url or "")
    if len(url) > 500:
        raise ValueError(ERR_URL_TOO_LONG)
    if data is not None and not isinstance(data, dict):
        raise ValueError(ERR_DATA)
    people = _distinct_active(recipients)
    if not people:
        return []
    subject_type, subject_id = None, ""
    if subject is not None:
        subject_type, subject_id = ContentType.objects.get_for_model(subject), str(subject.pk)
    now = clock.now()
    deferred = _DEFERRED.get()
    if deferred is not None:
        deferred.append(
            {
                "recipient_ids": [person.pk for person in people],
                "kind": kind,
                "title": title,
                "body": str(body or ""),
                "url": url,
                "subject_type_id": subject_type.pk if subject_type else None,
                "subject_id": subject_id,
                "data": dict(data or {}),
                "created_at": now.isoformat(),
            }
        )
        return []
    return _notifications_write(
        people,
        kind=kind,
        title=title,
        body=str(body or ""),
        url=url,
        subject_type_id=subject_type.pk if subject_type else None,
        subject_id=subject_id,
        data=dict(data or {}),
        now=now,
    )


def _notifications_write(
    people: list[Person],
    *,
    kind: str,
    title: str,
    body: str,
    url: str,
    subject_type_id: int | None,
    subject_id: str,
    data: dict,
    now: datetime,
) -> list[Notification]:
    """The inbox rows of one notice and their deliveries; the sends enqueued on commit."""
    with transaction.atomic():
        notifications = Notification.objects.bulk_create(
            Notification(
                recipient=person,
                kind=kind,
                title=title,
                body=body,
                url=url,
                subject_type_id=subject_type_id,
                subject_id=subject_id,
                data=data,
                created_at=now,
            )
            for person in people
        )
        deliveries = Delivery.objects.bulk_create(
            planned_deliveries(notifications, {p.pk: p for p in people}, now=now)
        )
        pending = [d.pk for d in deliveries if d.status == Delivery.Status.PENDING]
        if pending:
            transaction.on_commit(partial(_enqueue_sends, pending))
    return notifications


# The notices of the innermost `notifications_deferred` block.
_DEFERRED: ContextVar[list[dict] | None] = ContextVar("notify_deferred", default=None)


@contextmanager
def notifications_deferred() -> Iterator[None]:
    """Have the worker write the notifications of the block (issue 9 item 2): every
    `notify` in it is checked at once (its kind, title, link and recipients, active now),
    and when the block ends one task row (`notify.tasks.notices_write`) is written in the
    caller's transaction: committed with it, run by the worker after the commit, never if
    the transaction rolls back. The worker then writes the same notifications and
    deliveries `notify` would have written, with the time of the notice, so the request
    writes neither the inbox rows nor the deliveries nor reads the channel preferences."""
    notices: list[dict] = []
    token = _DEFERRED.set(notices)
    try:
        yield
    finally:
        _DEFERRED.reset(token)
    if notices:
        from pinzhi.notify.tasks import notices_write

        notices_write.enqueue(notices)


def notices_write(*, notices: list[dict]) -> int:
    """Write the notifications a `notifications_deferred` block kept (the worker's half):
    the same rows `notify` writes, for the recipients chosen then that still exist.
    Returns how many notifications were written."""
    ids = {pk for notice in notices for pk in notice["recipient_ids"]}
    people = Person.objects.in_bulk(ids)
    written = 0
    with transaction.atomic():
        for notice in notices:
            recipients = [people[pk] for pk in notice["recipient_ids"] if pk in people]
            if not recipients:
                continue
            written += len(
                _notifications_write(
                    recipients,
                    kind=notice["kind"],
                    title=notice["title"],
                    body=notice["body"],
                    url=notice["url"],
                    subject_type_id=notice["subject_type_id"],
                    subject_id=notice["subject_id"],
                    data=notice["data"],
                    now=datetime.fromisoformat(notice["created_at"]),
                )
            )
    return written


def _distinct_active(recipients: Iterable) -> list:
    seen, people = set(), []
    for person in recipients or ():
        if person is None or person.pk in seen or not person.is_active:
            continue
        seen.add(person.pk)
        people.append(person)
    return people


def planned_deliveries(
    notifications: list[Notification], people: dict[int, Person], *, now: datetime
) -> list[Delivery]:
    """The deliveries of `notifications` (of any kinds) to `people` (their recipients by
    pk): by e-mail and to the webhooks each person's channel preferences choose, with the
    preferences and the endpoints read once (`notify()` and the sweep's `notify_many`)."""
    chosen: dict[int, ChannelPreference] = {}
    ids = sorted(people)
    for start in range(0, len(ids), 1000):
        chosen.update(
            (p.person_id, p)
            for p in ChannelPreference.objects.filter(person__in=ids[start : start + 1000])
        )
    preferences = {pk: chosen.get(pk) or preference_default(p) for pk, p in people.items()}
    endpoints = list(WebhookEndpoint.objects.filter(active=True))
    accepting: dict[str, list[WebhookEndpoint]] = {}
    planned = []
    for notification in notifications:
        person = people[notification.recipient_id]
        if notification.kind not in accepting:
            accepting[notification.kind] = [e for e in endpoints if e.accepts(notification.kind)]
        preference = preferences[person.pk]
        common = {"notification_id": notification.pk, "created_at": now, "attempt": 1}
        if preference.email:
            if person.email:
                planned.append(
                    Delivery(
                        channel=Delivery.Channel.EMAIL,
                        next_attempt_at=now + FIRST_ATTEMPT_GRACE,
                        **common,
                    )
                )
            else:
                planned.append(
                    Delivery(
                        channel=Delivery.Channel.EMAIL,
                        status=Delivery.Status.SKIPPED,
                        error=str(NOTE_NO_EMAIL),
                        **common,
                    )
                )
        if preference.webhook:
            planned.extend(
                Delivery(
                    channel=Delivery.Channel.WEBHOOK,
                    endpoint_id=endpoint.pk,
                    next_attempt_at=now + FIRST_ATTEMPT_GRACE,
                    **common,
                )
                for endpoint in accepting[notification.kind]
                if endpoint.company_id is None or endpoint.company_id == person.company_id
            )
    return planned


def _enqueue_sends(delivery_ids: list[int]) -> None:
    from pinzhi.notify.tasks import delivery_send as delivery_send_task

    for delivery_id in delivery_ids:
        try:
            delivery_send_task.enqueue(delivery_id)
        except Exception:
            # The rows are committed as PENDING: the retry sweep sends them after the grace.
            logger.exception("could not enqueue notification delivery %s", delivery_id)


def preference_default(person: Person) -> ChannelPreference:
    """The unsaved preference a person has before choosing (the model's defaults)."""
    return ChannelPreference(person=person)


def preference_update(*, person: Person, email: bool, webhook: bool) -> ChannelPreference:
    """X-3: each person chooses the channels besides the inbox, which is always on."""
    preference, _created = ChannelPreference.objects.update_or_create(
        person=person,
        defaults={"email": bool(email), "webhook": bool(webhook), "updated_at": clock.now()},
    )
    return preference


def notification_mark_read(*, person: Person, notification: Notification) -> Notification:
    """Mark one of `person`'s notifications read (X-3). Someone else's is not found."""
    if notification.recipient_id != person.pk:
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = clock.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, person: Person) -> int:
    """Mark every unread notification of `person` read (X-3); returns how many."""
    return Notification.objects.filter(recipient=person, read_at__isnull=True).update(
        read_at=clock.now()
    )


# Deliveries -------------------------------------------------------------------------------


def delivery_claim(*, delivery_id: int, now: datetime, due_only: bool = False) -> bool:
    """Take a PENDING attempt for this worker with a conditional UPDATE: of any number of
    workers claiming the same row, exactly one gets True."""
    rows = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING)
    if due_only:
        rows = rows.filter(next_attempt_at__lte=now)
    return rows.update(status=Delivery.Status.SENDING, claimed_at=now) == 1


def delivery_send(
    *,
    delivery_id: int,
    due_only: bool = False,
    retry: bool = True,
    allow_inactive: bool = False,
) -> Delivery | None:
    """X-3: make one delivery attempt if this worker can claim it; returns the logged row,
    or None when another worker has it (or had it). No database transaction is held open
    while the mail server or the gateway is talked to."""
    if not delivery_claim(delivery_id=delivery_id, now=clock.now(), due_only=due_only):
        return None
    delivery = Delivery.objects.select_related("notification__recipient", "endpoint").get(
        pk=delivery_id
    )
    return _attempt(delivery, retry=retry, allow_inactive=allow_inactive)


def _attempt(delivery: Delivery, *, retry: bool, allow_inactive: bool = False) -> Delivery:
    notification = delivery.notification
    if delivery.channel == Delivery.Channel.EMAIL:
        address = notification.recipient.email
        if not address:
            return _finish(delivery, status=Delivery.Status.SKIPPED, error=str(NOTE_NO_EMAIL))
        outcome = transports.email_send(notification=notification, address=address)
    else:
        endpoint = delivery.endpoint
        if endpoint is None or (not endpoint.active and not allow_inactive):
            return _finish(
                delivery, status=Delivery.Status.SKIPPED, error=str(NOTE_ENDPOINT_INACTIVE)
            )
        outcome = transports.webhook_post(
            url=endpoint.url,
            secret=endpoint.secret,
            body=transports.webhook_body(notification),
            delivery_id=delivery.pk,
            now=clock.now(),
        )
    if not outcome.ok:
        logger.warning(
            "notification delivery %s failed: %s", delivery.pk, outcome.detail or outcome.error
        )
    return delivery_record(delivery=delivery, outcome=outcome, retry=retry)


def _finish(delivery: Delivery, *, status: str, error: str = "") -> Delivery:
    delivery.status = status
    delivery.error = error
    delivery.next_attempt_at = None
    delivery.save(update_fields=["status", "error", "next_attempt_at"])
    return delivery


@transaction.atomic
def delivery_record(
    *, delivery: Delivery, outcome: transports.Outcome, retry: bool = True
) -> Delivery:
    """X-3: log the outcome of a claimed attempt. A failure before the last allowed attempt
    schedules the next one (back-off 1, 2, 4, 8, 16 minutes) as a new PENDING row; the last
    one that fails is GAVE_UP."""
    now = clock.now()
    delivery.response_code = outcome.response_code
    delivery.error = outcome.error[:2000]
    delivery.detail = outcome.detail[:2000]
    delivery.next_attempt_at = None
    if outcome.ok:
        delivery.status = Delivery.Status.SENT
        delivery.sent_at = now
    elif retry and delivery.attempt < MAX_ATTEMPTS:
        delivery.status = Delivery.Status.FAILED
        delivery.next_attempt_at = now + backoff(delivery.attempt)
        Delivery.objects.create(
            notification=delivery.notification,
            channel=delivery.channel,
            endpoint=delivery.endpoint,
            attempt=delivery.attempt + 1,
            created_at=now,
            next_attempt_at=delivery.next_attempt_at,
        )
    elif retry:
        delivery.status = Delivery.Status.GAVE_UP
    else:
        delivery.status = Delivery.Status.FAILED
    delivery.save(
        update_fields=["status", "response_code", "error", "detail", "next_attempt_at", "sent_at"]
    )
    return delivery


def deliveries_retry_due(*, now: datetime | None = None) -> dict:
    """X-3: send every attempt whose time has come (retries, and first attempts whose task
    was lost), each claimed with a conditional UPDATE so that overlapping sweeps never send
    the same attempt twice. Attempts abandoned by a dead worker count as failed."""
    now = now or clock.now()
    recovered = _recover_interrupted(now=now)
    due = list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    counts = {"due": len(due), "sent": 0, "failed": 0, "other": 0, "interrupted": recovered}
    started = clock.now()
    for delivery_id in due:
        if clock.now() - started > SWEEP_BUDGET:
            break
        if not delivery_claim(delivery_id=delivery_id, now=now, due_only=True):
            continue
        delivery = Delivery.objects.select_related("notification__recipient", "endpoint").get(
            pk=delivery_id
        )
        delivery = _attempt(delivery, retry=True)
        if delivery.status == Delivery.Status.SENT:
            counts["sent"] += 1
        elif delivery.status in (Delivery.Status.FAILED, Delivery.Status.GAVE_UP):
            counts["failed"] += 1
        else:
            counts["other"] += 1
    return counts


def _recover_interrupted(*, now: datetime) -> int:
    recovered = 0
    stale = Delivery.objects.filter(
        status=Delivery.Status.SENDING, claimed_at__lt=now - STALE_SENDING_AFTER
    ).values_list("pk", "claimed_at")
    for delivery_id, claimed_at in list(stale[:SWEEP_BATCH]):
        taken = Delivery.objects.filter(
            pk=delivery_id, status=Delivery.Status.SENDING, claimed_at=claimed_at
        ).update(claimed_at=now)
        if taken:
            delivery = Delivery.objects.select_related("notification", "endpoint").get(
                pk=delivery_id
            )
            delivery_record(
                delivery=delivery, outcome=transports.Outcome(ok=False, error=str(NOTE_INTERRUPTED))
            )
            recovered += 1
    return recovered


# Webhook endpoints ------------------------------------------------------------------------


class WebhookError(DomainError):
    """A webhook endpoint that cannot be saved, with the field and the reason."""

    code = "webhook_refused"
    status = 422


def _check_endpoint(endpoint: WebhookEndpoint) -> None:
    clash = WebhookEndpoint.objects.filter(
        name=endpoint.name,
        company_id=endpoint.company_id,  # type: ignore[misc]  # None: the shared endpoints
    ).exclude(pk=endpoint.pk)
    if clash.exists():
        raise WebhookError(ERR_ENDPOINT_NAME_TAKEN, field="name", name=endpoint.name)
    for prefix in endpoint.kinds:
        if not KIND_PATTERN.match(prefix):
            raise WebhookError(ERR_KIND, field="kinds", kind=prefix)
    try:
        endpoint.full_clean(exclude=["name"])
    except ValidationError as error:
        raise WebhookError.from_validation_error(error) from None
    _check_target(endpoint.url)


def _check_target(url: str) -> None:
    """Issue 6 item 5: refuse, with a WebhookError on `url`, a URL that is or resolves to an
    address a webhook may not reach. A name that does not resolve now is accepted: every delivery
    checks again."""
    try:
        targets.target_check(url)
    except targets.TargetRefused as refused:
        if refused.kind == targets.REFUSED_ADDRESS:
            raise WebhookError(
                ERR_ENDPOINT_NOT_PUBLIC, field="url", code="not_public", host=refused.host
            ) from None
        if refused.kind == targets.REFUSED_URL:
            raise WebhookError(ERR_ENDPOINT_BAD_URL, field="url", code="bad_url") from None


@transaction.atomic
def webhook_endpoint_create(
    *,
    name: str,
    url: str,
    kinds: list[str],
    secret: str = "",
    active: bool = True,
    company: Company | None = None,
) -> WebhookEndpoint:
    """X-3: the quality department registers a gateway (WeChat/SMS) endpoint. A secret is
    generated when none is given. With a `company` (ORG-2) it receives only the
    notifications of that company's people; without one it is a global gateway."""
    now = clock.now()
    endpoint = WebhookEndpoint(
        company=company,
        name=name.strip(),
        url=url.strip(),
        kinds=list(kinds),
        secret=secret.strip() or new_secret(),
        active=active,
        created_at=now,
        updated_at=now,
    )
    _check_endpoint(endpoint)
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    name: str,
    url: str,
    kinds: list[str],
    secret: str = "",
    active: bool = True,
) -> WebhookEndpoint:
    """X-3: change an endpoint; an empty `secret` keeps the current one."""
    endpoint.name = name.strip()
    endpoint.url = url.strip()
    endpoint.kinds = list(kinds)
    endpoint.secret = secret.strip() or endpoint.secret
    endpoint.active = active
    endpoint.updated_at = clock.now()
    _check_endpoint(endpoint)
    endpoint.save()
    return endpoint


def webhook_endpoint_set_active(*, endpoint: WebhookEndpoint, active: bool) -> WebhookEndpoint:
    """X-3: deactivate (or reactivate) an endpoint; its pending attempts are then skipped.
    Endpoints are never deleted, so the delivery log keeps them."""
    endpoint.active = active
    endpoint.updated_at = clock.now()
    endpoint.save(update_fields=["active", "updated_at"])
    return endpoint


def webhook_endpoint_test(*, endpoint: WebhookEndpoint, actor: Person) -> Delivery:
    """X-3: send a test notification addressed to `actor` to `endpoint` now (even if it is
    inactive, so it can be tried before it is switched on). Logged, never retried."""
    now = clock.now()
    with transaction.atomic():
        notification = Notification.objects.create(
            recipient=actor,
            kind="notify.test",
            title=str(TEST_TITLE),
            body=str(TEST_BODY % {"name": endpoint.name}),
            url="",
            created_at=now,
        )
        delivery = Delivery.objects.create(
            notification=notification,
            channel=Delivery.Channel.WEBHOOK,
            endpoint=endpoint,
            created_at=now,
        )
    sent = delivery_send(delivery_id=delivery.pk, retry=False, allow_inactive=True)
    # None only if another worker took the attempt first: then its row tells the outcome.
    return sent if sent is not None else Delivery.objects.get(pk=delivery.pk)
