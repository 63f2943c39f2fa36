"""API token management and the complaint intake of integrations (CMP-1, CMP-2, ORG-3)."""

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from pinzhi.api.events import ApiEvent
from pinzhi.api.models import SCOPES, ApiComplaint, ApiToken, IdempotencyKey, token_digest
from pinzhi.complaints import services as complaints
from pinzhi.complaints.models import Complaint
from pinzhi.core import ratelimit
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.lib.locks import name_lock
from pinzhi.notify.services import notifications_deferred
from pinzhi.orgs.models import Company, Person
from pinzhi.portal.selectors import first_contact_owner
from pinzhi.portal.services import AUTO_ASSIGN_NOTE
from pinzhi.timeline.services import event_record

NAME_REQUIRED = _("Give the token a name, e.g. the system that will use it.")
SCOPE_REQUIRED = _("Choose at least one permission.")
UNKNOWN_SCOPE = _("Unknown permission: %(scope)s.")
ALREADY_REVOKED = _("This token is already revoked.")


class ApiTokenError(DomainError):
    """A token that cannot be made or revoked, with the reason."""

    code = "api_token_refused"
    status = 422


class ApiTokenRevoked(ApiTokenError):
    """The token is revoked already (a state conflict)."""

    code = "api_token_revoked"
    status = 409


@transaction.atomic
def api_token_create(
    *, name: str, company: Company, scopes: list[str], actor: Person
) -> tuple[ApiToken, str]:
    """CMP-1: a token for a hotline or WeChat integration. Returns the token record and the
    secret, which is shown once and stored only as its SHA-256."""
    if not name.strip():
        raise ApiTokenError(NAME_REQUIRED)
    if not scopes:
        raise ApiTokenError(SCOPE_REQUIRED)
    known = {code for code, _label in SCOPES}
    for scope in scopes:
        if scope not in known:
            raise ApiTokenError(UNKNOWN_SCOPE % {"scope": scope})
    secret = "pz_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name.strip(),
        company=company,
        token_hash=token_digest(secret),
        prefix=secret[:10],
        scopes=sorted(set(scopes)),
        created_by=actor,
        created_at=now(),
    )
    event_record(
        subject=company,
        action=ApiEvent.TOKEN_CREATED,
        actor=actor,
        data={"token_id": token.pk, "name": token.name, "scopes": token.scopes},
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Person) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise ApiTokenRevoked(ALREADY_REVOKED)
    token.revoked_at = now()
    token.revoked_by = actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    event_record(
        subject=token.company,
        action=ApiEvent.TOKEN_REVOKED,
        actor=actor,
        data={"token_id": token.pk, "name": token.name},
    )
    return token


def api_token_authenticate(secret: str) -> ApiToken | None:
    """The active token with this secret, its last use noted (at most once a minute)."""
    if not secret or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("company")
        .filter(token_hash=token_digest(secret), revoked_at=None)
        .first()
    )
    if token is None:
        return None
    moment = now()
    if token.last_used_at is None or moment - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=moment)
        token.last_used_at = moment
    return token


def api_request_count(*, token: ApiToken) -> ratelimit.Verdict:
    """Count one request of `token` against PINZHI_API_REQUESTS_PER_MINUTE."""
    return ratelimit.hit(ratelimit.API_TOKEN, str(token.pk))


@transaction.atomic
def api_complaint_register(*, token: ApiToken, external_id: str = "", **fields: Any) -> Complaint:
    """CMP-1/CMP-2: a complaint sent by an integration, registered in the token's company
    with the channel the integration names; the service desk of the location takes
    first-contact ownership (CMP-3). A resend with the same `external_id` returns the
    complaint already registered instead of a duplicate."""
    if external_id:
        # One resend of an external id at a time (issue 9: not one write of the token).
        name_lock(
            f"api.external_id:{token.company_id}:{external_id}",
            fallback=lambda: ApiToken.objects.select_for_update().filter(pk=token.pk).first(),
        )
        sent = (
            ApiComplaint.objects.filter(token__company=token.company, external_id=external_id)
            .select_related("complaint")
            .first()
        )
        if sent is not None:
            return sent.complaint
    owner = first_contact_owner(company=token.company, location=fields.get("location"))
    # Issue 9 item 2: the notifications (inbox rows, deliveries) are the worker's, from one
    # task row committed with the complaint.
    with notifications_deferred():
        complaint = complaints.complaint_register(
            company=token.company,
            registered_by=None,
            hand_to=owner,
            hand_over_note=str(AUTO_ASSIGN_NOTE),
            **fields,
        )
    ApiComplaint.objects.create(token=token, complaint=complaint, external_id=external_id)
    return complaint


# Idempotency keys (issue 8 item 5) --------------------------------------------------------


def idempotency_kept_since() -> Any:
    """Keys made before this moment are forgotten (PINZHI_API_IDEMPOTENCY_HOURS)."""
    return now() - timedelta(hours=settings.PINZHI_API_IDEMPOTENCY_HOURS)


def idempotency_find(*, token: ApiToken, key: str) -> IdempotencyKey | None:
    """The remembered answer to `token`'s write with `key`; a key older than the retention
    is forgotten here (deleted), so it may be used again."""
    stored = IdempotencyKey.objects.filter(token=token, key=key).first()
    if stored is not None and stored.created_at < idempotency_kept_since():
        stored.delete()
        return None
    return stored


def idempotency_store(
    *,
    token: ApiToken,
    key: str,
    fingerprint: str,
    method: str,
    path: str,
    status_code: int,
    content_type: str,
    body: bytes,
) -> IdempotencyKey:
    """Remember the answer to `token`'s write with `key` (a successful one: a refused write
    changed nothing and may be sent again)."""
    return IdempotencyKey.objects.create(
        token=token,
        key=key,
        fingerprint=fingerprint,
        method=method,
        path=path[:500],
        status_code=status_code,
        content_type=content_type[:100],
        body=body,
        created_at=now(),
    )


def idempotency_purge() -> int:
    """Forget the keys older than PINZHI_API_IDEMPOTENCY_HOURS; returns how many."""
    deleted, _by_model = IdempotencyKey.objects.filter(
        created_at__lt=idempotency_kept_since()
    ).delete()
    return deleted
