"""The timeline (X-1): an append-only, hash-chained record of every change, and the
attachments (photos, PDFs, office files) that quality records carry.

Rows are only ever added, by `services.event_record` and `services.attachment_add`; the
admin is read-only, and `pinzhi verify-timeline` reports any row changed, inserted or
deleted behind the application's back.
"""

from typing import Any

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from pinzhi.lib.fields import company_fk, person_fk

# prev_hash of the first event of a chain on a database that had no events before the
# per-company chains began (see `chain_genesis` in services).
GENESIS_HASH = "0" * 64

# Event.chain of the events recorded before the cut-over to one chain per company: they
# stay one global chain, verified as they were written (see docs/architecture.md).
LEGACY_CHAIN = ""
GLOBAL_CHAIN = "global"


def chain_key(company_id: int | None) -> str:
    """The chain an event of `company_id` is appended to: one per company, and one for the
    operator's and global events (no company). A string key rather than a nullable foreign
    key, so that the unique head per chain holds on PostgreSQL (where NULLs are distinct)."""
    return GLOBAL_CHAIN if company_id is None else f"company:{company_id}"


def chain_company_id(key: str) -> int | None:
    """The company of a chain key (None for the global and the legacy chain)."""
    return int(key.removeprefix("company:")) if key.startswith("company:") else None


class Event(models.Model):
    """事件: one attributed, time-stamped change to any object, linked to the one before."""

    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject type")
    )
    # A string, so that subjects with any kind of primary key can have a timeline.
    object_id = models.CharField(_("subject id"), max_length=64)
    subject = GenericForeignKey("content_type", "object_id")
    # A label safe to show to every reader of the log: never a customer's personal data
    # (ORG-3), because an event can never be changed afterwards.
    subject_repr = models.CharField(_("subject"), max_length=200)
    # The company whose log the event belongs to (ORG-2); hashed, so PROTECT, never SET_NULL.
    company = company_fk(on_delete=models.PROTECT)
    actor = person_fk(_("actor"))
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    at = models.DateTimeField(_("time"))
    action = models.CharField(_("action"), max_length=80)
    data = models.JSONField(_("data"), default=dict, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # The chain the event belongs to (`chain_key` of its company; LEGACY_CHAIN before the
    # cut-over) and its number in that chain, 1, 2, 3 … without gaps. An event is inserted
    # unlinked (seq NULL, hashes empty) by its transaction and linked right after that
    # commits, in a short transaction of its own (`services.chain_link`, issue 9 item 2).
    chain = models.CharField(_("chain"), max_length=40, blank=True, default=LEGACY_CHAIN)
    seq = models.BigIntegerField(_("sequence number"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True, default="")
    hash = models.CharField(_("hash"), max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        # Ids grow in the order events are inserted, which is the order of their
        # transactions' work; `seq` is the order in which they were linked into their chain
        # (the order their transactions committed in).
        ordering = ["-id"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="timeline_event_chain_seq")
        ]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "seq"], name="timeline_event_subject"
            ),
            models.Index(fields=["action", "at"], name="timeline_event_action_at"),
            models.Index(fields=["at"], name="timeline_event_at"),
            models.Index(fields=["company", "seq"], name="timeline_event_company_seq"),
            # The events committed but not yet linked: what the linker reads.
            models.Index(
                fields=["chain", "id"],
                condition=models.Q(seq__isnull=True),
                name="timeline_event_unlinked",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} · {self.subject_repr}"

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each field whose value differs, for display."""
        before = self.before if isinstance(self.before, dict) else {}
        after = self.after if isinstance(self.after, dict) else {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class ChainHead(models.Model):
    """The end of one chain (one row per company, one for global events, one frozen row for
    the legacy chain): locked by every append to that chain so that concurrent transactions
    cannot fork it, and read by the verifier to detect events deleted from the end. Writes
    of different companies lock different rows and never wait on each other."""

    chain = models.CharField(max_length=40, unique=True, default=LEGACY_CHAIN)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("chain head")
        verbose_name_plural = _("chain heads")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.chain or 'legacy'} #{self.seq} {self.hash[:12]}"


class Verification(models.Model):
    """One run of the timeline verifier, kept to show the last result and as an anchor:
    a later run checks that the event it ended at still carries the same hash."""

    at = models.DateTimeField(_("time"), db_index=True)
    ok = models.BooleanField(_("intact"))
    events_checked = models.BigIntegerField(_("events checked"))
    head_seq = models.BigIntegerField(_("last sequence number"), null=True)
    head_hash = models.CharField(_("last hash"), max_length=64, blank=True)
    # chain key → [seq, hash] of each chain's end: the anchors later runs check.
    heads = models.JSONField(_("chain ends"), default=dict, blank=True)
    findings = models.JSONField(_("findings"), default=list, blank=True)
    triggered_by = person_fk(_("triggered by"), on_delete=models.SET_NULL)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("timeline verification")
        verbose_name_plural = _("timeline verifications")
        ordering = ["-at", "-pk"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {'OK' if self.ok else 'FAILED'}"


def attachment_upload_to(instance: "Attachment", filename: str) -> str:
    # `filename` is already the random safe name made by the service.
    return f"attachments/{instance.uploaded_at:%Y/%m}/{filename}"


class Attachment(models.Model):
    """附件: a photo, PDF or office file attached to any record."""

    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject type")
    )
    object_id = models.CharField(_("subject id"), max_length=64)
    subject = GenericForeignKey("content_type", "object_id")
    subject_repr = models.CharField(_("subject"), max_length=200)
    # The company of the record it is attached to (ORG-2): downloads never cross companies.
    company = company_fk(on_delete=models.PROTECT)
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    mime_type = models.CharField(_("file type"), max_length=120)
    size = models.BigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = person_fk(_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-uploaded_at", "-pk"]
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="timeline_attachment_subject")
        ]

    def __str__(self) -> str:
        return self.original_name


def company_model() -> Any:
    """The model an event's company is (ORG-2), as the foreign key names it: the timeline
    sits below the apps (docs/architecture.md, Layers) and imports none of them."""
    model = Event._meta.get_field("company").related_model
    assert isinstance(model, type)
    return model


class EventCursor(models.Model):
    """One consumer's place in the timeline (issue 7, item 5): for each chain, the number
    (`seq`) of the last event it consumed. Chains are numbered without gaps and appended
    under their head's lock, so "after seq N of chain C" is exact, whereas ids across
    chains are not committed in order. `claims` counts the batches taken: a batch is
    claimed by one conditional UPDATE on the count read, so that of two workers racing only
    one gets it (see `timeline.consumers.events_consume`). Only linked events are read:
    an event gets its `seq` after its transaction committed, in commit order."""

    name = models.CharField(_("consumer"), max_length=100, unique=True)
    # chain key → seq of the last event consumed in that chain.
    positions = models.JSONField(_("positions"), default=dict, blank=True)
    claims = models.BigIntegerField(_("batches claimed"), default=0)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("event cursor")
        verbose_name_plural = _("event cursors")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.name} ({self.claims})"


class ChainCheckpoint(models.Model):
    """Where the verifier last found one chain intact (issue 9 item 7): the (seq, hash) it
    ended at, and a digest of each block of `block_size` events up to there, computed by
    the database with one aggregate per block. The next run walks only the events after
    `seq`, checks that the event at `seq` still carries `hash`, and recomputes the block
    digests to catch rows changed behind the application's back in the part already
    verified (`verify.timeline_check`)."""

    chain = models.CharField(max_length=40, unique=True)
    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    verified_at = models.DateTimeField()
    # How the digests were computed (the database's own function, or Python's on SQLite):
    # a checkpoint of another kind is not trusted and the chain is walked whole.
    algorithm = models.CharField(max_length=40)
    block_size = models.PositiveIntegerField()
    # [[block number, events in it, digest], …], block n holding seq n*size+1 … (n+1)*size.
    blocks = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("chain checkpoint")
        verbose_name_plural = _("chain checkpoints")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.chain or 'legacy'} #{self.seq}"
