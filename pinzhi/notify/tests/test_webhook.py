"""X-3: the webhook a WeChat/SMS gateway consumes: signed JSON, retries with back-off, a
delivery log, and no attempt sent twice."""

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from pinzhi.notify import services, transports
from pinzhi.notify.models import Delivery
from pinzhi.notify.services import notify
from pinzhi.notify.tasks import deliveries_retry_due

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


@pytest.fixture
def handler(person_with):
    return person_with(
        "complaint_handler", username="zhangsan", full_name="张三", phone="13800000000"
    )


def _webhook_attempts():
    return list(Delivery.objects.filter(channel=Delivery.Channel.WEBHOOK).order_by("attempt"))


def test_it_posts_a_signed_payload_the_gateway_can_verify(
    handler,
    gateway,
    endpoint_for,
    immediate_tasks,
    django_capture_on_commit_callbacks,
    settings,
    clock,
):
    """X-3: the body carries the notification and the recipient; the HMAC verifies."""
    settings.PINZHI_SITE_URL = "https://pinzhi.example.com"
    server = gateway()
    endpoint_for(server)

    with django_capture_on_commit_callbacks(execute=True):
        (notification,) = notify(
            recipients=[handler],
            kind="deadline.escalated",
            title="升级：投诉超时",
            body="请处理",
            url="/complaints/7/",
            data={"complaint": 7, "step": 2},
        )

    (request,) = server.requests
    assert request.verified
    assert request.json == {
        "id": notification.pk,
        "kind": "deadline.escalated",
        "title": "升级：投诉超时",
        "body": "请处理",
        "url": "https://pinzhi.example.com/complaints/7/",
        "recipient": {"username": "zhangsan", "full_name": "张三", "phone": "13800000000"},
        "data": {"complaint": 7, "step": 2},
        "created_at": "2026-03-02T08:00:00+00:00",
    }
    (delivery,) = _webhook_attempts()
    assert request.headers["X-Pinzhi-Delivery"] == str(delivery.pk)
    assert request.headers["X-Pinzhi-Timestamp"] == str(int(START.timestamp()))
    assert delivery.status == Delivery.Status.SENT
    assert delivery.response_code == 200


def test_it_signs_with_the_endpoints_own_secret(handler, gateway, endpoint_for):
    """X-3: a gateway holding another secret rejects the request, and it is logged."""
    server = gateway(secret="the-gateway-expects-this")
    endpoint = endpoint_for(server)
    endpoint.secret = "but-pinzhi-has-this"
    endpoint.save()
    notify(recipients=[handler], kind="deadline.breached", title="t")
    (delivery,) = _webhook_attempts()

    services.delivery_send(delivery_id=delivery.pk)

    assert server.requests[0].verified is False
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code) == (Delivery.Status.FAILED, 401)


def test_the_documented_recipe_matches_the_signature():
    body = json.dumps({"id": 1}).encode()
    expected = "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()
    assert transports.sign("k", body) == expected


def test_it_retries_after_a_failure_and_then_succeeds(
    handler, gateway, endpoint_for, immediate_tasks, django_capture_on_commit_callbacks, clock
):
    """X-3: a 500 is logged, the next attempt waits 1 minute, then the 200 is logged."""
    server = gateway(statuses=[500])
    endpoint_for(server)

    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[handler], kind="deadline.breached", title="t")

    first, second = _webhook_attempts()
    assert (first.status, first.response_code) == (Delivery.Status.FAILED, 500)
    assert "gateway trouble" in first.detail
    assert first.next_attempt_at == START + timedelta(minutes=1)
    assert (second.attempt, second.status) == (2, Delivery.Status.PENDING)

    clock.shift(timedelta(seconds=59))
    deliveries_retry_due.call()
    assert len(server.requests) == 1

    clock.shift(timedelta(seconds=1))
    result = deliveries_retry_due.call()

    assert result["sent"] == 1
    second.refresh_from_db()
    assert (second.status, second.response_code) == (Delivery.Status.SENT, 200)
    assert len(server.requests) == 2
    assert server.requests[0].body == server.requests[1].body


def test_it_backs_off_exponentially_and_gives_up(handler, gateway, endpoint_for, clock):
    """X-3: attempts after 1, 2, 4, 8 and 16 minutes; the 6th failure gives up."""
    server = gateway(statuses=[503] * 10)
    endpoint_for(server)
    notify(recipients=[handler], kind="deadline.breached", title="t")
    (first,) = _webhook_attempts()
    services.delivery_send(delivery_id=first.pk)

    for wait in (1, 2, 4, 8, 16):
        clock.shift(timedelta(minutes=wait) - timedelta(seconds=1))
        services.deliveries_retry_due()
        assert len(server.requests) == len(_webhook_attempts()) - 1, "sent too early"
        clock.shift(timedelta(seconds=1))
        services.deliveries_retry_due()

    attempts = _webhook_attempts()
    assert [a.attempt for a in attempts] == [1, 2, 3, 4, 5, 6]
    assert [a.status for a in attempts] == ["failed"] * 5 + ["gave_up"]
    assert attempts[-1].next_attempt_at is None
    assert len(server.requests) == services.MAX_ATTEMPTS

    clock.shift(timedelta(hours=1))
    services.deliveries_retry_due()
    assert len(server.requests) == services.MAX_ATTEMPTS


def test_two_overlapping_sweeps_send_an_attempt_once(
    handler, gateway, endpoint_for, clock, monkeypatch
):
    """X-3: a second sweep that starts while the first is sending does not send again."""
    server = gateway()
    endpoint_for(server)
    notify(recipients=[handler], kind="deadline.breached", title="t")
    clock.shift(services.FIRST_ATTEMPT_GRACE)

    real_post = transports.webhook_post
    inner_results = []

    def post_while_another_sweep_runs(**kwargs):
        if not inner_results:
            inner_results.append(services.deliveries_retry_due())
        return real_post(**kwargs)

    monkeypatch.setattr(transports, "webhook_post", post_while_another_sweep_runs)
    outer = services.deliveries_retry_due()

    assert inner_results[0]["due"] == 0
    assert outer["sent"] == 1
    assert len(server.requests) == 1


def test_a_row_is_claimed_by_exactly_one_caller(handler, gateway, endpoint_for, clock):
    """X-3: the conditional UPDATE lets one of several claims win."""
    endpoint_for(gateway())
    notify(recipients=[handler], kind="deadline.breached", title="t")
    (delivery,) = _webhook_attempts()
    clock.shift(services.FIRST_ATTEMPT_GRACE)

    claims = [
        services.delivery_claim(delivery_id=delivery.pk, now=services.clock.now(), due_only=True)
        for _ in range(3)
    ]

    assert claims == [True, False, False]
    assert services.delivery_send(delivery_id=delivery.pk) is None


def test_the_sweep_sends_a_first_attempt_whose_task_was_lost(handler, gateway, endpoint_for, clock):
    server = gateway()
    endpoint_for(server)
    notify(recipients=[handler], kind="deadline.breached", title="t")

    services.deliveries_retry_due()
    assert server.requests == []

    clock.shift(services.FIRST_ATTEMPT_GRACE)
    services.deliveries_retry_due()
    assert len(server.requests) == 1


def test_an_attempt_abandoned_by_a_dead_worker_is_retried(handler, gateway, endpoint_for, clock):
    server = gateway()
    endpoint_for(server)
    notify(recipients=[handler], kind="deadline.breached", title="t")
    (delivery,) = _webhook_attempts()
    assert services.delivery_claim(delivery_id=delivery.pk, now=START)

    clock.shift(services.STALE_SENDING_AFTER + timedelta(minutes=1))
    result = services.deliveries_retry_due()
    clock.shift(timedelta(minutes=1))
    services.deliveries_retry_due()

    assert result["interrupted"] == 1
    first, second = _webhook_attempts()
    assert first.status == Delivery.Status.FAILED
    assert second.status == Delivery.Status.SENT
    assert len(server.requests) == 1


def test_a_deactivated_endpoint_gets_no_more_attempts(handler, gateway, endpoint_for, clock):
    server = gateway(statuses=[500])
    endpoint = endpoint_for(server)
    notify(recipients=[handler], kind="deadline.breached", title="t")
    (first,) = _webhook_attempts()
    services.delivery_send(delivery_id=first.pk)
    services.webhook_endpoint_set_active(endpoint=endpoint, active=False)

    clock.shift(timedelta(minutes=1))
    services.deliveries_retry_due()

    second = _webhook_attempts()[1]
    assert second.status == Delivery.Status.SKIPPED
    assert len(server.requests) == 1


def test_an_unreachable_gateway_is_logged_as_a_failure(handler, endpoint_for, dns, settings, clock):
    from pinzhi.notify.tests.servers import closed_port

    dns.names["nowhere.test"] = ["127.0.0.1"]
    settings.PINZHI_WEBHOOK_ALLOWED_HOSTS = ["nowhere.test"]

    class Nowhere:
        url = f"http://nowhere.test:{closed_port()}/hook"
        secret = "x"

    endpoint_for(Nowhere)
    notify(recipients=[handler], kind="deadline.breached", title="t")
    (first,) = _webhook_attempts()

    services.delivery_send(delivery_id=first.pk)

    first.refresh_from_db()
    assert first.status == Delivery.Status.FAILED
    assert first.response_code is None
    assert first.error == str(transports.ERR_FAILED)
    assert "Connection refused" in first.detail


def test_the_clock_runs_the_sweep_every_minute():
    from pinzhi.core.clock import periodic_jobs

    job = periodic_jobs["notify.deliveries_retry_due"]
    assert job.task is deliveries_retry_due
    assert job.every == timedelta(minutes=1)
