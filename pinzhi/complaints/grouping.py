"""Topic groups of repeat complaints (CMP-8): similar Chinese text grouped.

The words come from `Complaint.search_text` (jieba's cut, traditional folded to simplified,
stop words removed, see text.py), weighted by TF-IDF over the complaints compared, and
compared by cosine similarity. A complaint joins a topic when its similarity reaches the
pack's `complaints.repeat_similarity` (percent). Pure Python on sparse vectors: no model,
nothing downloaded at run time.

- `vectorise(documents)`: TF-IDF vectors (unit length) of word lists.
- `cosine(a, b)`: similarity of two unit vectors.
- `cluster(vectors, threshold)`: leader clustering against running centroids, in the order
  given (chronological), through an inverted index so it stays near-linear.
- `groups_rebuild(*, company, since, until, actor=None)`: regroup a period's complaints into
  RepeatGroups, keeping the root cause and corrective action of the old groups that match.
"""

import math
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.tasks import task
from django.utils.translation import gettext_lazy as _

from pinzhi.complaints.events import ComplaintEvent
from pinzhi.complaints.models import Complaint, RepeatGroup
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.policy.selectors import RuleNotFound, rule_value
from pinzhi.timeline.services import event_record

DEFAULT_THRESHOLD = 0.35
KEYWORD_COUNT = 6
LABEL_KEYWORDS = 3
UNNAMED_TOPIC = _("Unnamed topic")

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


def document_words(complaint: Complaint) -> list[str]:
    """The words stored for a complaint (search_text), recomputed when missing."""
    if complaint.search_text:
        return complaint.search_text.split()
    from pinzhi.complaints.text import words

    return words(f"{complaint.title} {complaint.content} {complaint.request}")


def vectorise(documents: list[list[str]]) -> list[Vector]:
    """TF-IDF vectors of unit length; idf is smoothed (log((1+N)/(1+df)) + 1) so a word
    found in every document still counts a little."""
    total = len(documents)
    frequency: Counter = Counter()
    counts = [Counter(doc) for doc in documents]
    for count in counts:
        frequency.update(count.keys())
    idf = {word: math.log((1 + total) / (1 + df)) + 1 for word, df in frequency.items()}
    vectors = []
    for count in counts:
        vector = {word: (1 + math.log(tf)) * idf[word] for word, tf in count.items()}
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        vectors.append({word: w / norm for word, w in vector.items()})
    return vectors


def cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(word, 0.0) for word, w in a.items())


@dataclass
class _Cluster:
    members: list[int] = field(default_factory=list)
    centroid: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    norm_sq: float = 0.0

    def add(self, index: int, vector: Vector) -> None:
        self.members.append(index)
        for word, w in vector.items():
            old = self.centroid[word]
            self.norm_sq += (old + w) ** 2 - old * old
            self.centroid[word] = old + w


def cluster(vectors: list[Vector], threshold: float) -> list[list[int]]:
    """Leader clustering: each vector joins the cluster whose centroid it is most similar
    to when that similarity reaches `threshold`, else starts a new cluster. Returns the
    clusters as lists of indexes, in order of their first member."""
    clusters: list[_Cluster] = []
    postings: dict[str, set[int]] = defaultdict(set)
    for index, vector in enumerate(vectors):
        scores: dict[int, float] = defaultdict(float)
        for word, w in vector.items():
            for cid in postings.get(word, ()):
                scores[cid] += w * clusters[cid].centroid[word]
        best, best_score = None, threshold
        for cid, score in scores.items():
            similarity = score / math.sqrt(clusters[cid].norm_sq or 1.0)
            if similarity >= best_score:
                best, best_score = cid, similarity
        if best is None:
            best = len(clusters)
            clusters.append(_Cluster())
        clusters[best].add(index, vector)
        for word in vector:
            postings[word].add(best)
    return [c.members for c in clusters]


def keywords_of(
    vectors: list[Vector], count: int = KEYWORD_COUNT, *, personal: Iterable[str] = ()
) -> list[str]:
    """The words that weigh most across `vectors` (numbers left out). ORG-3: a group's
    keywords are shown to everyone who reads the repeat analysis, so no word of `personal`
    (the members' customer names and addresses) is one."""
    personal = [text for text in personal if text]
    total: Counter = Counter()
    for vector in vectors:
        for word, w in vector.items():
            if word.isdigit() or len(word) < 2 or any(word in text for text in personal):
                continue
            total[word] += w  # type: ignore[assignment]  # weights are floats
    return [word for word, _weight in total.most_common(count)]


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
        )
        .select_for_update()
    )
    result = RebuildResult(complaints=len(complaints))
    vectors = vectorise([document_words(c) for c in complaints])
    clusters = [members for members in cluster(vectors, threshold) if len(members) >= 2]

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
