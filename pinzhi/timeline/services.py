"""Writes to the timeline (X-1): events appended to the hash chain, attachments, and
verification runs. Nothing here updates or deletes an event.
"""

import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from pinzhi.lib.bulk import rows_insert
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.timeline import filetypes
from pinzhi.timeline.canonical import canonical, hash_key, stored_event_hash
from pinzhi.timeline.checkpoints import checkpoint_store
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

logger = logging.getLogger(__name__)

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
    """The head of one chain, locked for the rest of the (linker's short) transaction
    (SELECT … FOR UPDATE on PostgreSQL; on SQLite the IMMEDIATE transaction already holds
    the write lock). Only linkers of the same chain (the same company) wait on it."""
    head = ChainHead.objects.select_for_update().filter(chain=chain).first()
    if head is None:
        # First event of this chain, or its head row was lost: continue from the chain's
        # last linked event, never from scratch, so that the chain cannot restart at seq 1.
        last = (
            Event.objects.filter(chain=chain, seq__isnull=False)
            .order_by("-seq")
            .values("seq", "hash")
            .first()
        )
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


def _event_link(event: Event, head: ChainHead, key: bytes) -> None:
    """Number `event` after `head` in its chain, hash it, and move the head onto it."""
    event.seq = head.seq + 1
    event.prev_hash = head.hash
    event.hash = stored_event_hash(event, key=key)
    head.seq, head.hash = event.seq, event.hash


# How many unlinked events one linking transaction takes at most.
LINK_BATCH = 2000


def _links_write(links: list[tuple[int, int, str, str]]) -> None:
    """Write (id, seq, prev_hash, hash) onto the events: one UPDATE per batch."""
    table = connection.ops.quote_name(Event._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Four array parameters, joined on the primary key.
            ids, seqs, prev_hashes, hashes = (list(column) for column in zip(*links, strict=True))
            cursor.execute(
                f"UPDATE {table} AS e SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash "
                f"FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[]) "
                f"AS v(id, seq, prev_hash, hash) WHERE e.id = v.id",
                [ids, seqs, prev_hashes, hashes],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [(seq, prev_hash, hash_, pk) for pk, seq, prev_hash, hash_ in links],
            )


def chain_link(*, chain: str, batch: int = LINK_BATCH) -> list[Event]:
    """Link the committed, not yet linked events of `chain` (issue 9 item 2): in one short
    transaction per `batch`, lock the chain's head, take its unlinked events in id order,
    number and hash them after the head, write them with one UPDATE and move the head.

    Runs right after the commit of every transaction that recorded events (see
    `event_record`), so the head is locked for milliseconds, not for the recording
    transaction's whole life; a linker that finds the events of other transactions
    committed meanwhile links them too (one lock for all under load). The periodic
    `events_link_pending` links what a process killed between its commit and its link
    left behind. Returns the events linked."""
    linked: list[Event] = []
    key = hash_key()
    while True:
        if not Event.objects.filter(chain=chain, seq__isnull=True).exists():
            return linked
        with transaction.atomic():
            head = _locked_head(chain)
            # Read after the lock: every event committed before it is seen, and none that
            # another linker has just linked.
            events = list(
                Event.objects.filter(chain=chain, seq__isnull=True).order_by("id")[:batch]
            )
            if not events:
                return linked
            for event in events:
                _event_link(event, head, key)
            _links_write([(e.pk, e.seq, e.prev_hash, e.hash) for e in events])  # type: ignore[misc]
            head.save(update_fields=["seq", "hash"])
        linked.extend(events)
        if len(events) < batch:
            return linked


def events_link_pending() -> int:
    """Link every chain's committed events still unlinked: those of a process killed
    between its commit and its link (issue 9 item 2). Run every minute by the clock and
    by each recorded verification. Returns how many were linked."""
    chains = Event.objects.filter(seq__isnull=True).values_list("chain", flat=True).distinct()
    total = 0
    for chain in sorted(set(chains)):
        linked = chain_link(chain=chain)
        if linked:
            logger.warning("timeline: linked %s event(s) left unlinked in %r", len(linked), chain)
        total += len(linked)
    return total


def _numbers_copy(linked: list[Event], events: list[Event]) -> None:
    """Give the caller's in-memory `events` the numbers and hashes they were linked with."""
    numbers = {e.pk: e for e in linked}
    for event in events:
        done = numbers.get(event.pk)
        if done is not None:
            event.seq, event.prev_hash, event.hash = done.seq, done.prev_hash, done.hash


@dataclass(frozen=True)
class _LinkAfterCommit:
    """The on-commit callback linking one chain: equal per chain, so one per transaction,
    carrying the transaction's events of that chain to give them their numbers."""

    chain: str
    events: list[Event] = field(default_factory=list, compare=False)

    def __call__(self) -> None:
        _numbers_copy(chain_link(chain=self.chain), self.events)


def _never_commits(conn: Any) -> bool:
    """Whether the current transaction is a test case's, which is rolled back, never
    committed: its on-commit callbacks would never run."""
    return any(getattr(block, "_from_testcase", False) for block in conn.atomic_blocks)


def _link_on_commit(chain: str, events: list[Event]) -> None:
    """Have `chain` linked once the current transaction commits: one callback per chain
    and transaction, however many events it records. Inside a test case's transaction,
    which never commits, the same linker runs at once."""
    conn = transaction.get_connection()
    if _never_commits(conn):
        _numbers_copy(chain_link(chain=chain), events)
        return
    callback = _LinkAfterCommit(chain, list(events))
    for _sids, func, _robust in conn.run_on_commit:
        if func == callback:
            func.events.extend(events)
            return
    # robust: a failed link must not turn a committed request into an error; the
    # periodic `events_link_pending` links what is left.
    transaction.on_commit(callback, robust=True)


# The events of the innermost `events_batched` block, in the order they were recorded.
_BATCHED: ContextVar[list[Event] | None] = ContextVar("timeline_batched", default=None)


@contextmanager
def events_batched() -> Iterator[None]:
    """Record the events of the block (every `event_record` and `events_record` in it) with
    one INSERT when it ends, in the order they were recorded, so in that order on their
    chains; linked after the commit as always (issue 9 item 2: a registration's events in
    one statement instead of one savepoint and INSERT each). The events recorded in the
    block have no primary key until it ends; nothing is written if it raises."""
    pending: list[Event] = []
    token = _BATCHED.set(pending)
    try:
        yield
    finally:
        _BATCHED.reset(token)
    if pending:
        rows_insert(pending)
        chains: dict[str, list[Event]] = {}
        for event in pending:
            chains.setdefault(event.chain, []).append(event)
        for chain, events in chains.items():
            _link_on_commit(chain, events)


def _batched(events: list[Event]) -> bool:
    """Keep `events` for the enclosing `events_batched` block, if there is one."""
    pending = _BATCHED.get()
    if pending is None:
        return False
    pending.extend(events)
    return True


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
    that rolls back, so does the event. The event is inserted unlinked and numbered in its
    company's chain right after the caller's transaction commits (`chain_link`): the
    chain's head is locked for milliseconds, not for the transaction (issue 9 item 2);
    other companies' chains are never locked (issue 7, item 7).
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
    if _batched([event]):
        return event
    with transaction.atomic():
        event.save(force_insert=True)
        _link_on_commit(event.chain, [event])
    return event


def events_record[M: models.Model](
    *,
    subjects: Iterable[M],
    action: str,
    company: Any,
    actor: Any = None,
    data_for: Callable[[M], Any] = lambda subject: None,
) -> int:
    """Append one event of `action` about each of `subjects` (an import's records, a
    sweep's steps), all in `company`'s chain: the same events `event_record` would write
    one by one, checked, canonicalised, numbered and hashed in the same way, inserted
    together (`lib.bulk.rows_insert`; inside `events_batched`, with the block's other events) and
    linked after the commit with the chain's head locked once per `LINK_BATCH` (issue 9
    items 2 and 5). Returns how many were recorded."""
    subjects = list(subjects)
    if not subjects:
        return 0
    if not action:
        raise ValueError(str(ACTION_REQUIRED))
    if len(action) > 80:
        raise ValueError(str(ACTION_TOO_LONG % {"action": action}))
    code = declared(action)
    actor, actor_name = _actor_parts(actor)
    actor_id = actor.pk if actor is not None else None
    company_id = getattr(company, "pk", company)
    chain = chain_key(company_id)
    action = str(action)
    content_types: dict[type, int] = {}
    events: list[Event] = []
    for subject in subjects:
        if subject.pk is None:
            raise ValueError(str(SUBJECT_NOT_SAVED))
        data = data_for(subject)
        if code is not None:
            code.check_payload(data)
        model = type(subject)
        if model not in content_types:
            content_types[model] = ContentType.objects.get_for_model(subject).pk
        events.append(
            Event(
                content_type_id=content_types[model],
                object_id=str(subject.pk),
                subject_repr=subject_label(subject),
                company_id=company_id,
                actor_id=actor_id,
                actor_name=actor_name,
                at=now(),
                action=action,
                data=canonical(data) if data is not None else {},
                reason="",
                chain=chain,
            )
        )
    if _batched(events):
        return len(events)
    with transaction.atomic():
        rows_insert(events)
        _link_on_commit(chain, events)
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


def verification_record(
    *, triggered_by: Any = None, full: bool = False
) -> tuple[Result, Verification]:
    """Verify the timeline (X-1) and keep the result, whose end of chain becomes an anchor
    that later runs check. Each chain found intact gets its checkpoint moved to its end,
    so the next run walks only what was appended since (issue 9 item 7; `full` walks
    everything). Events left unlinked are reported (after a grace period), then linked
    (issue 9 item 2)."""
    result = timeline_check(full=full)
    events_link_pending()
    at = now()
    for chain in result.chains:
        if chain.ok and chain.head_seq:
            checkpoint_store(chain=chain.chain, seq=chain.head_seq, hash=chain.head_hash, at=at)
    run = Verification.objects.create(
        at=at,
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
