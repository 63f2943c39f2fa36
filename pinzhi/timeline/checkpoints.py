"""Checkpoints of the timeline verifier (issue 9 item 7).

A run of `verify-timeline` walks, per chain, only the events after the checkpoint where
the last run found that chain intact (`ChainCheckpoint`): it checks that the event there
still carries the hash recorded, and that the part already verified is unchanged by
recomputing a digest per block of `CHECKPOINT_BLOCK` events, one aggregate query per
chain (PostgreSQL computes the SHA-256 of each row and of each block itself; nothing is
hashed in Python). A block whose digest differs sends the whole chain to a full walk,
which names the events concerned. On SQLite (the demo) the digests are computed in
Python, correct but not faster; a checkpoint written by another database is not trusted.
"""

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime

from django.db import connection

from pinzhi.timeline.models import ChainCheckpoint, Event

# Events per block of the digests (a block holds seq n*size+1 … (n+1)*size).
CHECKPOINT_BLOCK = 10_000

# The content of a row as the digest sees it: everything the event hash covers, plus its
# number, links and chain, in one unambiguous JSON array.
_ROW_FIELDS = (
    "seq",
    "prev_hash",
    "hash",
    "chain",
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


def algorithm() -> str:
    """The digest's algorithm on the current database."""
    return "pg-sha256-1" if connection.vendor == "postgresql" else "py-sha256-1"


Digests = dict[int, tuple[int, str]]  # block number → (events in it, digest)


def _digests_sql(chain: str, *, after: int, upto: int, size: int) -> Digests:
    table = connection.ops.quote_name(Event._meta.db_table)
    row = ", ".join(
        "extract(epoch from at)" if name == "at" else connection.ops.quote_name(name)
        for name in _ROW_FIELDS
    )
    sql = (
        f"SELECT (seq - 1) / %s AS block, count(*), encode(sha256(convert_to(string_agg("
        f"encode(sha256(convert_to(json_build_array({row})::text, 'UTF8')), 'hex'), '' "
        f"ORDER BY seq, id), 'UTF8')), 'hex') FROM {table} "
        f"WHERE chain = %s AND seq > %s AND seq <= %s GROUP BY 1 ORDER BY 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [size, chain, after, upto])
        return {int(block): (int(count), digest) for block, count, digest in cursor.fetchall()}


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def _digests_python(chain: str, *, after: int, upto: int, size: int) -> Digests:
    rows = (
        Event.objects.filter(chain=chain, seq__gt=after, seq__lte=upto)
        .order_by("seq", "id")
        .values_list(*_ROW_FIELDS)
        .iterator(chunk_size=2000)
    )
    digests: Digests = {}
    block, count, digest = -1, 0, hashlib.sha256()

    def close() -> None:
        if count:
            digests[block] = (count, digest.hexdigest())

    for values in rows:
        seq = values[0]
        if (seq - 1) // size != block:
            close()
            block, count, digest = (seq - 1) // size, 0, hashlib.sha256()
        text = json.dumps([_plain(v) for v in values], sort_keys=True, ensure_ascii=False)
        digest.update(hashlib.sha256(text.encode("utf-8")).hexdigest().encode("ascii"))
        count += 1
    close()
    return digests


def block_digests(chain: str, *, after: int, upto: int, size: int) -> Digests:
    """The digest of each block of `chain` over the events numbered after..upto."""
    if connection.vendor == "postgresql":
        return _digests_sql(chain, after=after, upto=upto, size=size)
    return _digests_python(chain, after=after, upto=upto, size=size)


def usable(checkpoint: ChainCheckpoint) -> bool:
    """Whether a checkpoint was written the way this database computes digests now."""
    return checkpoint.algorithm == algorithm() and checkpoint.block_size == CHECKPOINT_BLOCK


def changed_blocks(checkpoint: ChainCheckpoint) -> list[int]:
    """The blocks of the verified part (events 1 … checkpoint.seq) whose digest differs
    from the one stored: rows altered, added or deleted there since."""
    stored = {int(n): (int(count), str(digest)) for n, count, digest in checkpoint.blocks}
    now = block_digests(checkpoint.chain, after=0, upto=checkpoint.seq, size=checkpoint.block_size)
    return sorted(n for n in set(stored) | set(now) if stored.get(n) != now.get(n))


def checkpoint_store(*, chain: str, seq: int, hash: str, at: datetime) -> ChainCheckpoint:
    """Move `chain`'s checkpoint to (seq, hash), just verified: only the blocks from the
    one holding the previous checkpoint's end onwards are digested again."""
    old = ChainCheckpoint.objects.filter(chain=chain).first()
    size = CHECKPOINT_BLOCK
    kept: list[list] = []
    first_block = 0
    if old is not None and usable(old) and old.seq <= seq:
        first_block = old.seq // size
        kept = [list(b) for b in old.blocks if int(b[0]) < first_block]
    fresh = block_digests(chain, after=first_block * size, upto=seq, size=size)
    blocks = kept + [[n, count, digest] for n, (count, digest) in sorted(fresh.items())]
    checkpoint, _created = ChainCheckpoint.objects.update_or_create(
        chain=chain,
        defaults={
            "seq": seq,
            "hash": hash,
            "verified_at": at,
            "algorithm": algorithm(),
            "block_size": size,
            "blocks": blocks,
        },
    )
    return checkpoint


def checkpoints_usable(chains: Iterable[str] | None = None) -> dict[str, ChainCheckpoint]:
    """The checkpoints the next run may start from, by chain."""
    checkpoints = ChainCheckpoint.objects.all()
    if chains is not None:
        checkpoints = checkpoints.filter(chain__in=list(chains))
    return {cp.chain: cp for cp in checkpoints if usable(cp)}
