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
    if complaint.search_text:
        found = complaint.search_text.split()
    else:
        from pinzhi.complaints.text import words

        found = words(f"{complaint.title} {complaint.content} {complaint.request}")
    personal = _personal_words(complaint)
    if personal:
        found = [w for w in found if len(w) < 2 or not any(w in text for text in personal)]
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


LEADER_BLOCK = 256
REFINE_ROUNDS = 2
MERGE_ROUNDS = 3


def _leader(matrix: np.ndarray, threshold: float) -> np.ndarray:
    """Each row joins the cluster whose centroid it is most similar to when that reaches
    `threshold`, else starts one; rows are taken in blocks, compared with the centroids as
    they were at the block's start and then with the clusters the block opened. Returns
    the cluster number of each row."""
    count, width = matrix.shape
    sums = np.zeros((count, width), dtype=np.float32)
    centroids = np.zeros((count, width), dtype=np.float32)
    labels = np.empty(count, dtype=np.int64)
    clusters = 0
    for start in range(0, count, LEADER_BLOCK):
        block = matrix[start : start + LEADER_BLOCK]
        if clusters:
            scores = block @ centroids[:clusters].T
            best = scores.argmax(axis=1)
            best_score = scores[np.arange(len(block)), best]
        else:
            best = np.zeros(len(block), dtype=np.int64)
            best_score = np.full(len(block), -np.inf, dtype=np.float32)
        opened = clusters
        for offset, row in enumerate(block):
            choice, score = int(best[offset]), float(best_score[offset])
            if clusters > opened:  # clusters opened within this block
                local = centroids[opened:clusters] @ row
                j = int(local.argmax())
                if local[j] > score:
                    choice, score = opened + j, float(local[j])
            if score < threshold:
                choice = clusters
                clusters += 1
            labels[start + offset] = choice
            sums[choice] += row
            if choice >= opened:
                centroids[choice] = sums[choice] / max(float(np.linalg.norm(sums[choice])), 1e-9)
        touched = np.unique(labels[start : start + len(block)])
        centroids[touched] = _unit(sums[touched])
    return labels


def _centroids(matrix: np.ndarray, labels: np.ndarray, count: int) -> np.ndarray:
    sums = np.zeros((count, matrix.shape[1]), dtype=np.float32)
    np.add.at(sums, labels, matrix)
    return _unit(sums)


def _relabel(labels: np.ndarray) -> np.ndarray:
    """Cluster numbers 0, 1, 2 … in order of first member."""
    _values, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))
    return order[inverse]


def _refine(matrix: np.ndarray, labels: np.ndarray, threshold: float) -> np.ndarray:
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
        centroids = _centroids(matrix, labels, count)[groups]
        new = labels.copy()
        next_label = count
        for start in range(0, len(matrix), 2048):
            scores = matrix[start : start + 2048] @ centroids.T
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


def _merge(matrix: np.ndarray, labels: np.ndarray, threshold: float) -> np.ndarray:
    """Merge groups whose centroids reach `threshold`, closest pairs first, each group at
    most once per round."""
    for _round in range(MERGE_ROUNDS):
        count = int(labels.max()) + 1
        sizes = np.bincount(labels, minlength=count)
        groups = np.flatnonzero(sizes >= 2)
        if len(groups) < 2:
            break
        centroids = _centroids(matrix, labels, count)[groups]
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


def cluster(matrix: np.ndarray | Sequence[Vector], threshold: float) -> list[list[int]]:
    """Topic clusters of the rows of `matrix` (combined vectors, see `features`; a list of
    word vectors is hashed first): lists of row indexes in order of their first member."""
    if not isinstance(matrix, np.ndarray):
        matrix = hashed(matrix)
    if not len(matrix):
        return []
    labels = _leader(matrix, threshold)
    labels = _refine(matrix, labels, threshold)
    labels = _merge(matrix, labels, threshold)
    members: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels.tolist()):
        members[label].append(index)
    return [members[label] for label in sorted(members)]


def complaint_features(complaints: Sequence[Complaint]) -> tuple[np.ndarray, list[Vector]]:
    """The combined vectors of `complaints` (their meanings computed and stored when
    missing) and their word vectors (for the keywords)."""
    keyword_vectors = vectorise(document_words(c) for c in complaints)
    out = np.zeros((len(complaints), meaning.DIMENSIONS + KEYWORD_DIMENSIONS), dtype=np.float32)
    meaning.meanings_ensure(complaints, out=out[:, : meaning.DIMENSIONS])
    return _combine(out, keyword_vectors), keyword_vectors


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
    complaints = list(
        Complaint.objects.filter(company=company, received_at__gte=since, received_at__lte=until)
        .order_by("received_at", "pk")
        .only(
            "pk",
            "search_text",
            "title",
            "content",
            "request",
            "repeat_group_id",
            "customer_name",
            "customer_address",
            "meaning",
        )
        .select_for_update()
    )
    result = RebuildResult(complaints=len(complaints))
    matrix, vectors = complaint_features(complaints)
    for c in complaints:  # issue 9 item 3: the stored texts and vectors are in `matrix` now
        c.meaning, c.search_text = None, ""
    clusters = [members for members in cluster(matrix, threshold) if len(members) >= 2]

    old_members: dict[int, set[int]] = defaultdict(set)
    for c in complaints:
        if c.repeat_group_id:
            old_members[c.repeat_group_id].add(c.pk)
    # Greedy matching old group → new cluster by member overlap, largest overlaps first.
    overlaps = []
    for ci, members in enumerate(clusters):
        pks = {complaints[i].pk for i in members}
        for gid, old in old_members.items():
            shared = len(pks & old)
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
    assignment: dict[int, int | None] = {c.pk: None for c in complaints}
    stamp = now()
    for ci, members in enumerate(clusters):
        keywords = keywords_of(
            [vectors[i] for i in members],
            personal=[
                text
                for i in members
                for text in (complaints[i].customer_name, complaints[i].customer_address)
            ],
        )
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
        for i in members:
            assignment[complaints[i].pk] = group.pk
        result.groups += 1
        result.grouped += len(members)

    by_group: dict[int | None, list[int]] = defaultdict(list)
    for c in complaints:
        if c.repeat_group_id != assignment[c.pk]:
            by_group[assignment[c.pk]].append(c.pk)
    for group_id, changed in by_group.items():
        for start in range(0, len(changed), 500):
            Complaint.objects.filter(pk__in=changed[start : start + 500]).update(
                repeat_group_id=group_id
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
