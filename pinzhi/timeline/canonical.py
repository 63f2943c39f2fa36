"""Canonical JSON and the event hash of the timeline chain (X-1).

A payload is normalised once, before it is stored, to plain JSON types (Decimal, date,
datetime, UUID, sets, lazy strings … become strings or lists in one fixed form), so that
what is read back from SQLite or PostgreSQL hashes to the same value as what was written.
"""

import datetime as dt
import decimal
import enum
import hashlib
import hmac
import json
import math
import uuid
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.functional import Promise


class _Encoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, decimal.Decimal):
            if not o.is_finite():
                raise ValueError(f"cannot record a non-finite number: {o}")
            return str(o)
        if isinstance(o, dt.datetime):
            if o.tzinfo is not None:
                o = o.astimezone(dt.UTC)
            return o.isoformat(timespec="microseconds")
        if isinstance(o, dt.date | dt.time):
            return o.isoformat()
        if isinstance(o, dt.timedelta):
            return o.total_seconds()
        if isinstance(o, uuid.UUID):
            return str(o)
        if isinstance(o, Promise):
            return str(o)
        if isinstance(o, enum.Enum):
            return o.value
        if isinstance(o, set | frozenset):
            return sorted(o, key=lambda v: json.dumps(v, cls=_Encoder, sort_keys=True))
        if isinstance(o, models.Model):
            return o.pk
        if isinstance(o, bytes):
            return o.hex()
        return super().default(o)


def _plain(value: Any) -> Any:
    # str/int subclasses (TextChoices, IntegerChoices) become plain values; integral floats
    # become ints because PostgreSQL's jsonb gives 1e+20 back without a decimal point.
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot record a non-finite number: {value}")
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def canonical(value: Any) -> Any:
    """`value` as plain JSON types in one deterministic form (None stays None)."""
    if value is None:
        return None
    text = json.dumps(value, cls=_Encoder, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return _plain(json.loads(text))


def canonical_text(value: Any) -> str:
    """The exact text that is hashed: sorted keys, no spaces, UTF-8 characters as is."""
    return json.dumps(
        _plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Part of the hashed content. Version 2: keyed (HMAC-SHA256) and company_id hashed.
# Version 1 (plain sha256, no company) is not accepted by the verifier: accepting it would
# let anyone forge events with the unkeyed algorithm.
HASH_VERSION = 2

# Salt of the key derived from SECRET_KEY when PINZHI_TIMELINE_KEY is not set.
_KEY_SALT = "pinzhi.timeline.event_hash"


def hash_key() -> bytes:
    """The key of the event hash (X-1): settings.PINZHI_TIMELINE_KEY, or else a key
    derived from SECRET_KEY. Whoever edits the database without it cannot re-seal an edited
    event. Verification needs the same key the events were written with."""
    configured = getattr(settings, "PINZHI_TIMELINE_KEY", None)
    if configured:
        return configured if isinstance(configured, bytes) else str(configured).encode("utf-8")
    return salted_hmac(_KEY_SALT, "timeline-hash-key", algorithm="sha256").digest()


def hmac_hex(text: str, key: bytes | None = None) -> str:
    return hmac.new(key or hash_key(), text.encode("utf-8"), hashlib.sha256).hexdigest()


# --- the event hash ----------------------------------------------------------------------------


def _at_text(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def event_hash(
    *,
    seq: int,
    prev_hash: str,
    subject_type: str,
    object_id: str,
    subject_repr: str,
    company_id: int | None = None,
    actor_id: int | None,
    actor_name: str,
    at: dt.datetime,
    action: str,
    data: Any,
    before: Any,
    after: Any,
    reason: str,
    key: bytes | None = None,
) -> str:
    """HMAC-SHA256 (keyed with `hash_key()`, or `key`) of the canonical JSON of an event's
    content and the hash before it.

    The subject type is hashed as "app_label.model", not as a ContentType id, so that a
    chain copied to another database (dump and load) still verifies; the company as its
    primary key (ORG-2), so that moving an event to another company's log is detected.
    """
    return hmac_hex(
        canonical_text(
            {
                "v": HASH_VERSION,
                "seq": seq,
                "prev_hash": prev_hash,
                "subject_type": subject_type,
                "object_id": object_id,
                "subject_repr": subject_repr,
                "company_id": company_id,
                "actor_id": actor_id,
                "actor_name": actor_name,
                "at": _at_text(at),
                "action": action,
                "data": data,
                "before": before,
                "after": after,
                "reason": reason,
            }
        ),
        key,
    )


def content_type_key(content_type: ContentType) -> str:
    return f"{content_type.app_label}.{content_type.model}"


def stored_event_hash(event: Any, *, key: bytes | None = None) -> str:
    """`event_hash` of a timeline event as its fields stand (the Event model's)."""
    return event_hash(
        seq=event.seq,
        prev_hash=event.prev_hash,
        # get_for_id is cached: no query per event when a batch is hashed.
        subject_type=content_type_key(ContentType.objects.get_for_id(event.content_type_id)),
        object_id=event.object_id,
        subject_repr=event.subject_repr,
        company_id=event.company_id,
        actor_id=event.actor_id,
        actor_name=event.actor_name,
        at=event.at,
        action=event.action,
        data=event.data,
        before=event.before,
        after=event.after,
        reason=event.reason,
        key=key,
    )
