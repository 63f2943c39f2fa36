"""X-3: notifications by e-mail, sent through Django's mailer to a real SMTP server on
127.0.0.1."""

from datetime import UTC, datetime, timedelta

import pytest

from pinzhi.notify import services
from pinzhi.notify.models import Delivery
from pinzhi.notify.services import notify
from pinzhi.notify.tests.servers import closed_port

pytestmark = pytest.mark.django_db


def test_it_sends_the_email_through_the_smtp_server(
    person_with, smtp, immediate_tasks, django_capture_on_commit_callbacks, settings
):
    """X-3: the message reaches the SMTP server with the subject and the recipient."""
    settings.PINZHI_SITE_URL = "https://pinzhi.example.com"
    person = person_with("complaint_handler", email="handler@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[person],
            kind="deadline.breached",
            title="投诉处理超时",
            body="投诉 C-1 已超过 4 小时",
            url="/complaints/1/",
        )

    assert len(smtp.received) == 1
    mail = smtp.received[0]
    assert mail.rcpt_to == ["handler@example.com"]
    message = mail.message
    assert "投诉处理超时" in message["Subject"]
    assert message["To"] == "handler@example.com"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "投诉 C-1 已超过 4 小时" in text
    assert "https://pinzhi.example.com/complaints/1/" in text
    delivery = Delivery.objects.get(channel=Delivery.Channel.EMAIL)
    assert delivery.status == Delivery.Status.SENT
    assert delivery.sent_at is not None


def test_it_skips_a_person_whose_address_was_removed(person_with, smtp, immediate_tasks):
    person = person_with("complaint_handler", email="handler@example.com")
    notify(recipients=[person], kind="deadline.breached", title="t")
    person.email = ""
    person.save()
    delivery = Delivery.objects.get(channel=Delivery.Channel.EMAIL)

    services.delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SKIPPED
    assert delivery.error
    assert smtp.received == []


def test_it_retries_when_the_mail_server_is_down(person_with, settings, time_machine, smtp):
    """X-3: a failed e-mail is logged and tried again after the back-off."""
    time_machine.move_to(datetime(2026, 3, 2, 8, 0, tzinfo=UTC), tick=False)
    person = person_with("complaint_handler", email="handler@example.com")
    notify(recipients=[person], kind="deadline.breached", title="t")
    first = Delivery.objects.get(channel=Delivery.Channel.EMAIL)
    working = settings.MAILERS
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": closed_port(), "timeout": 2},
        }
    }

    services.delivery_send(delivery_id=first.pk)

    first.refresh_from_db()
    assert first.status == Delivery.Status.FAILED
    assert "ConnectionRefused" in first.detail
    assert first.next_attempt_at == datetime(2026, 3, 2, 8, 1, tzinfo=UTC)

    settings.MAILERS = working
    time_machine.shift(timedelta(minutes=1))
    services.deliveries_retry_due()

    second = Delivery.objects.get(channel=Delivery.Channel.EMAIL, attempt=2)
    assert second.status == Delivery.Status.SENT
    assert [m.rcpt_to for m in smtp.received] == [["handler@example.com"]]
