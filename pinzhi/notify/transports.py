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
X-Pinzhi-Delivery id but the same body: de-duplicate on the body's "id". Redirects are
not followed (a 3xx is a failure), and the gateway must be at a public internet address
unless the operator allowed its host name (PINZHI_WEBHOOK_ALLOWED_HOSTS).
"""

import hashlib
import hmac
import http.client
import json
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pinzhi.notify import targets
from pinzhi.notify.models import Notification

WEBHOOK_TIMEOUT_SECONDS = 10
# How much of a gateway's answer the delivery record keeps (superusers only).
RESPONSE_EXCERPT_CHARS = 500
USER_AGENT = "Pinzhi-Webhook/1"

# What the people managing webhooks see of a failure (issue 6 item 5): never the answer's
# body nor the network error, which would let them probe the operator's network; at most
# the class of the HTTP status when the gateway answered. The detail goes to
# `Outcome.detail` (server log, and the delivery log of superusers).
ERR_FAILED = gettext_lazy("Delivery failed.")
ERR_STATUS = gettext_lazy("Delivery failed: the gateway answered HTTP %(status_class)s.")
ERR_ADDRESS = gettext_lazy("Delivery failed: webhooks may only go to public internet addresses.")


@dataclass(frozen=True)
class Outcome:
    ok: bool
    response_code: int | None = None
    error: str = ""
    detail: str = ""


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


def tls_context() -> ssl.SSLContext:
    """The TLS settings of webhook connections: the system's trusted certificates, the
    certificate checked against the URL's host name."""
    return ssl.create_default_context()


def connect_to(family: int, sockaddr: tuple, timeout: float | None) -> socket.socket:
    """A TCP connection to exactly this address (one of a checked target's)."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(sockaddr)
    except BaseException:
        sock.close()
        raise
    return sock


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to the addresses of a checked target: the socket goes to the
    checked address, while the Host header and the TLS server name (SNI, certificate check)
    are the URL's host name. A second DNS lookup never happens."""

    def __init__(self, target: targets.Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._target = target

    def connect(self) -> None:
        error: OSError | None = None
        for family, sockaddr in self._target.addresses:
            try:
                sock = connect_to(family, sockaddr, self.timeout)
            except OSError as failure:
                error = failure
                continue
            break
        else:
            raise error or OSError("no address to connect to")
        if self._target.scheme == "https":
            try:
                sock = tls_context().wrap_socket(sock, server_hostname=self._target.host)
            except BaseException:
                sock.close()
                raise
        self.sock = sock


def webhook_post(*, url: str, secret: str, body: bytes, delivery_id: int, now: datetime) -> Outcome:
    """POST `body` to `url` signed with `secret`; never raises for a transport failure.
    The target is checked on every attempt (issue 6 item 5, pinzhi.notify.targets) and the
    connection pinned to the checked address; redirects are not followed."""
    try:
        target = targets.target_check(url)
    except targets.TargetRefused as refused:
        error = ERR_ADDRESS if refused.kind == targets.REFUSED_ADDRESS else ERR_FAILED
        return Outcome(ok=False, error=str(error), detail=f"refused ({refused.kind}): {refused}")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Pinzhi-Signature": sign(secret, body),
        "X-Pinzhi-Timestamp": str(int(now.timestamp())),
        "X-Pinzhi-Delivery": str(delivery_id),
    }
    connection = _PinnedConnection(target, timeout=WEBHOOK_TIMEOUT_SECONDS)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        code = response.status
        excerpt = response.read(RESPONSE_EXCERPT_CHARS).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException, ValueError) as error:
        return Outcome(ok=False, error=str(ERR_FAILED), detail=f"{type(error).__name__}: {error}")
    finally:
        connection.close()
    if 200 <= code < 300:
        return Outcome(ok=True, response_code=code)
    return Outcome(
        ok=False,
        response_code=code,
        error=str(ERR_STATUS % {"status_class": f"{code // 100}xx"}),
        detail=f"HTTP {code}: {excerpt}",
    )


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
        return Outcome(ok=False, error=str(ERR_FAILED), detail=f"{type(error).__name__}: {error}")
    return Outcome(ok=True)
