"""How a notification leaves Pinzhi (X-3): an e-mail through Django's default mailer, or a
signed JSON POST to a webhook endpoint that a WeChat/SMS gateway runs.

Verifying a Pinzhi webhook (for gateway authors)
------------------------------------------------
Every request is a POST with a JSON body (UTF-8) like::

    {"id": 42, "kind": "deadline.breached", "title": "...", "body": "...",
     "url": "https://pinzhi.example.com/complaints/7/",
     "recipient": {"username": "zhangsan", "full_name": "张三", "phone": "13800000000"},
     "data": {...}, "created_at": "2026-03-01T08:00:00+00:00"}

and these headers:

    X-Pinzhi-Signature: sha256=<hex HMAC-SHA256 of the raw request body, keyed with the
                        endpoint's signing secret>
    X-Pinzhi-Timestamp: seconds since 1970-01-01 UTC when this attempt was sent
    X-Pinzhi-Delivery:  the id of this attempt in Pinzhi's delivery log

To verify, compute the HMAC over the exact bytes received (before any JSON parsing) and
compare in constant time; reject the request with 401 when they differ::

    import hashlib, hmac
    expected = "sha256=" + hmac.new(SECRET.encode(), raw_body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers["X-Pinzhi-Signature"]):
        return 401

Answer with any 2xx status once the message is accepted. Anything else (or no answer
within the timeout) counts as a failure and the same notification is sent again later with
back-off (1, 2, 4, 8, 16 minutes; 6 attempts in all), each attempt with a new
X-Pinzhi-Delivery id but the same body: de-duplicate on the body's "id".
"""

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.translation import gettext as _

from pinzhi.notify.models import Notification

WEBHOOK_TIMEOUT_SECONDS = 10
# How much of a gateway's answer the delivery log keeps.
RESPONSE_EXCERPT_CHARS = 500
USER_AGENT = "Pinzhi-Webhook/1"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    response_code: int | None = None
    error: str = ""


def absolute_url(url: str) -> str:
    """`url` made absolute against PINZHI_SITE_URL, so gateways can link back."""
    if not url:
        return ""
    base = getattr(settings, "PINZHI_SITE_URL", "") or "http://127.0.0.1:8000"
    return urljoin(base.rstrip("/") + "/", url)


def sign(secret: str, raw_body: bytes) -> str:
    """The X-Pinzhi-Signature header value for `raw_body`."""
    digest = hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def webhook_payload(notification: Notification) -> dict:
    recipient = notification.recipient
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "url": absolute_url(notification.url),
        "recipient": {
            "username": recipient.username,
            "full_name": recipient.full_name,
            "phone": recipient.phone,
        },
        "data": notification.data,
        "created_at": notification.created_at.isoformat(),
    }


def webhook_body(notification: Notification) -> bytes:
    payload = webhook_payload(notification)
    return json.dumps(
        payload, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")


def webhook_post(*, url: str, secret: str, body: bytes, delivery_id: int, now: datetime) -> Outcome:
    """POST `body` to `url` signed with `secret`; never raises for a transport failure."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Pinzhi-Signature": sign(secret, body),
            "X-Pinzhi-Timestamp": str(int(now.timestamp())),
            "X-Pinzhi-Delivery": str(delivery_id),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            code = response.status
            excerpt = response.read(RESPONSE_EXCERPT_CHARS).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        excerpt = ""
        try:
            excerpt = error.read(RESPONSE_EXCERPT_CHARS).decode("utf-8", "replace")
        except OSError:
            pass
        return Outcome(ok=False, response_code=error.code, error=f"HTTP {error.code}: {excerpt}")
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return Outcome(ok=False, error=f"{type(error).__name__}: {reason}")
    if 200 <= code < 300:
        return Outcome(ok=True, response_code=code)
    return Outcome(ok=False, response_code=code, error=f"HTTP {code}: {excerpt}")


def email_send(*, notification: Notification, address: str) -> Outcome:
    """Send `notification` to `address` through the default mailer (MAILERS)."""
    lines = [notification.body] if notification.body else []
    link = absolute_url(notification.url)
    if link:
        lines.append(_("Open in Pinzhi: %(link)s") % {"link": link})
    lines.append(
        _("You receive this because e-mail is on in your notification settings: %(link)s")
        % {"link": absolute_url(reverse("notify:preferences"))}
    )
    brand = _("Pinzhi")
    message = EmailMessage(
        subject=f"[{brand}] {notification.title}",
        body="\n\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={"X-Pinzhi-Notification": str(notification.pk), "X-Pinzhi-Kind": notification.kind},
    )
    try:
        message.send()
    except Exception as error:  # noqa: BLE001 - any mailer failure is a failed attempt
        return Outcome(ok=False, error=f"{type(error).__name__}: {error}")
    return Outcome(ok=True)
