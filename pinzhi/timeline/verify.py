"""The timeline verifier (X-1): walks each hash chain (one per company, one for global
events, and the legacy chain of the events recorded before the chains were split) in
sequence order and reports every event that was altered, inserted or deleted behind the
application's back, naming the chain it belongs to.

Streaming: one pass over the events with a server-side cursor, constant memory apart from
the findings, so it runs over millions of rows.
"""

import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pinzhi.lib.clock import now
from pinzhi.timeline import checkpoints as checkpointing
from pinzhi.timeline.canonical import event_hash, hash_key
from pinzhi.timeline.models import (
    GENESIS_HASH,
    LEGACY_CHAIN,
    ChainHead,
    Event,
    Verification,
    chain_company_id,
    chain_key,
    company_model,
)

ALTERED = "altered"
DELETED = "deleted"
INSERTED = "inserted"
UNLINKED = "unlinked"

# An event is linked into its chain right after its transaction commits (issue 9 item 2);
# one still unlinked after this long was left by a process that died between its commit
# and its link, or was inserted behind the application's back. Reported, then linked by
# the recorded verification (`services.verification_record`).
UNLINKED_GRACE = timedelta(minutes=5)

LEGACY_LABEL = _("Events before the per-company chains")
GLOBAL_LABEL = _("Operator and global events")
COMPANY_LABEL = _("Company %(name)s")

KIND_LABELS = {
    ALTERED: _("Altered"),
    DELETED: _("Deleted"),
    INSERTED: _("Inserted"),
    UNLINKED: _("Not linked"),
}

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
    "wrong_chain": _("It was filed in the chain of another company than its own."),
    "block_changed": _(
        "Events #%(first)s to #%(last)s were changed after the verification of "
        "%(verified_at)s (their digest differs)."
    ),
    "unlinked": _(
        "It was recorded at %(at)s but never linked into its chain: the process that should "
        "have linked it stopped, or the row was inserted behind the application's back."
    ),
}

_FIELDS = (
    "id",
    "chain",
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
    chain: str = LEGACY_CHAIN  # the chain (see models.chain_key) the finding is about

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


def chain_labels(chains: Iterable[str]) -> dict[str, str]:
    """A label for each chain key, in the reader's language (the company's name)."""
    Company = company_model()

    chains = set(chains)
    ids = {chain_company_id(c) for c in chains} - {None}
    names = dict(Company.objects.filter(pk__in=ids).values_list("pk", "name"))
    labels = {}
    for chain in chains:
        company_id = chain_company_id(chain)
        if chain == LEGACY_CHAIN:
            labels[chain] = str(LEGACY_LABEL)
        elif company_id is None:
            labels[chain] = str(GLOBAL_LABEL)
        else:
            name = names.get(company_id, f"#{company_id}")
            labels[chain] = gettext(str(COMPANY_LABEL)) % {"name": name}
    return labels


@dataclass
class ChainReport:
    """The outcome for one chain: the verifier reports per company."""

    chain: str
    events_checked: int = 0
    problems: int = 0
    head_seq: int | None = None
    head_hash: str = ""
    last_id: int = 0

    @property
    def company_id(self) -> int | None:
        return chain_company_id(self.chain)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Result:
    events_checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    # The end of the chain holding the newest event.
    head_seq: int | None = None
    head_hash: str = ""
    duration_ms: int = 0
    chains: list[ChainReport] = field(default_factory=list)

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
        chain=row["chain"],
    )


class _Walker:
    """Walks one chain."""

    def __init__(
        self,
        chain: str,
        head: ChainHead | None,
        anchors: dict[int, tuple[str, str]],
        genesis: str,
        type_keys: dict[int, str],
        key: bytes,
        start: dict | None = None,
    ):
        self.chain = chain
        self.head = head
        self.first_head = head
        self.anchors = anchors
        self.type_keys = type_keys
        self.key = key
        self.findings: list[Finding] = []
        self.events_checked = 0
        self.expected_seq = 1
        self.prev: dict | None = None  # the last event accepted as genuine
        self.prev_hash = genesis
        self.prev_altered = False
        if start is not None:
            # Resume after a checkpoint: its event, checked already, is the last genuine.
            self.expected_seq = start["seq"] + 1
            self.prev = start
            self.prev_hash = start["hash"]

    def finding(self, kind: str, code: str, **params: Any) -> Finding:
        return Finding(kind=kind, code=code, params=params, chain=self.chain)

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
        self.events_checked += len(rows)
        checks = [(row, self.recomputed(row) == row["hash"]) for row in rows]
        if self.chain != LEGACY_CHAIN:
            # The chain is not hashed, but the company is: an intact event moved to another
            # company's chain is named there (a changed company is an alteration).
            for row, ok in checks:
                if ok and chain_key(row["company_id"]) != self.chain:
                    self.findings.append(_about(row, INSERTED, "wrong_chain"))
        if self.head is None or seq > self.head.seq:
            # Appended since the walk began (a chain's first events included)? The events
            # come from one snapshot taken after the heads were first read, so a fresh head
            # covers every genuine one of them.
            self.head = ChainHead.objects.filter(chain=self.chain).first() or self.head
        if self.head is not None and seq > self.head.seq:
            for row in rows:
                self.findings.append(_about(row, INSERTED, "beyond_head", head_seq=self.head.seq))
            return
        gap = seq > self.expected_seq
        if gap:
            self.findings.append(
                self.finding(
                    DELETED, "missing", first=self.expected_seq, last=seq - 1, next_seq=seq
                )
            )

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
                self.findings.append(self.finding(DELETED, "head_missing"))
            return
        if head.seq >= self.expected_seq:
            self.findings.append(
                self.finding(DELETED, "missing_tail", first=self.expected_seq, last=head.seq)
            )
        elif (
            self.prev is not None
            and head.seq == self.prev["seq"]
            and head.hash != self.prev["hash"]
        ):
            already = any(f.event_id == self.prev["id"] for f in self.findings)
            if not already:
                self.findings.append(_about(self.prev, ALTERED, "head_mismatch"))


def _anchors() -> dict[str, dict[int, tuple[str, str]]]:
    """chain → seq → (hash, time) of each chain's end at each earlier successful
    verification. Runs from before the split recorded only the legacy chain's end."""
    anchors: dict[str, dict[int, tuple[str, str]]] = {}
    runs = Verification.objects.filter(ok=True).order_by("at", "pk")
    for seq, hash_, at, heads in runs.values_list("head_seq", "head_hash", "at", "heads"):
        when = at.isoformat(timespec="seconds")
        ends = heads or ({LEGACY_CHAIN: [seq, hash_]} if seq is not None else {})
        for chain, (end_seq, end_hash) in ends.items():
            anchors.setdefault(chain, {}).setdefault(end_seq, (end_hash, when))
    return anchors


def _unlinked_findings(result: "Result") -> list[Finding]:
    """The events left unlinked for longer than UNLINKED_GRACE, one finding each (their
    chain's report counts them as problems). Younger ones are being linked."""
    stale = (
        Event.objects.filter(seq__isnull=True, at__lt=now() - UNLINKED_GRACE)
        .order_by("chain", "id")
        .values("id", "chain", "seq", "action", "subject_repr", "at")
    )
    findings = []
    reports = {c.chain: c for c in result.chains}
    for row in stale.iterator(chunk_size=2000):
        findings.append(
            _about(dict(row), UNLINKED, "unlinked", at=row["at"].isoformat(" ", "seconds"))
        )
        report = reports.get(row["chain"])
        if report is None:
            report = reports[row["chain"]] = ChainReport(chain=row["chain"])
            result.chains.append(report)
        report.problems += 1
    return findings


def _resumable(
    heads: dict[str, ChainHead], make: Any
) -> tuple[dict[str, dict], dict[str, tuple[list[int], Any]]]:
    """For each chain with a usable checkpoint, the event to resume after (when the
    checkpoint's event still carries its hash and no block of the verified part changed),
    else the changed blocks: such a chain is walked whole."""
    starts: dict[str, dict] = {}
    rewalk: dict[str, tuple[list[int], Any]] = {}
    for chain, checkpoint in checkpointing.checkpoints_usable(heads).items():
        head = heads[chain]
        rows = list(Event.objects.filter(chain=chain, seq=checkpoint.seq).values(*_FIELDS))
        changed = checkpointing.changed_blocks(checkpoint)
        anchor_ok = (
            len(rows) == 1
            and rows[0]["hash"] == checkpoint.hash
            and make(chain).recomputed(rows[0]) == checkpoint.hash
        )
        if anchor_ok and not changed and head.seq >= checkpoint.seq:
            starts[chain] = rows[0]
        else:
            rewalk[chain] = (changed, checkpoint)
    return starts, rewalk


def timeline_check(*, chunk_size: int = 2000, full: bool = False) -> Result:
    """Walk every chain and return every finding (X-1); an empty list means intact. The
    result also reports each chain (each company) on its own.

    Unless `full`, a chain with a checkpoint (`ChainCheckpoint`, issue 9 item 7) is walked
    from there: only its new events are read and hashed; the part already verified is
    checked by its block digests (one aggregate query per chain), and walked whole again,
    naming the events concerned, only when a block changed. `events_checked` counts the
    events read and hashed."""
    started = time.monotonic()
    # Heads first, then the events: a head read before the events covers each of them.
    heads = {head.chain: head for head in ChainHead.objects.all()}
    legacy = heads.get(LEGACY_CHAIN)
    genesis = legacy.hash if legacy is not None else GENESIS_HASH
    anchors = _anchors()
    type_keys = {
        pk: f"{app}.{model}"
        for pk, app, model in ContentType.objects.values_list("pk", "app_label", "model")
    }
    key = hash_key()
    result = Result()
    newest_id = -1

    def make(chain: str, head: ChainHead | None = None, start: dict | None = None) -> _Walker:
        return _Walker(
            chain,
            head,
            anchors.get(chain, {}),
            GENESIS_HASH if chain == LEGACY_CHAIN else genesis,
            type_keys,
            key,
            start,
        )

    starts, rewalk = ({}, {}) if full else _resumable(heads, make)

    def walker_for(chain: str) -> _Walker:
        return make(chain, heads.pop(chain, None), starts.get(chain))

    def close(walker: _Walker) -> None:
        nonlocal newest_id
        walker.finish()
        if walker.chain in rewalk and not walker.findings:
            # A change the walk cannot see (a row's content rewritten to the same meaning,
            # e.g. 1 as 1.0): the digest still names the blocks.
            changed, checkpoint = rewalk[walker.chain]
            size = checkpoint.block_size
            when = checkpoint.verified_at.isoformat(timespec="seconds")
            for n in changed:
                walker.findings.append(
                    walker.finding(
                        ALTERED,
                        "block_changed",
                        first=n * size + 1,
                        last=min((n + 1) * size, checkpoint.seq),
                        verified_at=when,
                    )
                )
        result.findings.extend(walker.findings)
        report = ChainReport(
            chain=walker.chain,
            events_checked=walker.events_checked,
            problems=len(walker.findings),
        )
        if walker.prev is not None:
            report.head_seq, report.head_hash = walker.prev["seq"], walker.prev["hash"]
            report.last_id = walker.prev["id"]
            if report.last_id > newest_id:
                newest_id = report.last_id
                result.head_seq, result.head_hash = report.head_seq, report.head_hash
        elif not walker.findings:
            return  # a chain not yet begun
        result.chains.append(report)

    linked = Event.objects.filter(seq__isnull=False)
    if starts:
        resumed = Q()
        for chain, row in starts.items():
            resumed |= Q(chain=chain, seq__gt=row["seq"])
        linked = linked.filter(~Q(chain__in=list(starts)) | resumed)
    rows = linked.order_by("chain", "seq", "id").values(*_FIELDS).iterator(chunk_size=chunk_size)
    walker: _Walker | None = None
    group: list[dict] = []
    for row in rows:
        result.events_checked += 1
        if group and (row["chain"], row["seq"]) != (group[0]["chain"], group[0]["seq"]):
            walker.group(group)  # type: ignore[union-attr]
            group = []
        if walker is None or row["chain"] != walker.chain:
            if walker is not None:
                close(walker)
            walker = walker_for(row["chain"])
        group.append(row)
    if group and walker is not None:
        walker.group(group)
    if walker is not None:
        close(walker)
    # Chains whose every event is gone still have their head.
    for chain in list(heads):
        close(walker_for(chain))
    result.findings.extend(_unlinked_findings(result))
    result.chains.sort(key=lambda c: (c.chain != LEGACY_CHAIN, c.company_id or 0, c.chain))
    result.duration_ms = int((time.monotonic() - started) * 1000)
    return result
