"""CMP-8, issue 8 item 4: repeat topics that work on real text. The grouping runs on
hand-labelled sets of real Chinese complaints the project was not built on (tests/data/
topics_*.csv, see the README there) at the pack's threshold; `pinzhi topic-quality` prints
the same figures."""

import pytest

from pinzhi.complaints import topic_quality

RECALL_MIN = 0.75


@pytest.fixture(scope="module")
def quality():
    """The figures of both labelled sets, computed once with the real encoder (the
    stand-in of other tests is not installed while a module fixture is set up)."""
    threshold = topic_quality.pack_threshold()
    return {
        name: topic_quality.measure(
            topic_quality.labelled_set(topic_quality.DATA / name), threshold=threshold, name=name
        )
        for name in topic_quality.LABELLED_SETS
    }


def test_it_groups_citizen_messages_by_topic_with_recall_and_precision(real_meaning, quality):
    """CMP-8 (issue 8 item 4): on 47 citizens' messages of five topics (taxis, post and
    parcels, noise, heritage, one-child benefits), at least 75 % of each topic's messages
    land in that topic's group and no group mixes two topics."""
    result = quality["topics_citizen_messages.csv"]
    assert result.mixed == 0 and result.precision == 1.0
    assert min(result.recall.values()) >= RECALL_MIN, result.lines()


def test_it_never_mixes_hotel_review_topics(real_meaning, quality):
    """CMP-8 (issue 8 item 4): on 58 negative hotel reviews of five topics no group mixes
    two topics, and the front desk, breakfast and air-conditioning topics each keep at
    least 75 % of their reviews in one group (吵, 隔音 and 噪音 are one meaning now)."""
    result = quality["topics_hotel_reviews.csv"]
    assert result.mixed == 0 and result.precision == 1.0
    for topic in ("前台服务", "早餐", "空调暖气"):
        assert result.recall[topic] >= RECALL_MIN, result.lines()


@pytest.mark.xfail(
    strict=True,
    reason="issue 8 item 4 not met on hotel reviews yet: noise 67 %, cleanliness 17 % recall",
)
def test_it_groups_every_hotel_review_topic_with_three_quarters_recall(real_meaning, quality):
    """CMP-8 (issue 8 item 4): every hotel review topic reaches 75 % recall — not yet:
    reviews about dirt (脏, 霉味, 毛巾发黄 …) share too little meaning for this encoder,
    and noise splits into street noise and thin walls."""
    result = quality["topics_hotel_reviews.csv"]
    assert min(result.recall.values()) >= RECALL_MIN, result.lines()
