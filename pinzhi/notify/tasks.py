"""Background work of notifications (X-3).

- `pinzhi.notify.tasks.delivery_send`: one e-mail or webhook attempt, enqueued by
  `notify()` once the caller's transaction commits.
- `pinzhi.notify.tasks.notices_write`: the notifications of a `notifications_deferred` block
  (a registration through the API), written after the request's commit.
- `pinzhi.notify.tasks.deliveries_retry_due`: the every-minute sweep that the clock
  enqueues; it sends the attempts whose back-off has passed.
"""

from datetime import datetime

from django.tasks import task

from pinzhi.notify import services


@task
def delivery_send(delivery_id: int) -> str | None:
    """Make the first attempt of one delivery (X-3); a row another worker claimed is left
    alone."""
    delivery = services.delivery_send(delivery_id=delivery_id)
    return delivery.status if delivery is not None else None


@task
def deliveries_retry_due(now: str | None = None) -> dict:
    """Send every due delivery attempt (X-3). `now` is an optional ISO 8601 time, for the
    clock to pass the minute it enqueued; without it the current time is used."""
    return services.deliveries_retry_due(now=datetime.fromisoformat(now) if now else None)


@task
def notices_write(notices: list[dict]) -> int:
    """Write the notifications and deliveries a request kept for the worker (issue 9 item
    2); returns how many notifications."""
    return services.notices_write(notices=notices)
