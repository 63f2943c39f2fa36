"""Writes to the timeline (X-1): events appended to the hash chain, attachments, and
verification runs. Nothing here updates or deletes an event.
"""

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from pinzhi.lib.clock import now
from pinzhi.timeline.canonical import canonical, canonical_text, sha256_hex
from pinzhi.timeline.models import ChainHead, Event

ACTION_REQUIRED = _("An event needs an action code.")
ACTION_TOO_LONG = _("The action code “%(action)s” is longer than 80 characters.")
SUBJECT_NOT_SAVED = _("The subject of an event must be saved before its events are recorded.")

# Bump when the hashed fields change; old events keep verifying under their own version.
HASH_VERSION = 1


# --- hashing ----------------------------------------------------------------------------


def _at_text(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def event_hash(
    *,
    seq: int,
    prev_hash: str,
    subject_type: str,
    object_id: str,
    subject_repr: str,
    actor_id: int | None,
    actor_name: str,
    at: dt.datetime,
    action: str,
    data: Any,
    before: Any,
    after: Any,
    reason: str,
) -> str:
    """sha256 of the canonical JSON of an event's content and the hash before it.

    The subject type is hashed as "app_label.model", not as a ContentType id, so that a
    chain copied to another database (dump and load) still verifies.
    """
    return sha256_hex(
        canonical_text(
            {
                "v": HASH_VERSION,
                "seq": seq,
                "prev_hash": prev_hash,
                "subject_type": subject_type,
                "object_id": object_id,
                "subject_repr": subject_repr,
                "actor_id": actor_id,
                "actor_name": actor_name,
                "at": _at_text(at),
                "action": action,
                "data": data,
                "before": before,
                "after": after,
                "reason": reason,
            }
        )
    )


def content_type_key(content_type: ContentType) -> str:
    return f"{content_type.app_label}.{content_type.model}"


# --- recording events -------------------------------------------------------------------


def _subject_parts(subject: models.Model) -> tuple[ContentType, str, str]:
    if subject.pk is None:
        raise ValueError(str(SUBJECT_NOT_SAVED))
    content_type = ContentType.objects.get_for_model(subject)
    return content_type, str(subject.pk), str(subject)[:200]


def _actor_parts(actor) -> tuple[Any, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, ""
    name = (actor.get_full_name() or actor.get_username())[:150]
    return actor, name


def _locked_head() -> ChainHead:
    """The chain head, locked for the rest of the transaction (SELECT … FOR UPDATE on
    PostgreSQL; on SQLite the IMMEDIATE transaction already holds the write lock)."""
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # First event ever, or the head row was lost: continue from the last event, never
        # from scratch, so that the chain cannot restart at seq 1.
        last = Event.objects.order_by("-seq").values("seq", "hash").first()
        defaults = {"seq": last["seq"], "hash": last["hash"]} if last else {}
        head, _created = ChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults=defaults
        )
    return head


@transaction.atomic
def event_record(
    *,
    subject: models.Model,
    action: str,
    actor=None,
    before: Any = None,
    after: Any = None,
    reason: str = "",
    data: Any = None,
) -> Event:
    """Append an attributed, time-stamped event about `subject` to the timeline (X-1).

    `action` is a short code ("unit.created", "complaint.verified"); `before`/`after` hold
    the changed fields (see `snapshot` and `changed`), `data` a structured payload for
    other apps. Payloads are canonicalised (sorted keys; Decimal, dates, UUIDs as strings)
    so the hash reproduces on every database. Runs inside the caller's transaction: if
    that rolls back, so does the event. Concurrent appends queue on the chain head.
    """
    if not action:
        raise ValueError(str(ACTION_REQUIRED))
    if len(action) > 80:
        raise ValueError(str(ACTION_TOO_LONG % {"action": action}))
    content_type, object_id, subject_repr = _subject_parts(subject)
    actor, actor_name = _actor_parts(actor)
    data = canonical(data) if data is not None else {}
    before = canonical(before)
    after = canonical(after)
    reason = str(reason or "")

    head = _locked_head()
    event = Event(
        content_type=content_type,
        object_id=object_id,
        subject_repr=subject_repr,
        actor=actor,
        actor_name=actor_name,
        at=now(),
        action=action,
        data=data,
        before=before,
        after=after,
        reason=reason,
        seq=head.seq + 1,
        prev_hash=head.hash,
    )
    event.hash = event_hash(
        seq=event.seq,
        prev_hash=event.prev_hash,
        subject_type=content_type_key(content_type),
        object_id=object_id,
        subject_repr=subject_repr,
        actor_id=actor.pk if actor else None,
        actor_name=actor_name,
        at=event.at,
        action=action,
        data=data,
        before=before,
        after=after,
        reason=reason,
    )
    event.save(force_insert=True)
    head.seq, head.hash = event.seq, event.hash
    head.save(update_fields=["seq", "hash"])
    return event


def snapshot(instance: models.Model, fields: list[str] | tuple[str, ...] | None = None) -> dict:
    """The values of `fields` (default: all concrete fields) of `instance`, canonicalised
    for `before`/`after`. Foreign keys give the related primary key, many-to-many fields a
    sorted list of them (read from the database, so save the instance first)."""
    opts = instance._meta
    names = fields or [f.name for f in opts.concrete_fields]
    values: dict[str, Any] = {}
    for name in names:
        field = opts.get_field(name)
        if field.many_to_many:
            values[name] = sorted(
                getattr(instance, name).values_list("pk", flat=True) if instance.pk else []
            )
        elif field.is_relation:
            values[name] = getattr(instance, field.attname)
        else:
            values[name] = field.value_from_object(instance)
    return canonical(values)


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose value differs between two snapshots, as (before, after)."""
    keys = [k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
