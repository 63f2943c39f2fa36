"""Background work of the API (issue 8 item 5).

- `pinzhi.api.tasks.status_webhooks`: every minute, the complaints' status changes go out as
  signed webhooks to the endpoints subscribed to them (and the failed ones are retried).
- `pinzhi.api.tasks.idempotency_purge`: every hour, Idempotency-Keys older than
  PINZHI_API_IDEMPOTENCY_HOURS are forgotten.
"""

from django.tasks import task

from pinzhi.api import services, webhooks


@task
def status_webhooks() -> dict:
    planned = webhooks.status_webhooks_plan()
    return {"events": planned, **webhooks.status_webhooks_send()}


@task
def idempotency_purge() -> int:
    return services.idempotency_purge()
