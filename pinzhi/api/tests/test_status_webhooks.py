"""A signed webhook on every status change of a complaint (issue 8 item 5, CMP-2)."""

import hmac
import json
from datetime import timedelta
from hashlib import sha256

import pytest
from django.conf import settings
from django.utils import translation

from pinzhi.api import webhooks
from pinzhi.api.models import StatusWebhook
from pinzhi.api.tests.test_cases import resolve
from pinzhi.complaints import services
from pinzhi.complaints.models import Status
from pinzhi.complaints.workflow import COMPLAINT_WORKFLOW
from pinzhi.lib.clock import now
from pinzhi.notify import transports
from pinzhi.notify.models import WebhookEndpoint
from pinzhi.notify.services import MAX_ATTEMPTS
from pinzhi.orgs.tests.factories import CompanyFactory

WRITE, READ = "complaints:write", "complaints:read"


def endpoint(company, name, kinds, url="https://gateway.example.com/hook"):
    return WebhookEndpoint.objects.create(
        company=company, name=name, url=url, kinds=kinds, created_at=now(), updated_at=now()
    )


@pytest.fixture
def posted(monkeypatch):
    """The webhook POSTs made (each answered 200)."""
    calls = []

    def post(*, url, secret, body, delivery_id, now):
        calls.append({"url": url, "secret": secret, "body": body, "id": delivery_id})
        return transports.Outcome(ok=True, response_code=200)

    monkeypatch.setattr(transports, "webhook_post", post)
    return calls


def test_every_status_changing_step_has_its_webhook_kind():
    """Issue 8 item 5: every step of the declared workflow that leads to a status is covered
    (a new step must say which webhook it sends)."""
    for step in COMPLAINT_WORKFLOW.steps:
        if not step.targets:
            continue
        covered = [webhooks.STATUS_EVENTS.get(event) for event in step.events]
        assert any(covered), step.name
        for event, status in zip(step.events, covered, strict=True):
            assert status is None or status in step.targets, (step.name, event)


def test_it_sends_each_status_change_signed_to_the_subscribed_endpoints(
    org, clock, make_token, api_client, payload, posted
):
    """Issue 8 item 5: registering and routing a case send `complaint.status.registered` and
    `complaint.status.routed`, signed with the endpoint's secret, to the company's endpoint
    subscribed to `complaint.status`; not to an endpoint of people's notifications, nor to
    another company's."""
    hook = endpoint(org.company, "热线平台", ["complaint.status"])
    endpoint(org.company, "短信网关", [])
    endpoint(org.company, "投诉通知", ["complaint"])
    endpoint(CompanyFactory(), "别家", ["complaint.status"])
    _token, secret = make_token(WRITE)
    body = api_client(secret).post("/api/complaints", payload(external_id="12345-1")).json()
    complaint = services.Complaint.objects.get(pk=body["id"])
    services.complaint_route(
        complaint=complaint, actor=org.quality, department=org.ab, head=org.head, request="请处理"
    )
    webhooks.status_webhooks_plan()
    assert webhooks.status_webhooks_send() == {"sent": 2, "failed": 0}
    assert {c["url"] for c in posted} == {hook.url}
    sent = [json.loads(c["body"]) for c in posted]
    assert [s["kind"] for s in sent] == ["complaint.status.registered", "complaint.status.routed"]
    routed = sent[1]["complaint"]
    assert routed["tracking_code"] == complaint.tracking_code and routed["status"] == "routed"
    with translation.override(settings.LANGUAGE_CODE):
        assert routed["status_label"] == str(Status.ROUTED.label)
    assert routed["external_id"] == "12345-1"
    assert "customer" not in routed  # no personal data leave in a webhook
    assert all(c["secret"] == hook.secret for c in posted)
    expected = "sha256=" + hmac.new(hook.secret.encode(), posted[0]["body"], sha256).hexdigest()
    assert transports.sign(hook.secret, posted[0]["body"]) == expected
    # Each change is sent once.
    webhooks.status_webhooks_plan()
    assert webhooks.status_webhooks_send() == {"sent": 0, "failed": 0}
    assert StatusWebhook.objects.filter(state=StatusWebhook.State.SENT).count() == 2


def test_an_endpoint_may_subscribe_to_one_status(
    org, clock, make_token, api_client, payload, posted
):
    endpoint(org.company, "回访系统", ["complaint.status.resolved"])
    _token, secret = make_token(WRITE)
    body = api_client(secret).post("/api/complaints", payload()).json()
    resolve(org, services.Complaint.objects.get(pk=body["id"]))
    webhooks.status_webhooks_plan()
    webhooks.status_webhooks_send()
    assert [json.loads(c["body"])["kind"] for c in posted] == ["complaint.status.resolved"]


def test_it_does_not_send_the_history_from_before_the_endpoint(
    org, clock, make_token, api_client, payload, posted
):
    _token, secret = make_token(WRITE)
    api_client(secret).post("/api/complaints", payload())
    clock.shift(timedelta(minutes=1))
    endpoint(org.company, "热线平台", ["complaint.status"])
    webhooks.status_webhooks_plan()
    webhooks.status_webhooks_send()
    assert posted == []


def test_it_retries_a_failed_webhook_with_back_off_then_gives_up(
    org, clock, make_token, api_client, payload, posted, monkeypatch
):
    """Issue 8 item 5 (X-3's back-off): a failed POST is sent again later, at most
    MAX_ATTEMPTS times, with the same body."""
    endpoint(org.company, "热线平台", ["complaint.status.registered"])
    _token, secret = make_token(WRITE)
    api_client(secret).post("/api/complaints", payload())
    failed = transports.Outcome(ok=False, response_code=503, error="HTTP 5xx")
    monkeypatch.setattr(
        transports, "webhook_post", lambda **kw: posted.append(kw["body"]) or failed
    )
    webhooks.status_webhooks_plan()
    assert webhooks.status_webhooks_send() == {"sent": 0, "failed": 1}
    row = StatusWebhook.objects.get()
    assert row.state == StatusWebhook.State.PENDING and row.next_attempt_at == now() + timedelta(
        minutes=1
    )
    assert webhooks.status_webhooks_send() == {"sent": 0, "failed": 0}  # not due yet
    for _attempt in range(MAX_ATTEMPTS - 1):
        clock.shift(timedelta(minutes=20))
        webhooks.status_webhooks_send()
    row.refresh_from_db()
    assert row.state == StatusWebhook.State.GAVE_UP and row.attempts == MAX_ATTEMPTS
    assert len(set(posted)) == 1 and len(posted) == MAX_ATTEMPTS
