"""Repeat complaints (CMP-8): the same customer, the same address or the same topic again
within the window of the policy pack.

"Same topic" is similar meaning and words (grouping.features: the stored sentence-embedding
vector and the TF-IDF words of `search_text`) against the earlier complaints of the same
company within the window (at most `TOPIC_CANDIDATES` of the most recent ones), reaching
the pack's `complaints.repeat_similarity`. The new complaint then joins the topic group of
the most similar earlier complaint (a new group is opened for the two when that one has
none); see grouping.py for the regrouping of a whole period.

Registration (`repeat_flag`) checks the customer and the address at once; the topic is the
worker's (`topic_find`, queued with the registration by `topic_queue`): encoding a text
costs 15–100 ms, and loading the encoder 3 s and 150 MB, which no web request should pay.

A repeat by the same customer or at the same address is recorded with those reasons
whatever its topic; the repeats page tells whether it is about the same topic or another
one (`topic_relation`), so two different problems of one customer never pass for a topic.
"""

import logging
from datetime import datetime
from functools import partial

import numpy as np
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Trim
from django.tasks import task
from django.utils.translation import gettext_lazy as _
from django_tasks_db.backend import DatabaseBackend

from pinzhi.complaints import meaning
from pinzhi.complaints.events import ComplaintEvent
from pinzhi.complaints.grouping import (
    document_words,
    features,
    keywords_of,
    label_for,
    threshold_for,
    vectorise,
)
from pinzhi.complaints.models import Complaint, RepeatGroup
from pinzhi.lib.clock import now
from pinzhi.policy.selectors import rule_value
from pinzhi.timeline.services import event_record

logger = logging.getLogger(__name__)

REASONS = {
    "customer": _("same customer"),
    "address": _("same address"),
    "topic": _("same topic"),
}
# How a repeat by the same customer or address relates to the complaint it repeats.
SAME_TOPIC = _("same topic as before")
OTHER_TOPIC = _("a different topic")
# Registration compares the new complaint with at most this many earlier ones.
TOPIC_CANDIDATES = 2000
# Registration computes at most this many missing meaning vectors of earlier complaints.
MEANING_COMPUTE_MAX = 50


def topic_relation(complaint: Complaint) -> str:
    """CMP-8: whether a repeat by the same customer or at the same address is about a
    topic that customer or address complained about before (an earlier complaint of theirs
    in the same topic group) or about another one."""
    if complaint.repeat_group_id is None:
        return str(OTHER_TOPIC)
    same = _same_customer(complaint)
    if complaint.customer_address.strip():
        same |= Q(customer_address=complaint.customer_address.strip())
    before = (
        Complaint.objects.filter(
            repeat_group_id=complaint.repeat_group_id, received_at__lte=complaint.received_at
        )
        .exclude(pk=complaint.pk)
        .filter(same)
    )
    return str(SAME_TOPIC if before.exists() else OTHER_TOPIC)


def with_topic_relation(queryset):
    """`queryset` with `same_topic` on each complaint: `topic_relation` (same topic as
    before or not) for a whole page in its one query, as an EXISTS over the complaint's
    topic group (issue 9 item 3; same answer, per complaint, as `topic_relation`)."""
    outer_address = Trim(OuterRef("customer_address"))
    same = (
        (Q(customer_phone=OuterRef("customer_phone")) & ~Q(customer_phone=""))
        | (Q(customer_email__iexact=OuterRef("customer_email")) & ~Q(customer_email=""))
        | Q(customer_id=OuterRef("customer_id"))
        | (Q(customer_address=outer_address) & ~Q(customer_address=""))
    )
    before = (
        Complaint.objects.filter(
            repeat_group_id=OuterRef("repeat_group_id"),
            received_at__lte=OuterRef("received_at"),
        )
        .exclude(pk=OuterRef("pk"))
        .filter(same)
    )
    return queryset.annotate(same_topic=Exists(before))


def repeat_candidates(complaint: Complaint):
    """Earlier complaints of the same company within the repeat window (the complaint itself
    excluded once it is saved)."""
    window = rule_value(
        "complaints.repeat_window",
        pack=complaint.policy_pack,
        company=complaint.company_id,
        at=complaint.received_at,
    )
    earlier = Complaint.objects.filter(
        company=complaint.company_id,
        received_at__gte=complaint.received_at - window,
        received_at__lte=complaint.received_at,
    )
    return earlier.exclude(pk=complaint.pk) if complaint.pk is not None else earlier


def topic_matches(complaint: Complaint, *, limit: int | None = None):
    """CMP-8: earlier complaints in the window whose meaning and words together are at
    least as similar as the pack's threshold, most similar first, as (similarity,
    complaint) pairs. The new complaint's meaning vector is computed and stored here;
    earlier complaints still without one (imported before vectors existed) are computed
    up to `MEANING_COMPUTE_MAX` at a time, the others compared by their words only until
    the worker fills them in."""
    limit = limit or TOPIC_CANDIDATES
    candidates = list(
        repeat_candidates(complaint)
        .order_by("-received_at", "-pk")
        .only(
            "pk",
            "title",
            "content",
            "search_text",
            "meaning",
            "customer_name",
            "customer_address",
            "repeat_group_id",
            "received_at",
        )[:limit]
    )
    if not candidates:
        meaning.meanings_ensure([complaint])
        return []
    everyone = [complaint, *candidates]
    keyword_vectors = vectorise([document_words(c) for c in everyone])
    meanings = meaning.meanings_ensure(everyone, compute_max=MEANING_COMPUTE_MAX)
    if not np.linalg.norm(meanings, axis=1).all():
        company_id = complaint.company_id
        transaction.on_commit(lambda: meaning.meanings_fill.enqueue(company_id))
    matrix = features(meanings, keyword_vectors)
    similarities = matrix[1:] @ matrix[0]
    threshold = threshold_for(complaint.company, complaint.received_at)
    found = np.flatnonzero(similarities >= threshold)
    scored = sorted(
        ((float(similarities[i]), candidates[i], keyword_vectors[i + 1]) for i in found),
        key=lambda item: (-item[0], -item[1].received_at.timestamp()),
    )
    if scored:
        complaint._topic_vectors = [keyword_vectors[0]] + [v for _s, _c, v in scored]  # type: ignore[attr-defined]
    return [(similarity, candidate) for similarity, candidate, _v in scored]


def _join_topic_group(complaint: Complaint, matches) -> None:
    """Put `complaint` in the group of its most similar earlier complaint; open a group for
    the two when that one has none."""
    best = matches[0][1]
    if best.repeat_group_id:
        complaint.repeat_group_id = best.repeat_group_id
        return
    keywords = keywords_of(
        complaint._topic_vectors[:2],  # type: ignore[attr-defined]
        personal=[
            complaint.customer_name,
            complaint.customer_address,
            best.customer_name,
            best.customer_address,
        ],
    )
    group = RepeatGroup.objects.create(
        company=complaint.company, label=label_for(keywords), keywords=keywords, created_at=now()
    )
    Complaint.objects.filter(pk=best.pk).update(repeat_group=group)
    complaint.repeat_group = group


def _same_customer(complaint: Complaint) -> Q:
    same = Q(pk__in=[])
    for branch in _same_customer_branches(complaint):
        same |= branch
    return same


def _same_customer_branches(complaint: Complaint) -> list[Q]:
    """The ways an earlier complaint is by the same customer: the same phone, e-mail (any
    case) or account; each one a condition an index serves (issue 9 item 2)."""
    branches = []
    if complaint.customer_phone:
        branches.append(Q(customer_phone=complaint.customer_phone))
    if complaint.customer_email:
        # `complaint_same_email` holds the upper-cased non-empty addresses.
        branches.append(Q(customer_email__iexact=complaint.customer_email) & ~Q(customer_email=""))
    if complaint.customer_id:
        branches.append(Q(customer_id=complaint.customer_id))
    return branches


def _latest(earlier, condition: Q) -> tuple[int, datetime] | None:
    """(pk, received_at) of the latest of `earlier` meeting `condition`."""
    return earlier.filter(condition).values_list("pk", "received_at").first()


def repeat_flag(complaint: Complaint) -> list[str]:
    """Mark `complaint` as a repeat of the latest earlier complaint by the same customer
    (phone, e-mail or account) or at the same address within the window; returns the
    reasons found (empty when it is not a repeat).

    These are cheap lookups, done while the caller waits: one per way of being the same
    customer and one for the address, each the latest row of an index (issue 9 item 2; an
    OR of them would read every earlier complaint of the window at 1 M). Called before the
    complaint is inserted, it only sets the fields the INSERT then writes; on a saved
    complaint it saves them. The same topic (CMP-8: encoding the text, comparing meanings)
    is the worker's (`topic_queue`), so a web process never loads the sentence encoder."""
    earlier = repeat_candidates(complaint).order_by("-received_at")
    reasons: list[str] = []
    first = None
    same_customer = [
        found
        for found in (_latest(earlier, branch) for branch in _same_customer_branches(complaint))
        if found is not None
    ]
    if same_customer:
        reasons.append("customer")
        # The latest of them, as one query ordered by the time would find.
        first = max(same_customer, key=lambda found: found[1])[0]
    address = complaint.customer_address.strip()
    if address:
        found = _latest(earlier, Q(customer_address=address))
        if found is not None:
            reasons.append("address")
            first = first or found[0]
    if reasons:
        complaint.repeat_of_id = first
        complaint.repeat_reasons = reasons
        if complaint.pk is not None:
            complaint.save(update_fields=["repeat_of", "repeat_reasons"])
    return reasons


def topic_queue(complaint: Complaint) -> None:
    """Queue the worker's topic search of a complaint just registered (`topic_find`). With
    the database's task queue its row is written in the registration's transaction: the
    worker sees it when the complaint is committed, never if it rolls back, and the
    registration needs no second commit (issue 9 item 2). Another queue (one that runs a
    task at once) is given it once the registration commits."""
    if isinstance(topic_find.get_backend(), DatabaseBackend):
        topic_find.enqueue(complaint.pk)
    else:
        transaction.on_commit(partial(_topic_enqueue, complaint.pk))


def _topic_enqueue(complaint_id: int) -> None:
    try:
        topic_find.enqueue(complaint_id)
    except Exception:
        # The complaint is registered; its meaning is filled in by meanings_fill and its
        # topic by the next regrouping.
        logger.exception("could not enqueue the topic of complaint %s", complaint_id)


def topic_assign(*, complaint_id: int) -> list[str]:
    """CMP-8 "same topic", in the worker: compute and store the meaning vector of the
    complaint, find the earlier complaints of the window similar enough (the pack's
    `complaints.repeat_similarity`), put it in the topic group of the most similar one
    (opening a group for the two when that one has none) and add "topic" to its repeat
    reasons when a similar complaint other than the one matched by customer or address
    exists (it is then `repeat_of` when neither matched). Records `complaint.topic_found`.

    Idempotent: a complaint already in a group stays there, a reason is added once, and
    nothing is recorded when nothing changed. A complaint deleted meanwhile is skipped; a
    closed one is still grouped (the repeat analysis counts closed complaints too). Returns
    the complaint's repeat reasons.

    Issue 9 item 3: the texts are encoded (15–100 ms each, seconds for the model's first
    load) and compared before the complaint's row is locked; the lock is held only to read
    its current group and reasons and write the result."""
    complaint = Complaint.objects.select_related("company").filter(pk=complaint_id).first()
    if complaint is None:
        return []
    matches = topic_matches(complaint)
    if not matches:
        return list(complaint.repeat_reasons or [])
    vectors = complaint._topic_vectors  # type: ignore[attr-defined]
    with transaction.atomic():
        complaint = (
            Complaint.objects.select_for_update()
            .select_related("company")
            .filter(pk=complaint_id)
            .first()
        )
        if complaint is None:
            return []
        complaint._topic_vectors = vectors  # type: ignore[attr-defined]
        return _topic_record(complaint, matches)


def _topic_record(complaint: Complaint, matches) -> list[str]:
    """The locked half of `topic_assign`: the reasons, the group and the event."""
    reasons = list(complaint.repeat_reasons or [])
    before = {
        "repeat_group": complaint.repeat_group_id,
        "repeat_of": complaint.repeat_of_id,
        "repeat_reasons": list(reasons),
    }
    linked = {complaint.repeat_of_id} if complaint.repeat_of_id else set()
    if "topic" not in reasons and any(c.pk not in linked for _s, c in matches):
        reasons.append("topic")
        if complaint.repeat_of_id is None:
            complaint.repeat_of = matches[0][1]
    if complaint.repeat_group_id is None:
        _join_topic_group(complaint, matches)
    complaint.repeat_reasons = reasons
    after = {
        "repeat_group": complaint.repeat_group_id,
        "repeat_of": complaint.repeat_of_id,
        "repeat_reasons": reasons,
    }
    if after == before:
        return reasons
    complaint.save(update_fields=["repeat_group", "repeat_of", "repeat_reasons"])
    event_record(
        subject=complaint,
        action=ComplaintEvent.TOPIC_FOUND,
        actor=None,
        data={
            "repeat_group_id": complaint.repeat_group_id,
            "repeat_of": complaint.repeat_of_id,
            "repeat_reasons": reasons,
            "similarity": round(matches[0][0] * 100),
        },
    )
    return reasons


@task
def topic_find(complaint_id: int) -> list[str]:
    """The worker's half of the repeat check of a new complaint (see `topic_assign`)."""
    return topic_assign(complaint_id=complaint_id)
