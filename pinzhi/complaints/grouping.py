"""Topic groups of repeat complaints (CMP-8): complaints about the same thing grouped, by
the meaning of their texts and by their words (issue 8 item 4).

Two views of a complaint are combined into one unit vector:

- its meaning: the stored sentence-embedding vector (`Complaint.meaning`, meaning.py), so
  that 吵, 吵闹, 隔音 and 噪音 count as one topic. What every complaint shares ("太差了",
  "以后不会再住") is taken out by centring the vectors on the mean of the complaints
  compared, blended with a reference mean of varied complaints while they are few;
- its words: TF-IDF over `Complaint.search_text` (jieba's cut, traditional folded to
  simplified, stop words and the customer's own name and address words removed), each word
  also counted as its concept when it has one (`fold_concepts`: 吵, 隔音 → 噪音; 脏, 霉味 →
  卫生; a small table in data/topic_concepts.txt), hashed into a fixed width. The same
  words name each group (`keywords_of`).

The cosine of two combined vectors is `MEANING_WEIGHT` × the meaning similarity plus the
rest × the word similarity; a complaint joins a topic when it reaches the pack's
`complaints.repeat_similarity` (percent). Everything is numpy matrix work on stored
vectors: nothing is downloaded at run time.

- `vectorise(documents)`: TF-IDF vectors (unit length) of word lists; `cosine(a, b)`.
- `features(meanings, keyword_vectors)`: the combined matrix.
- `cluster(matrix, threshold)`: leader clustering against running centroids in the order
  given (chronological), a reassignment pass and a merge of close topics.
- `groups_rebuild(*, company, since, until, actor=None)`: regroup a period's complaints into
  RepeatGroups, keeping the root cause and corrective action of the old groups that match.

Measured on hand-labelled real texts (tests/data/topics_*.csv): `pinzhi topic-quality`.
"""

import math
import time
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from itertools import islice
from pathlib import Path

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils.translation import gettext_lazy as _

from pinzhi.complaints import meaning
from pinzhi.complaints.events import ComplaintEvent
from pinzhi.complaints.models import Complaint, RepeatGroup
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.policy.selectors import RuleNotFound, rule_value
from pinzhi.timeline.services import event_record

DEFAULT_THRESHOLD = 0.22
KEYWORD_COUNT = 6
LABEL_KEYWORDS = 3
UNNAMED_TOPIC = _("Unnamed topic")
# The share of the meaning in the combined similarity; the words make up the rest.
MEANING_WEIGHT = 0.6
# How many times a word's concept is counted (data/topic_concepts.txt).
CONCEPT_REPEAT = 4
CONCEPTS_FILE = Path(__file__).resolve().parent / "data" / "topic_concepts.txt"
# Width of the hashed word vectors (collisions are rare among the words of one topic).
KEYWORD_DIMENSIONS = 512
# Rows handled at a time where a whole-matrix temporary would double the memory.
CHUNK = 4096
# While fewer complaints than this are compared, their mean is blended with the reference
# mean (two complaints centred on their own mean would point in opposite directions).
CENTRE_PRIOR = 5
# Varied complaints whose mean meaning is the reference "what complaints share".
REFERENCE_TEXTS = (
    "电梯又坏了，老人上下楼很困难，维修太慢。",
    "楼上装修噪音太大，晚上吵得睡不着。",
    "小区垃圾没人清理，臭味很大。",
    "保安夜间不巡逻，电动车被偷了。",
    "物业费收得高，服务却很差。",
    "停车位被占用，物业不管。",
    "自来水发黄，停水也不提前通知。",
    "房间不干净，床单有污渍。",
    "前台服务态度恶劣，办理入住很慢。",
    "早餐品种太少，去晚了就没有吃的。",
    "空调不制冷，房间很热。",
    "出租车司机不打表，乱收费。",
    "快递不送货上门，还要另外收钱。",
    "学校乱收费，补课费用太高。",
    "医院排队时间太长，医生态度冷漠。",
    "养老保险办理手续太复杂，跑了好几趟。",
    "工厂排放废气污染环境。",
    "道路施工一直没完工，出行很不方便。",
    "商家卖的东西质量差，不给退货。",
    "网速太慢，经常断网。",
    "公交车班次太少，等很久都不来。",
    "外卖送餐超时，饭菜都凉了。",
    "拖欠工资好几个月不发。",
    "绿化带的树被砍了，没人管。",
    "下水道堵塞，污水漫到路上。",
    "价格比宣传的高，感觉被骗了。",
    "处理结果一直没有答复，很失望。",
    "以后再也不会来了，太差了。",
)

Vector = dict[str, float]


def threshold_for(company, at: datetime | None = None) -> float:
    """The similarity (0–1) from which two complaints share a topic: the company pack's
    `complaints.repeat_similarity` (a percent) in force at `at`."""
    try:
        value = rule_value(
            "complaints.repeat_similarity",
            pack=company.policy_pack or "property",
            company=company,
            at=at,
        )
    except RuleNotFound:
        return DEFAULT_THRESHOLD
    return float(Decimal(value) / 100)


@lru_cache(maxsize=1)
def concepts() -> list[tuple[str, tuple[str, ...], frozenset[str]]]:
    """The concept table: (name, cues found inside words, cues matching whole words)."""
    table = []
    for line in CONCEPTS_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _sep, cues = line.partition(":")
        words = cues.split()
        inside = tuple(w for w in words if not w.startswith("="))
        whole = frozenset(w[1:] for w in words if w.startswith("="))
        table.append((name.strip(), inside, whole))
    return table


@lru_cache(maxsize=50_000)
def _concepts_of(word: str) -> tuple[str, ...]:
    return tuple(
        name
        for name, inside, whole in concepts()
        if word in whole or any(cue in word for cue in inside)
    )


def fold_concepts(words: Iterable[str]) -> list[str]:
    """`words`, each followed by its concepts (CONCEPT_REPEAT times each), so that 吵闹 and
    隔音 share the word 噪音 (CMP-8, issue 8 item 4)."""
    out: list[str] = []
    for word in words:
        out.append(word)
        for name in _concepts_of(word):
            out += [name] * CONCEPT_REPEAT
    return out


def _personal_words(complaint: Complaint) -> list[str]:
    return [t for t in (complaint.customer_name, complaint.customer_address) if t]


def document_words(complaint: Complaint) -> list[str]:
    """The words stored for a complaint (search_text, recomputed when missing), without
    the words of its customer's own name and address: a repeat by the same customer or at
    the same address is shown as such, it does not make the texts one topic. Each word is
    followed by its concept (`fold_concepts`)."""
    return words_of(
        search_text=complaint.search_text,
        text=f"{complaint.title} {complaint.content} {complaint.request}",
        personal=_personal_words(complaint),
    )


def words_of(*, search_text: str, text: str, personal: Sequence[str]) -> list[str]:
    """`document_words` of a complaint's columns (the regrouping reads columns, not model
    instances: issue 9 item 6)."""
    if search_text:
        found = search_text.split()
    else:
        from pinzhi.complaints.text import words

        found = words(text)
    personal = [t for t in personal if t]
    if personal:
        found = [w for w in found if len(w) < 2 or not any(w in t for t in personal)]
    return fold_concepts(found)


def vectorise(documents: Iterable[list[str]]) -> list[Vector]:
    """TF-IDF vectors of unit length; idf is smoothed (log((1+N)/(1+df)) + 1) so a word
    found in every document still counts a little. `documents` may be a generator: only
    their word counts are kept (issue 9 item 3)."""
    frequency: Counter = Counter()
    counts = [Counter(doc) for doc in documents]
    total = len(counts)
    for count in counts:
        frequency.update(count.keys())
    idf = {word: math.log((1 + total) / (1 + df)) + 1 for word, df in frequency.items()}
    vectors = []
    for index, count in enumerate(counts):
        vector = {word: (1 + math.log(tf)) * idf[word] for word, tf in count.items()}
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        vectors.append({word: w / norm for word, w in vector.items()})
        counts[index] = Counter()  # released as its vector is made
    return vectors


def cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(word, 0.0) for word, w in a.items())


@lru_cache(maxsize=50_000)
def _slot(word: str) -> int:
    return zlib.crc32(word.encode()) % KEYWORD_DIMENSIONS


def hashed(vectors: Sequence[Vector], *, out: np.ndarray | None = None) -> np.ndarray:
    """Word vectors as a dense (n, KEYWORD_DIMENSIONS) matrix of unit rows (written into
    `out` when given)."""
    matrix = np.zeros((len(vectors), KEYWORD_DIMENSIONS), dtype=np.float32) if out is None else out
    for row, vector in enumerate(vectors):
        for word, weight in vector.items():
            matrix[row, _slot(word)] += weight
    for start in range(0, len(matrix), CHUNK):
        part = matrix[start : start + CHUNK]
        part /= np.maximum(np.linalg.norm(part, axis=1, keepdims=True), 1e-9)
    return matrix


_REAL_ENCODER = meaning.encoder
# The mean of REFERENCE_TEXTS under the real encoder, computed once and shipped (2 KB), so
# that regrouping complaints whose meanings are all stored never loads the model (150 MB
# of the worker's memory, issue 9 item 3). Rebuild it with `reference_mean_store()`.
REFERENCE_MEAN_FILE = Path(__file__).resolve().parent / "data" / "reference_mean.f32"
_reference_means: dict[object, np.ndarray] = {}


def reference_mean() -> np.ndarray:
    """The mean meaning of REFERENCE_TEXTS, once per encoder (the shipped one for the real
    encoder)."""
    if meaning.encoder is _REAL_ENCODER and "shipped" not in _reference_means:
        stored = meaning.from_bytes(REFERENCE_MEAN_FILE.read_bytes())
        if stored is not None:
            _reference_means["shipped"] = stored
    if meaning.encoder is _REAL_ENCODER and "shipped" in _reference_means:
        return _reference_means["shipped"]
    key = id(meaning.encoder())
    if key not in _reference_means:
        _reference_means[key] = meaning.vectors(list(REFERENCE_TEXTS)).mean(axis=0)
    return _reference_means[key]


def reference_mean_store() -> None:
    """Compute REFERENCE_MEAN_FILE with the real encoder (after changing REFERENCE_TEXTS or
    the encoder)."""
    vectors = meaning.vectors(list(REFERENCE_TEXTS))
    REFERENCE_MEAN_FILE.write_bytes(meaning.to_bytes(vectors.mean(axis=0)))


def features(meanings: np.ndarray, keyword_vectors: Sequence[Vector]) -> np.ndarray:
    """The combined unit vectors (n, 512 + KEYWORD_DIMENSIONS): the centred meaning and the
    hashed words, weighted so that a dot product is MEANING_WEIGHT × the meaning cosine +
    (1 − MEANING_WEIGHT) × the word cosine. A row without meaning (all zeros) keeps only
    its words."""
    out = np.zeros((len(meanings), meaning.DIMENSIONS + KEYWORD_DIMENSIONS), dtype=np.float32)
    out[:, : meaning.DIMENSIONS] = meanings
    return _combine(out, keyword_vectors)


def _combine(out: np.ndarray, keyword_vectors: Sequence[Vector]) -> np.ndarray:
    """`features` in place: `out` holds the meanings in its first DIMENSIONS columns; they
    are centred and weighted there, and the hashed words written beside them, a chunk of
    rows at a time (issue 9 item 3: no copy of the whole matrix)."""
    width = meaning.DIMENSIONS
    meanings = out[:, :width]
    present = np.linalg.norm(meanings, axis=1) > 0 if len(out) else np.zeros(0, dtype=bool)
    if present.any():
        known = int(present.sum())
        total = np.zeros(width, dtype=np.float32)
        for start in range(0, len(out), CHUNK):
            total += meanings[start : start + CHUNK][present[start : start + CHUNK]].sum(axis=0)
        centre = (total + CENTRE_PRIOR * reference_mean()) / (known + CENTRE_PRIOR)
        for start in range(0, len(out), CHUNK):
            part = meanings[start : start + CHUNK]
            here = present[start : start + CHUNK]
            part[here] -= centre
            part /= np.maximum(np.linalg.norm(part, axis=1, keepdims=True), 1e-9)
            part *= np.float32(math.sqrt(MEANING_WEIGHT))
    words = hashed(keyword_vectors, out=out[:, width:])
    for start in range(0, len(out), CHUNK):
        words[start : start + CHUNK] *= np.float32(math.sqrt(1 - MEANING_WEIGHT))
    return out


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)


class Dense:
    """Rows of a combined matrix already in memory, read a block at a time like `Period`."""

    def __init__(self, matrix: np.ndarray):
        self.matrix = matrix
        self.shape = matrix.shape

    def __len__(self) -> int:
        return len(self.matrix)

    def block(self, start: int, stop: int) -> np.ndarray:
        return np.asarray(self.matrix[start:stop], dtype=np.float32)


Rows = Dense  # or Period: what the clustering reads (`shape`, `len`, `block`)

# Rows read from the database at a time by the regrouping.
STREAM_CHUNK = 2000


class Period:
    """A period's complaints as the regrouping compares them, in little memory (issue 9
    item 6: a worker regrouping 90 days of 82,000 complaints stays under 300 MB; the float32
    matrix alone was 336 MB): the meanings centred and weighted in a float16 matrix, the
    words as sparse rows (vocabulary index, TF-IDF weight), and the combined float32 rows
    (`features`) built a block at a time when compared (`block`). Besides them it keeps per
    complaint only its id, its old group and its customer's name and address (the words
    kept out of the keywords): no model instance.

    `period_read(queryset)` streams the rows from the database into it."""

    def __init__(self) -> None:
        self.count = 0
        self.pks = np.zeros(0, dtype=np.int64)
        self.old_groups = np.zeros(0, dtype=np.int64)  # 0: none
        self.personal: list[tuple[str, str]] = []
        self.meanings = np.zeros((0, meaning.DIMENSIONS), dtype=np.float16)
        self.indptr = np.zeros(1, dtype=np.int64)
        self.word_ids = np.zeros(0, dtype=np.int32)
        self.counts = np.zeros(0, dtype=np.uint16)  # how often the word is in the row
        self.idf = np.zeros(0, dtype=np.float64)  # per word of the vocabulary
        self.norms = np.zeros(0, dtype=np.float64)  # per row: its TF-IDF vector's length
        self.hashed_norms = np.zeros(0, dtype=np.float64)  # per row: its hashed length
        self.vocabulary: list[str] = []
        self.slots = np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return self.count

    @property
    def shape(self) -> tuple[int, int]:
        return (self.count, meaning.DIMENSIONS + KEYWORD_DIMENSIONS)

    def block(self, start: int, stop: int) -> np.ndarray:
        """Rows start … stop of the combined matrix (see `features`), as float32."""
        stop = min(stop, self.count)
        out = np.zeros((max(stop - start, 0), self.shape[1]), dtype=np.float32)
        if stop <= start:
            return out
        out[:, : meaning.DIMENSIONS] = self.meanings[start:stop]
        rows, a, b = self._rows(start, stop)
        weights = self.weights(a, b, rows + start)
        weights /= self.hashed_norms[rows + start]
        weights *= math.sqrt(1 - MEANING_WEIGHT)
        np.add.at(out[:, meaning.DIMENSIONS :], (rows, self.slots[self.word_ids[a:b]]), weights)
        return out

    def _rows(self, start: int, stop: int) -> tuple[np.ndarray, int, int]:
        """The row (from `start`) of each word of rows start … stop, and their span."""
        lengths = np.diff(self.indptr[start : stop + 1])
        return np.repeat(np.arange(stop - start), lengths), self.indptr[start], self.indptr[stop]

    def weights(self, a: int, b: int, rows: np.ndarray) -> np.ndarray:
        """The TF-IDF weights of the words a … b (of `rows`), as `vectorise` weighs them."""
        weights = (1 + np.log(self.counts[a:b].astype(np.float64))) * self.idf[self.word_ids[a:b]]
        if len(self.norms):
            weights /= self.norms[rows]
        return weights

    def keywords(self, members: Sequence[int], count: int = KEYWORD_COUNT) -> list[str]:
        """`keywords_of` the word vectors of the rows `members`, summed in numpy a chunk of
        rows at a time instead of a dict per member (the same sums in the same order, ties
        by first appearance, as `Counter.most_common`)."""
        totals = np.zeros(len(self.vocabulary), dtype=np.float64)
        first = np.full(len(self.vocabulary), np.iinfo(np.int64).max, dtype=np.int64)
        seen = 0
        for start in range(0, len(members), CHUNK):
            chosen = np.asarray(members[start : start + CHUNK], dtype=np.int64)
            lengths = self.indptr[chosen + 1] - self.indptr[chosen]
            offsets = np.repeat(self.indptr[chosen] - np.cumsum(lengths) + lengths, lengths)
            entries = offsets + np.arange(int(lengths.sum()))
            rows = np.repeat(chosen, lengths)
            words = self.word_ids[entries]
            np.add.at(totals, words, self.weights_at(entries, rows))
            np.minimum.at(first, words, seen + np.arange(len(entries)))
            seen += len(entries)
        found = np.flatnonzero(first < np.iinfo(np.int64).max)
        order = found[np.lexsort((first[found], -totals[found]))]
        joined = "\x00".join(t for i in members for t in self.personal[i] if t)
        kept = []
        for index in order.tolist():
            word = self.vocabulary[index]
            if not word.isdigit() and len(word) >= 2 and word not in joined:
                kept.append(word)
                if len(kept) == count:
                    break
        return kept

    def weights_at(self, entries: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The TF-IDF weights of the word entries `entries` (of rows `rows`)."""
        tf = self.counts[entries].astype(np.float64)
        return (1 + np.log(tf)) * self.idf[self.word_ids[entries]] / self.norms[rows]


_PERIOD_COLUMNS = (
    "pk",
    "repeat_group_id",
    "search_text",
    "title",
    "content",
    "request",
    "customer_name",
    "customer_address",
    "meaning",
)


def period_read(queryset, *, lock: bool = False) -> Period:
    """The complaints of `queryset` (in its order) as a `Period`, read STREAM_CHUNK rows at a
    time (locked for update when `lock`). Meanings not stored yet are computed and stored
    as `meaning.meanings_ensure` does, a chunk at a time; the words are counted as they
    come and weighed once all are read (idf), exactly as `vectorise` weighs them."""
    period = Period()
    capacity = max(queryset.count(), 1)
    pks = np.zeros(capacity, dtype=np.int64)
    old_groups = np.zeros(capacity, dtype=np.int64)
    raw = np.zeros((capacity, meaning.DIMENSIONS), dtype=np.float16)
    present = np.zeros(capacity, dtype=bool)
    total = np.zeros(meaning.DIMENSIONS, dtype=np.float64)
    vocabulary: dict[str, int] = {}
    ids = array("i")  # the rows' words, one after the other (4 bytes each, not a list)
    counts = array("H")
    indptr = array("q", [0])
    # Rows without a stored meaning: (row, id, the text encoded), computed after the read
    # (writing to the table being read is unsafe on SQLite).
    missing: list[tuple[int, int, str]] = []

    rows = queryset.select_for_update() if lock else queryset
    row = 0
    for pk, group, search_text, title, content, request, name, address, stored in rows.values_list(
        *_PERIOD_COLUMNS
    ).iterator(chunk_size=STREAM_CHUNK):
        if row == capacity:  # rows added since the count
            capacity *= 2
            pks, old_groups, present = (
                np.resize(pks, capacity),
                np.resize(old_groups, capacity),
                np.resize(present, capacity),
            )
            raw = np.resize(raw, (capacity, meaning.DIMENSIONS))
        pks[row], old_groups[row] = pk, group or 0
        period.personal.append((name or "", address or ""))
        vector = meaning.from_bytes(stored)
        if vector is None:
            present[row] = False
            raw[row] = 0
            text = meaning.meaning_text(Complaint(title=title, content=content))
            missing.append((row, pk, text))
        else:
            raw[row] = vector
            present[row] = bool(vector.any())
            total += vector
        found = words_of(
            search_text=search_text,
            text="" if search_text else f"{title} {content} {request}",
            personal=(name, address),
        )
        for word, tf in Counter(found).items():
            index = vocabulary.setdefault(word, len(vocabulary))
            ids.append(index)
            counts.append(min(tf, 65535))
        indptr.append(len(ids))
        row += 1
    _meanings_compute(missing, raw, present, total)
    count = row
    period.count = count
    period.pks, period.old_groups = pks[:count].copy(), old_groups[:count].copy()
    del pks, old_groups
    period.meanings = raw if len(raw) == count else raw[:count].copy()
    del raw
    _centre(period.meanings, present[:count], total)
    period.vocabulary = list(vocabulary)
    del vocabulary
    period.slots = np.array([_slot(w) for w in period.vocabulary], dtype=np.int64)
    # Views of the arrays filled (no copy).
    period.indptr = np.frombuffer(indptr, dtype=np.int64)
    period.word_ids = np.frombuffer(ids, dtype=np.int32)
    period.counts = np.frombuffer(counts, dtype=np.uint16)
    _weigh(period)
    return period


def _meanings_compute(
    missing: list[tuple[int, int, str]], raw: np.ndarray, present: np.ndarray, total: np.ndarray
) -> None:
    """The meanings of the rows read without one, a batch at a time: computed and stored
    (`meanings_ensure`), written into their rows."""
    for start in range(0, len(missing), meaning.BATCH):
        part = missing[start : start + meaning.BATCH]
        # meaning_text of a complaint whose content is its meaning_text is that text.
        computed = meaning.meanings_ensure([Complaint(pk=pk, content=t) for _r, pk, t in part])
        for (row, _pk, _t), vector in zip(part, computed, strict=True):
            raw[row] = vector
            present[row] = bool(vector.any())
            total += vector


def _centre(meanings: np.ndarray, present: np.ndarray, total: np.ndarray) -> None:
    """`_combine`'s treatment of the meanings, in place on the float16 matrix, a chunk of
    rows at a time: centred on the blended mean, made unit, weighted."""
    known = int(present.sum())
    if not known:
        return
    centre = ((total + CENTRE_PRIOR * reference_mean()) / (known + CENTRE_PRIOR)).astype(np.float32)
    for start in range(0, len(meanings), CHUNK):
        part = meanings[start : start + CHUNK].astype(np.float32)
        here = present[start : start + CHUNK]
        part[here] -= centre
        part /= np.maximum(np.linalg.norm(part, axis=1, keepdims=True), 1e-9)
        part *= np.float32(math.sqrt(MEANING_WEIGHT))
        meanings[start : start + CHUNK] = part


def _weigh(period: Period) -> None:
    """The idf of the words (`vectorise`'s smoothed idf) and each row's lengths: of its
    TF-IDF vector, and of its hashed vector once made unit (`hashed`), a chunk of rows at a
    time; the weights themselves are computed when a block is read."""
    total = period.count
    frequency = np.bincount(period.word_ids, minlength=len(period.vocabulary))
    period.idf = np.log((1 + total) / (1 + frequency)) + 1
    period.norms = np.ones(0)
    norms = np.ones(total, dtype=np.float64)
    hashed_norms = np.ones(total, dtype=np.float64)
    for start in range(0, total, CHUNK):
        stop = min(start + CHUNK, total)
        rows, a, b = period._rows(start, stop)
        weights = period.weights(a, b, rows)
        lengths = np.sqrt(np.bincount(rows, weights=weights * weights, minlength=stop - start))
        lengths[lengths == 0] = 1.0
        norms[start:stop] = lengths
        weights /= lengths[rows]
        dense = np.zeros((stop - start, KEYWORD_DIMENSIONS), dtype=np.float32)
        np.add.at(dense, (rows, period.slots[period.word_ids[a:b]]), weights)
        hashed_norms[start:stop] = np.maximum(np.linalg.norm(dense, axis=1), 1e-9)
    period.norms, period.hashed_norms = norms, hashed_norms


LEADER_BLOCK = 256
REFINE_ROUNDS = 2
MERGE_ROUNDS = 3


def _leader(rows: Rows | Period, threshold: float) -> np.ndarray:
    """Each row joins the cluster whose centroid it is most similar to when that reaches
    `threshold`, else starts one; rows are taken in blocks, compared with the centroids as
    they were at the block's start and then with the clusters the block opened. Returns
    the cluster number of each row.

    Issue 9 item 6: only the clusters' sums are kept (a centroid is its sum over its norm),
    grown as clusters open, not two arrays as long as the rows."""
    count, width = rows.shape
    sums = np.zeros((min(count, 1024), width), dtype=np.float32)
    norms = np.zeros(len(sums), dtype=np.float32)
    labels = np.empty(count, dtype=np.int64)
    clusters = 0
    for start in range(0, count, LEADER_BLOCK):
        block = rows.block(start, start + LEADER_BLOCK)
        if clusters + len(block) > len(sums):
            grown = max(2 * len(sums), clusters + len(block))
            sums = np.concatenate([sums, np.zeros((grown - len(sums), width), np.float32)])
            norms = np.concatenate([norms, np.zeros(grown - len(norms), np.float32)])
        if clusters:
            scores = block @ sums[:clusters].T
            scores /= np.maximum(norms[:clusters], 1e-9)
            best = scores.argmax(axis=1)
            best_score = scores[np.arange(len(block)), best]
            del scores
        else:
            best = np.zeros(len(block), dtype=np.int64)
            best_score = np.full(len(block), -np.inf, dtype=np.float32)
        opened = clusters
        for offset, row in enumerate(block):
            choice, score = int(best[offset]), float(best_score[offset])
            if clusters > opened:  # clusters opened within this block
                local = (sums[opened:clusters] @ row) / np.maximum(norms[opened:clusters], 1e-9)
                j = int(local.argmax())
                if local[j] > score:
                    choice, score = opened + j, float(local[j])
            if score < threshold:
                choice = clusters
                clusters += 1
            labels[start + offset] = choice
            sums[choice] += row
            if choice >= opened:
                norms[choice] = float(np.linalg.norm(sums[choice]))
        touched = np.unique(labels[start : start + len(block)])
        norms[touched] = np.linalg.norm(sums[touched], axis=1)
    return labels


def _group_centroids(rows: Rows | Period, labels: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """The unit centroids of the clusters `groups` (in that order), summed a block of rows
    at a time (issue 9 item 6: no array for the clusters of one)."""
    index = np.full(int(labels.max()) + 1, -1, dtype=np.int64)
    index[groups] = np.arange(len(groups))
    sums = np.zeros((len(groups), rows.shape[1]), dtype=np.float32)
    for start in range(0, len(rows), CHUNK):
        within = index[labels[start : start + CHUNK]]
        kept = within >= 0
        if kept.any():
            np.add.at(sums, within[kept], rows.block(start, start + CHUNK)[kept])
    return _unit(sums)


def _relabel(labels: np.ndarray) -> np.ndarray:
    """Cluster numbers 0, 1, 2 … in order of first member."""
    _values, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))
    return order[inverse]


def _refine(rows: Rows | Period, labels: np.ndarray, threshold: float) -> np.ndarray:
    """Move each row to the group (a cluster of two or more) whose centroid is now most
    similar, or out on its own when none reaches `threshold` (k-means-like passes that
    undo the order-dependence of the leader pass)."""
    for _round in range(REFINE_ROUNDS):
        labels = _relabel(labels)
        count = int(labels.max()) + 1
        sizes = np.bincount(labels, minlength=count)
        groups = np.flatnonzero(sizes >= 2)
        if not len(groups):
            break
        centroids = _group_centroids(rows, labels, groups)
        new = labels.copy()
        next_label = count
        for start in range(0, len(rows), 2048):
            scores = rows.block(start, start + 2048) @ centroids.T
            best = scores.argmax(axis=1)
            best_score = scores[np.arange(len(scores)), best]
            for offset in range(len(scores)):
                row = start + offset
                if best_score[offset] >= threshold:
                    new[row] = groups[best[offset]]
                elif sizes[labels[row]] >= 2:
                    new[row] = next_label
                    next_label += 1
        if np.array_equal(new, labels):
            break
        labels = new
    return _relabel(labels)


def _merge(rows: Rows | Period, labels: np.ndarray, threshold: float) -> np.ndarray:
    """Merge groups whose centroids reach `threshold`, closest pairs first, each group at
    most once per round."""
    for _round in range(MERGE_ROUNDS):
        count = int(labels.max()) + 1
        sizes = np.bincount(labels, minlength=count)
        groups = np.flatnonzero(sizes >= 2)
        if len(groups) < 2:
            break
        centroids = _group_centroids(rows, labels, groups)
        scores = centroids @ centroids.T
        np.fill_diagonal(scores, -np.inf)
        pairs = np.argwhere(np.triu(scores >= threshold, k=1))
        if not len(pairs):
            break
        order = np.argsort(-scores[pairs[:, 0], pairs[:, 1]])
        target = np.arange(count)
        used: set[int] = set()
        for a, b in pairs[order]:
            if a in used or b in used:
                continue
            used.update((int(a), int(b)))
            target[groups[b]] = groups[a]
        labels = _relabel(target[labels])
    return labels


def cluster(matrix: np.ndarray | Period | Sequence[Vector], threshold: float) -> list[list[int]]:
    """Topic clusters of the rows of `matrix` (combined vectors, see `features`, or a
    `Period`; a list of word vectors is hashed first): lists of row indexes in order of
    their first member."""
    if isinstance(matrix, Period):
        rows: Rows | Period = matrix
    else:
        rows = Dense(matrix if isinstance(matrix, np.ndarray) else hashed(matrix))
    if not len(rows):
        return []
    labels = _leader(rows, threshold)
    labels = _refine(rows, labels, threshold)
    labels = _merge(rows, labels, threshold)
    members: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels.tolist()):
        members[label].append(index)
    return [members[label] for label in sorted(members)]


def keywords_of(
    vectors: list[Vector], count: int = KEYWORD_COUNT, *, personal: Iterable[str] = ()
) -> list[str]:
    """The words that weigh most across `vectors` (numbers left out). ORG-3: a group's
    keywords are shown to everyone who reads the repeat analysis, so no word of `personal`
    (the members' customer names and addresses) is one."""
    # Issue 9 item 3: one substring search per distinct word in the members' joined texts
    # (a word inside one of them is inside the joined string, the separator being no word's
    # character), not one per word, member and text.
    joined = "\x00".join(text for text in personal if text)
    total: Counter = Counter()
    for vector in vectors:
        for word, w in vector.items():
            total[word] += w  # type: ignore[assignment]  # weights are floats
    kept = (
        (word, weight)
        for word, weight in total.most_common()
        if not word.isdigit() and len(word) >= 2 and word not in joined
    )
    return [word for word, _weight in islice(kept, count)]


def label_for(keywords: list[str]) -> str:
    return " · ".join(keywords[:LABEL_KEYWORDS])[:200] or str(UNNAMED_TOPIC)


@dataclass
class RebuildResult:
    complaints: int = 0
    groups: int = 0
    grouped: int = 0
    kept: int = 0  # old groups matched to a new one (their analysis kept)
    removed: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return self.__dict__.copy()


@transaction.atomic
def groups_rebuild(
    *, company, since: datetime, until: datetime, actor=None, threshold: float | None = None
) -> RebuildResult:
    """CMP-8: regroup the complaints of `company` received in [since, until] by topic.

    Complaints are clustered by TF-IDF cosine similarity ≥ the pack's threshold; a cluster
    of two or more becomes a RepeatGroup labelled with its top keywords. An old group is
    matched to the new cluster sharing most of its members (each at most once), so the root
    cause and corrective action recorded for it stay. Old groups left without members and
    without an analysis are removed; analysed ones are kept for the record."""
    started = time.monotonic()
    threshold = threshold_for(company, until) if threshold is None else threshold
    period = period_read(
        Complaint.objects.filter(
            company=company, received_at__gte=since, received_at__lte=until
        ).order_by("received_at", "pk"),
        lock=True,
    )
    result = RebuildResult(complaints=len(period))
    clusters = [members for members in cluster(period, threshold) if len(members) >= 2]
    pks, old_groups = period.pks, period.old_groups

    old_members: dict[int, set[int]] = defaultdict(set)
    grouped_before = old_groups > 0
    for pk, gid in zip(
        pks[grouped_before].tolist(), old_groups[grouped_before].tolist(), strict=True
    ):
        old_members[gid].add(pk)
    # Greedy matching old group → new cluster by member overlap, largest overlaps first.
    overlaps = []
    for ci, members in enumerate(clusters):
        member_pks = set(pks[members].tolist())
        for gid, old in old_members.items():
            shared = len(member_pks & old)
            if shared:
                overlaps.append((shared, -gid, ci, gid))
    overlaps.sort(reverse=True)
    matched_cluster: dict[int, int] = {}
    used_groups: set[int] = set()
    for _shared, _neg, ci, gid in overlaps:
        if ci in matched_cluster or gid in used_groups:
            continue
        matched_cluster[ci] = gid
        used_groups.add(gid)

    groups = {g.pk: g for g in RepeatGroup.objects.filter(pk__in=used_groups)}
    assignment = np.zeros(len(period), dtype=np.int64)  # 0: no group
    stamp = now()
    for ci, members in enumerate(clusters):
        keywords = period.keywords(members)
        label = label_for(keywords)
        matched = matched_cluster.get(ci)
        group = groups.get(matched) if matched is not None else None
        if group is None:
            group = RepeatGroup.objects.create(
                company=company, label=label, keywords=keywords, created_at=stamp
            )
        else:
            result.kept += 1
            if group.label != label or group.keywords != keywords:
                group.label, group.keywords = label, keywords
                group.save(update_fields=["label", "keywords"])
        assignment[members] = group.pk
        result.groups += 1
        result.grouped += len(members)

    changed = np.flatnonzero(old_groups != assignment)
    by_group: dict[int, list[int]] = defaultdict(list)
    for pk, gid in zip(pks[changed].tolist(), assignment[changed].tolist(), strict=True):
        by_group[gid].append(pk)
    for group_id, moved in by_group.items():
        for start in range(0, len(moved), 500):
            Complaint.objects.filter(pk__in=moved[start : start + 500]).update(
                repeat_group_id=group_id or None
            )

    stale = (
        RepeatGroup.objects.filter(company=company, pk__in=set(old_members) - used_groups)
        .filter(complaints__isnull=True, root_cause="", corrective_action="")
        .distinct()
    )
    result.removed = stale.count()
    stale.delete()
    result.seconds = round(time.monotonic() - started, 3)
    event_record(
        subject=company,
        action=ComplaintEvent.GROUPS_REBUILT,
        actor=actor,
        data={
            "since": since.isoformat(),
            "until": until.isoformat(),
            "threshold": threshold,
            **result.as_dict(),
        },
        company=company,
    )
    return result


ANALYSIS_REQUIRED = _("Write the root cause or the corrective action.")


class GroupError(DomainError):
    """A group step that cannot be taken, with a message for the person."""

    code = "group_refused"
    status = 422


@transaction.atomic
def group_analyse(*, group: RepeatGroup, actor, root_cause: str, corrective_action: str):
    """CMP-8: record the root cause found for a repeat topic and the corrective action taken,
    with who recorded it and when (timeline event `repeat_group.analysed`)."""
    root_cause, corrective_action = root_cause.strip(), corrective_action.strip()
    if not root_cause and not corrective_action:
        raise GroupError(ANALYSIS_REQUIRED)
    group = RepeatGroup.objects.select_for_update().get(pk=group.pk)
    before = {"root_cause": group.root_cause, "corrective_action": group.corrective_action}
    group.root_cause, group.corrective_action = root_cause, corrective_action
    group.analysed_by, group.analysed_at = actor, now()
    group.save()
    event_record(
        subject=group,
        action=ComplaintEvent.REPEAT_GROUP_ANALYSED,
        actor=actor,
        before=before,
        after={"root_cause": root_cause, "corrective_action": corrective_action},
        data={"members": group.complaints.count()},
    )
    return group


@task
def groups_rebuild_task(company_id: int, since: str, until: str, actor_id: int | None = None):
    """The background regrouping of a long period (django.tasks)."""
    from pinzhi.orgs.models import Company, Person

    company = Company.objects.get(pk=company_id)
    actor = Person.objects.filter(pk=actor_id).first() if actor_id else None
    return groups_rebuild(
        company=company,
        since=datetime.fromisoformat(since),
        until=datetime.fromisoformat(until),
        actor=actor,
    ).as_dict()


def flagged(complaints):
    """Those of `complaints` flagged as repeats by customer or by address (CMP-8). Issue 9
    item 3: the condition `repeat_reasons <> '[]'` is the predicate of the partial index
    `complaint_flagged_received` (migration 0009), so PostgreSQL reads only the flagged
    complaints of the period, about one in a hundred, newest first."""
    return complaints.filter(
        ~Q(repeat_reasons=[]),
        Q(repeat_reasons__icontains="customer") | Q(repeat_reasons__icontains="address"),
    )
