"""Repeat complaints (CMP-8): the same customer, the same address or the same topic again
within the window of the policy pack.

"Same topic" is similar meaning and words (grouping.features: the stored sentence-embedding
vector and the TF-IDF words of `search_text`) against the earlier complaints of the same
company within the window (at most `TOPIC_CANDIDATES` of the most recent ones), reaching
the pack's `complaints.repeat_similarity`. The new complaint then joins the topic group of
the most similar earlier complaint (a new group is opened for the two when that one has
none); see grouping.py for the regrouping of a whole period.

A repeat by the same customer or at the same address is recorded with those reasons
whatever its topic; the repeats page tells whether it is about the same topic or another
one (`topic_relation`), so two different problems of one customer never pass for a topic.
"""

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pinzhi.complaints import meaning
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
    same = Q(pk__in=[])
    if complaint.customer_phone:
        same |= Q(customer_phone=complaint.customer_phone)
    if complaint.customer_email:
        same |= Q(customer_email__iexact=complaint.customer_email)
    if complaint.customer_id:
        same |= Q(customer_id=complaint.customer_id)
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


def repeat_candidates(complaint: Complaint):
    """Earlier complaints of the same company within the repeat window."""
    window = rule_value(
        "complaints.repeat_window",
        pack=complaint.policy_pack,
        company=complaint.company_id,
        at=complaint.received_at,
    )
    return Complaint.objects.filter(
        company=complaint.company,
        received_at__gte=complaint.received_at - window,
        received_at__lte=complaint.received_at,
    ).exclude(pk=complaint.pk)


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


def repeat_flag(complaint: Complaint) -> list[str]:
    """Mark `complaint` as a repeat of the latest earlier complaint by the same customer
    (phone, e-mail or account) or at the same address within the window; returns the
    reasons found (empty when it is not a repeat).

    Similar text (CMP-8 "same topic") puts the complaint in the topic group of the most
    similar earlier complaint; "topic" is added to the reasons when a similar complaint
    other than the one matched by customer or address exists (it is then `repeat_of` when
    neither customer nor address matched)."""
    earlier = repeat_candidates(complaint).order_by("-received_at")
    same_customer = Q(pk__in=[])
    if complaint.customer_phone:
        same_customer |= Q(customer_phone=complaint.customer_phone)
    if complaint.customer_email:
        same_customer |= Q(customer_email__iexact=complaint.customer_email)
    if complaint.customer_id:
        same_customer |= Q(customer_id=complaint.customer_id)
    reasons, first = [], None
    match = earlier.filter(same_customer).first()
    if match is not None:
        reasons.append("customer")
        first = match
    if complaint.customer_address.strip():
        match = earlier.filter(customer_address=complaint.customer_address.strip()).first()
        if match is not None:
            reasons.append("address")
            first = first or match
    fields = []
    matches = topic_matches(complaint)
    if matches:
        linked = {first.pk} if first is not None else set()
        if any(candidate.pk not in linked for _s, candidate in matches):
            reasons.append("topic")
            first = first or matches[0][1]
        _join_topic_group(complaint, matches)
        fields.append("repeat_group")
    if reasons:
        complaint.repeat_of = first
        complaint.repeat_reasons = reasons
        fields += ["repeat_of", "repeat_reasons"]
    if fields:
        complaint.save(update_fields=fields)
    return reasons
