"""The timeline verifier (X-1): walks the hash chain in sequence order and reports every
event that was altered, inserted or deleted behind the application's back.

Streaming: one pass over the events with a server-side cursor, constant memory apart from
the findings, so it runs over millions of rows.
"""

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pinzhi.timeline.canonical import event_hash, hash_key
from pinzhi.timeline.models import GENESIS_HASH, ChainHead, Event, Verification

ALTERED = "altered"
DELETED = "deleted"
INSERTED = "inserted"

KIND_LABELS = {ALTERED: _("Altered"), DELETED: _("Deleted"), INSERTED: _("Inserted")}

# Why an event is reported; the message is rendered in the reader's language.
MESSAGES = {
    "hash_mismatch": _(
        "Its content no longer matches its hash: the row was changed after it was recorded."
    ),
    "anchor_mismatch": _(
        "Its hash differs from the one recorded by the verification of %(anchor_at)s: the "
        "chain was rewritten from here on."
    ),
    "head_mismatch": _(
        "The chain head records a different hash for the last event: it was rewritten."
    ),
    "broken_link": _(
        "Its previous hash does not match the hash of event #%(prev_seq)s: this event was "
        "inserted, or event #%(prev_seq)s was rewritten and re-hashed."
    ),
    "bad_genesis": _("The first event does not start the chain."),
    "duplicate_seq": _("Another event already has sequence number %(seq)s."),
    "beyond_head": _(
        "It lies beyond the end of the chain (#%(head_seq)s): it was not recorded by Pinzhi."
    ),
    "missing": _("Events #%(first)s to #%(last)s are missing (before event #%(next_seq)s)."),
    "missing_tail": _("Events #%(first)s to #%(last)s are missing from the end of the chain."),
    "head_missing": _("The chain head is missing: events may have been deleted from the end."),
}

_FIELDS = (
    "id",
    "seq",
    "prev_hash",
    "hash",
    "content_type_id",
    "object_id",
    "subject_repr",
    "company_id",
    "actor_id",
    "actor_name",
    "at",
    "action",
    "data",
    "before",
    "after",
    "reason",
)


@dataclass(frozen=True)
class Finding:
    """One problem in the chain, naming the event concerned (when there is one)."""

    kind: str  # ALTERED, DELETED or INSERTED
    code: str  # key of MESSAGES
    seq: int | None = None
    event_id: int | None = None
    action: str = ""
    subject: str = ""
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        text = gettext(str(MESSAGES[self.code]))
        return text % self.params if self.params else text

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"message": self.message}

    @classmethod
    def from_dict(cls, data: dict) -> "Finding":
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class Result:
    events_checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    head_seq: int | None = None
    head_hash: str = ""
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings


def _about(row: dict, kind: str, code: str, **params: Any) -> Finding:
    return Finding(
        kind=kind,
        code=code,
        seq=row["seq"],
        event_id=row["id"],
        action=row["action"],
        subject=row["subject_repr"],
        params=params,
    )


class _Walker:
    def __init__(self, head: ChainHead | None, anchors: dict[int, tuple[str, str]]):
        self.head = head
        self.first_head = head
        self.anchors = anchors
        self.type_keys = {
            pk: f"{app}.{model}"
            for pk, app, model in ContentType.objects.values_list("pk", "app_label", "model")
        }
        self.key = hash_key()
        self.findings: list[Finding] = []
        self.expected_seq = 1
        self.prev: dict | None = None  # the last event accepted as genuine
        self.prev_hash = GENESIS_HASH
        self.prev_altered = False

    def recomputed(self, row: dict) -> str:
        return event_hash(
            seq=row["seq"],
            prev_hash=row["prev_hash"],
            subject_type=self.type_keys.get(row["content_type_id"], "?"),
            object_id=row["object_id"],
            subject_repr=row["subject_repr"],
            company_id=row["company_id"],
            actor_id=row["actor_id"],
            actor_name=row["actor_name"],
            at=row["at"],
            action=row["action"],
            data=row["data"],
            before=row["before"],
            after=row["after"],
            reason=row["reason"],
            key=self.key,
        )

    def group(self, rows: list[dict]) -> None:
        """Check the events sharing one sequence number (normally exactly one)."""
        seq = rows[0]["seq"]
        if self.head is not None and seq > self.head.seq:
            # Appended since the walk began? The events come from one snapshot taken after
            # the head was first read, so a fresh head covers every genuine one of them.
            self.head = ChainHead.objects.filter(pk=1).first() or self.head
        if self.head is not None and seq > self.head.seq:
            for row in rows:
                self.findings.append(_about(row, INSERTED, "beyond_head", head_seq=self.head.seq))
            return
        gap = seq > self.expected_seq
        if gap:
            self.findings.append(
                Finding(
                    kind=DELETED,
                    code="missing",
                    params={"first": self.expected_seq, "last": seq - 1, "next_seq": seq},
                )
            )
        checks = [(row, self.recomputed(row) == row["hash"]) for row in rows]

        def links(row: dict) -> bool:
            # After a gap or an altered event (whose stored hash is then untrusted too),
            # the link cannot be judged; that event is reported already.
            return gap or self.prev_altered or row["prev_hash"] == self.prev_hash

        genuine, intact = next(
            ((row, True) for row, ok in checks if ok and links(row)), (rows[0], checks[0][1])
        )
        for row in rows:
            if row is not genuine:
                self.findings.append(_about(row, INSERTED, "duplicate_seq", seq=seq))
        if not intact:
            self.findings.append(_about(genuine, ALTERED, "hash_mismatch"))
        elif not links(genuine):
            if self.prev is None:
                self.findings.append(_about(genuine, INSERTED, "bad_genesis"))
            else:
                self.findings.append(
                    _about(genuine, INSERTED, "broken_link", prev_seq=self.prev["seq"])
                )
        elif seq in self.anchors and self.anchors[seq][0] != genuine["hash"]:
            self.findings.append(
                _about(genuine, ALTERED, "anchor_mismatch", anchor_at=self.anchors[seq][1])
            )
        self.prev = genuine
        self.prev_hash = genuine["hash"]
        self.prev_altered = not intact
        self.expected_seq = seq + 1

    def finish(self) -> None:
        # Only the head read before the events were is sure to describe their snapshot.
        head = self.first_head
        if head is None:
            if self.prev is not None:
                self.findings.append(Finding(kind=DELETED, code="head_missing"))
            return
        if head.seq >= self.expected_seq:
            self.findings.append(
                Finding(
                    kind=DELETED,
                    code="missing_tail",
                    params={"first": self.expected_seq, "last": head.seq},
                )
            )
        elif (
            self.prev is not None
            and head.seq == self.prev["seq"]
            and head.hash != self.prev["hash"]
        ):
            already = any(f.event_id == self.prev["id"] for f in self.findings)
            if not already:
                self.findings.append(_about(self.prev, ALTERED, "head_mismatch"))


def _anchors() -> dict[int, tuple[str, str]]:
    """seq → (hash, time) of the chain's end at each earlier successful verification."""
    anchors: dict[int, tuple[str, str]] = {}
    runs = Verification.objects.filter(ok=True, head_seq__isnull=False).order_by("at")
    for seq, hash_, at in runs.values_list("head_seq", "head_hash", "at"):
        anchors.setdefault(seq, (hash_, at.isoformat(timespec="seconds")))
    return anchors


def timeline_check(*, chunk_size: int = 2000) -> Result:
    """Walk the whole chain and return every finding (X-1); an empty list means intact."""
    started = time.monotonic()
    walker = _Walker(ChainHead.objects.filter(pk=1).first(), _anchors())
    result = Result()
    rows = Event.objects.order_by("seq", "id").values(*_FIELDS).iterator(chunk_size=chunk_size)
    group: list[dict] = []
    for row in rows:
        result.events_checked += 1
        if group and row["seq"] != group[0]["seq"]:
            walker.group(group)
            group = []
        group.append(row)
    if group:
        walker.group(group)
    walker.finish()
    result.findings = walker.findings
    if walker.prev is not None:
        result.head_seq, result.head_hash = walker.prev["seq"], walker.prev["hash"]
    result.duration_ms = int((time.monotonic() - started) * 1000)
    return result
