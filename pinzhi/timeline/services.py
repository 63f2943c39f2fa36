"""Writes to the timeline (X-1): events appended to the hash chain, attachments, and
verification runs. Nothing here updates or deletes an event.
"""

import hashlib
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.timeline import filetypes
from pinzhi.timeline.canonical import canonical, stored_event_hash
from pinzhi.timeline.events import TimelineEvent, declared
from pinzhi.timeline.models import (
    GENESIS_HASH,
    LEGACY_CHAIN,
    Attachment,
    ChainHead,
    Event,
    Verification,
    chain_key,
    company_model,
)
from pinzhi.timeline.privacy import actor_label, subject_label
from pinzhi.timeline.verify import Result, timeline_check

ACTION_REQUIRED = _("An event needs an action code.")
ACTION_TOO_LONG = _("The action code “%(action)s” is longer than 80 characters.")
SUBJECT_NOT_SAVED = _("The subject of an event must be saved before its events are recorded.")
ATTACHMENT_EMPTY = _("“%(name)s” is empty.")
ATTACHMENT_TOO_BIG = _("“%(name)s” is %(size)s; an attachment may be at most %(limit)s.")
ATTACHMENT_TYPE_NOT_ALLOWED = _("“%(name)s” is not an allowed file type. Allowed: %(allowed)s.")
ATTACHMENT_CONTENT_MISMATCH = _(
    "“%(name)s” is not really a .%(ext)s file: its content does not match its extension."
)


# --- recording events -------------------------------------------------------------------


def _subject_parts(subject: models.Model) -> tuple[ContentType, str, str]:
    if subject.pk is None:
        raise ValueError(str(SUBJECT_NOT_SAVED))
    content_type = ContentType.objects.get_for_model(subject)
    return content_type, str(subject.pk), subject_label(subject)


def _actor_parts(actor: Any) -> tuple[Any, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, ""
    return actor, actor_label(actor)


# `event_record(company=...)` not given: find the company from the subject.
_FROM_SUBJECT: Any = object()


def subject_company_id(subject: models.Model | None) -> int | None:
    """The company a record belongs to (ORG-2): a Company is its own; a record with a
    `company` (Unit, Person, a complaint …) or a `unit` (Post) gives that one's; a record
    about another record (`subject`, e.g. a deadline) gives its subject's."""
    Company = company_model()

    if isinstance(subject, Company):
        return subject.pk
    for _hop in range(3):
        if subject is None:
            return None
        company_id = getattr(subject, "company_id", None)
        if company_id is not None:
            return company_id
        company = getattr(subject, "company", None)
        if isinstance(company, Company):
            return company.pk
        unit = getattr(subject, "unit", None)
        if unit is not None and getattr(unit, "company_id", None) is not None:
            return unit.company_id
        inner = getattr(subject, "subject", None)
        subject = inner if isinstance(inner, models.Model) and inner is not subject else None
    return None


def chain_genesis() -> str:
    """prev_hash of the first event of every per-company chain: the hash the legacy global
    chain ended at when the chains were split (its head is frozen since), or GENESIS_HASH
    on a database that never had a legacy event. Ties each new chain to the old history."""
    legacy = ChainHead.objects.filter(chain=LEGACY_CHAIN).values_list("hash", flat=True).first()
    return legacy or GENESIS_HASH


def _locked_head(chain: str) -> ChainHead:
    """The head of one chain, locked for the rest of the transaction (SELECT … FOR UPDATE
    on PostgreSQL; on SQLite the IMMEDIATE transaction already holds the write lock). Only
    writers to the same chain (the same company) wait on it."""
    head = ChainHead.objects.select_for_update().filter(chain=chain).first()
    if head is None:
        # First event of this chain, or its head row was lost: continue from the chain's
        # last event, never from scratch, so that the chain cannot restart at seq 1.
        last = Event.objects.filter(chain=chain).order_by("-seq").values("seq", "hash").first()
        defaults = (
            {"seq": last["seq"], "hash": last["hash"]}
            if last
            else {"seq": 0, "hash": chain_genesis()}
        )
        head, _created = ChainHead.objects.select_for_update().get_or_create(
            chain=chain, defaults=defaults
        )
    return head


def _event_build(
    *,
    subject: models.Model,
    action: str,
    actor: Any,
    before: Any,
    after: Any,
    reason: str,
    data: Any,
    company: Any,
) -> Event:
    """An unsaved event, checked and canonicalised, not yet linked into its chain."""
    if not action:
        raise ValueError(str(ACTION_REQUIRED))
    if len(action) > 80:
        raise ValueError(str(ACTION_TOO_LONG % {"action": action}))
    code = declared(action)
    if code is not None:
        code.check_payload(data)
    content_type, object_id, subject_repr = _subject_parts(subject)
    actor, actor_name = _actor_parts(actor)
    if company is _FROM_SUBJECT:
        company_id = subject_company_id(subject)
        if company_id is None and actor is not None:
            company_id = getattr(actor, "company_id", None)
    else:
        company_id = getattr(company, "pk", company)
    return Event(
        chain=chain_key(company_id),
        content_type=content_type,
        object_id=object_id,
        subject_repr=subject_repr,
        company_id=company_id,
        actor=actor,
        actor_name=actor_name,
        at=now(),
        action=str(action),
        data=canonical(data) if data is not None else {},
        before=canonical(before),
        after=canonical(after),
        reason=str(reason or ""),
    )


def _event_link(event: Event, head: ChainHead) -> None:
    """Number `event` after `head` in its chain, hash it, and move the head onto it."""
    event.seq = head.seq + 1
    event.prev_hash = head.hash
    event.hash = stored_event_hash(event)
    head.seq, head.hash = event.seq, event.hash


@transaction.atomic
def event_record(
    *,
    subject: models.Model,
    action: str,
    actor: Any = None,
    before: Any = None,
    after: Any = None,
    reason: str = "",
    data: Any = None,
    company: Any = _FROM_SUBJECT,
) -> Event:
    """Append an attributed, time-stamped event about `subject` to the timeline (X-1).

    The event belongs to `company`'s log (ORG-2): by default the subject's company (see
    `subject_company_id`), else the actor's; pass `company=` (a Company, its pk or None)
    to say otherwise. The subject's label never holds a customer's personal data (ORG-3).

    `action` is a short code, a member of an app's enumeration in its `events.py`
    (`ComplaintEvent.VERIFIED`, stored as "complaint.verified"); `data` is its payload,
    checked against the member's declaration (a missing or undeclared key raises
    ValueError, issue 7 item 5); `before`/`after` hold the changed fields (see `snapshot`
    and `changed`). Payloads are canonicalised (sorted keys; Decimal, dates, UUIDs as strings)
    so the hash reproduces on every database. Runs inside the caller's transaction: if
    that rolls back, so does the event. Concurrent appends to the same company's chain queue
    on its head; other companies' appends do not wait (issue 7, item 7).
    """
    event = _event_build(
        subject=subject,
        action=action,
        actor=actor,
        before=before,
        after=after,
        reason=reason,
        data=data,
        company=company,
    )
    head = _locked_head(event.chain)
    _event_link(event, head)
    event.save(force_insert=True)
    head.save(update_fields=["seq", "hash"])
    return event


@transaction.atomic
def events_record[M: models.Model](
    *,
    subjects: Iterable[M],
    action: str,
    company: Any,
    actor: Any = None,
    data_for: Callable[[M], Any] = lambda subject: None,
    batch_size: int = 1000,
) -> int:
    """Append one event of `action` about each of `subjects` (an import's records), all in
    `company`'s chain: the same events `event_record` would write one by one, numbered and
    hashed in the same way, but with the chain's head locked and moved once and the events
    inserted `batch_size` at a time. Returns how many were recorded."""
    subjects = list(subjects)
    if not subjects:
        return 0
    events = [
        _event_build(
            subject=subject,
            action=action,
            actor=actor,
            before=None,
            after=None,
            reason="",
            data=data_for(subject),
            company=company,
        )
        for subject in subjects
    ]
    head = _locked_head(events[0].chain)
    for event in events:
        _event_link(event, head)
    Event.objects.bulk_create(events, batch_size=batch_size)
    head.save(update_fields=["seq", "hash"])
    return len(events)


def snapshot(instance: models.Model, fields: list[str] | tuple[str, ...] | None = None) -> dict:
    """The values of `fields` (default: all concrete fields) of `instance`, canonicalised
    for `before`/`after`. Foreign keys give the related primary key, many-to-many fields a
    sorted list of them (read from the database, so save the instance first)."""
    opts = instance._meta
    names = fields or [f.name for f in opts.concrete_fields]
    values: dict[str, Any] = {}
    for name in names:
        field = cast(models.Field, opts.get_field(name))
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


# --- attachments ------------------------------------------------------------------------


class AttachmentRefused(DomainError):
    """An upload that may not be attached, with the reason (about the field `file`)."""

    code = "attachment_refused"
    status = 422


def _attachment_error(message: Any, code: str, **params: Any) -> AttachmentRefused:
    return AttachmentRefused(message, field="file", code=f"attachment_{code}", **params)


def attachment_validate(*, uploaded_file: UploadedFile) -> tuple[str, str, str]:
    """Refuse an upload that is empty, too large (PINZHI_ATTACHMENT_MAX_BYTES), of a type
    not allowed, or whose content does not match its extension (X-1). Returns the safe
    display name, the extension and the MIME type."""
    raw_name = uploaded_file.name or ""
    name = filetypes.safe_display_name(raw_name)
    shown = name or raw_name or "?"
    ext = filetypes.extension(name)
    if ext not in filetypes.ALLOWED:
        allowed = ", ".join(sorted(filetypes.ALLOWED))
        raise _attachment_error(ATTACHMENT_TYPE_NOT_ALLOWED, "type", name=shown, allowed=allowed)
    size = uploaded_file.size or 0
    if size == 0:
        raise _attachment_error(ATTACHMENT_EMPTY, "empty", name=shown)
    limit = settings.PINZHI_ATTACHMENT_MAX_BYTES
    if size > limit:
        raise _attachment_error(
            ATTACHMENT_TOO_BIG,
            "size",
            name=shown,
            size=filesizeformat(size),
            limit=filesizeformat(limit),
        )
    if not filetypes.content_matches(uploaded_file, ext, size):
        raise _attachment_error(ATTACHMENT_CONTENT_MISMATCH, "content", name=shown, ext=ext)
    return name, ext, filetypes.ALLOWED[ext]


@transaction.atomic
def attachment_add(
    *, subject: models.Model, uploaded_file: UploadedFile, uploaded_by: Any
) -> Attachment:
    """Attach a validated file to `subject` under a random safe name, keeping its original
    (sanitised) name, size and SHA-256, and record an "attachment.added" event (X-1)."""
    name, ext, mime_type = attachment_validate(uploaded_file=uploaded_file)
    content_type, object_id, subject_repr = _subject_parts(subject)
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    attachment = Attachment(
        content_type=content_type,
        object_id=object_id,
        subject_repr=subject_repr,
        company_id=subject_company_id(subject) or getattr(uploaded_by, "company_id", None),
        original_name=name,
        mime_type=mime_type,
        size=uploaded_file.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=uploaded_by,
        uploaded_at=now(),
    )
    attachment.file.save(f"{uuid.uuid4().hex}.{ext}", uploaded_file, save=False)
    try:
        attachment.save(force_insert=True)
        event_record(
            subject=subject,
            company=attachment.company_id,
            action=TimelineEvent.ATTACHMENT_ADDED,
            actor=uploaded_by,
            data={
                "attachment_id": attachment.pk,
                "name": name,
                "size": attachment.size,
                "sha256": attachment.sha256,
                "mime_type": mime_type,
            },
        )
    except BaseException:
        attachment.file.delete(save=False)
        raise
    return attachment


# Files younger than this may belong to an upload whose transaction is still open.
ORPHAN_MIN_AGE = timedelta(hours=1)
ATTACHMENTS_DIR = "attachments"


def _stored_files(storage: Any, directory: str) -> Iterator[str]:
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{directory}/{name}"
    for sub in directories:
        yield from _stored_files(storage, f"{directory}/{sub}")


def attachments_purge_orphans(*, min_age: timedelta = ORPHAN_MIN_AGE) -> list[str]:
    """Delete the files under attachments/ that no attachment refers to and that are older
    than `min_age` (X-1): `attachment_add` stores the file before its row, so when the
    caller's transaction rolls back afterwards the file is left behind. Runs every hour
    (the clock). Returns the names deleted."""
    storage = Attachment._meta.get_field("file").storage
    cutoff = now() - min_age
    names = list(_stored_files(storage, ATTACHMENTS_DIR))
    known: set[str] = set()
    for start in range(0, len(names), 500):
        chunk = names[start : start + 500]
        known.update(Attachment.objects.filter(file__in=chunk).values_list("file", flat=True))
    deleted = []
    for name in names:
        if name in known:
            continue
        try:
            if storage.get_modified_time(name) > cutoff:
                continue
            storage.delete(name)
        except FileNotFoundError:
            continue
        deleted.append(name)
    return deleted


# --- verification -----------------------------------------------------------------------


def verification_record(*, triggered_by: Any = None) -> tuple[Result, Verification]:
    """Verify the whole timeline (X-1) and keep the result, whose end of chain becomes an
    anchor that later runs check."""
    result = timeline_check()
    run = Verification.objects.create(
        at=now(),
        ok=result.ok,
        events_checked=result.events_checked,
        head_seq=result.head_seq,
        head_hash=result.head_hash,
        heads={c.chain: [c.head_seq, c.head_hash] for c in result.chains if c.head_seq},
        findings=[f.as_dict() for f in result.findings],
        triggered_by=triggered_by if getattr(triggered_by, "is_authenticated", False) else None,
        duration_ms=result.duration_ms,
    )
    return result, run
