"""The one accessor: which value applied at time T (STD-5)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from pinzhi.policy import services
from pinzhi.policy.selectors import RuleNotFound, rule_value, rule_versions

JUNE = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
def revised(first_contact, person_with):
    """first_contact: 30 minutes from the start, 20 from 1 June 2026 (revised in March)."""
    editor = person_with("quality_department")
    with time_machine.travel(datetime(2026, 3, 1, tzinfo=UTC), tick=False):
        services.rule_revise(
            rule=first_contact,
            value=20,
            effective_from=JUNE,
            author=editor,
            reason="提速",
            company=None,
        )
    return first_contact


def test_it_answers_the_value_before_and_after_an_effective_date(revised):
    """STD-5: a case keeps the value that applied when it started."""
    key = "complaints.first_contact"
    assert rule_value(
        key, pack="property", at=JUNE - timedelta(seconds=1), company=None
    ) == timedelta(minutes=30)
    assert rule_value(key, pack="property", at=JUNE, company=None) == timedelta(minutes=20)
    assert rule_value(
        key, pack="property", at=JUNE + timedelta(days=90), company=None
    ) == timedelta(minutes=20)


def test_a_future_revision_applies_only_when_its_day_comes(revised):
    key = "complaints.first_contact"
    with time_machine.travel(datetime(2026, 5, 31, 23, 59, tzinfo=UTC), tick=False):
        assert rule_value(key, pack="property", company=None) == timedelta(minutes=30)
    with time_machine.travel(datetime(2026, 6, 1, 0, 1, tzinfo=UTC), tick=False):
        assert rule_value(key, pack="property", company=None) == timedelta(minutes=20)


def test_it_sees_a_revision_made_after_the_value_was_cached(first_contact, person_with):
    key = "complaints.first_contact"
    assert rule_value(key, pack="property", company=None) == timedelta(minutes=30)
    services.rule_revise(
        rule=first_contact,
        value=15,
        effective_from=None,
        author=person_with("quality_department"),
        reason="立即生效",
        company=None,
    )
    assert rule_value(key, pack="property", company=None) == timedelta(minutes=15)


def test_a_repeated_lookup_costs_one_small_query(property_pack, django_assert_num_queries):
    """Only the stamp counter is read; the rule and its versions come from the cache."""
    rule_value("complaints.first_contact", pack="property", company=None)
    with django_assert_num_queries(10):
        for _ in range(10):
            rule_value("complaints.first_contact", pack="property", company=None)


def test_it_types_each_kind_of_value(property_pack):
    assert rule_value("assessment.service_star_reward", pack="property", company=None) == 500
    assert rule_value("assessment.attitude_complaint", pack="property", company=None) == -5
    assert rule_value(
        "complaints.answer_complainant", pack="property", company=None
    ).max == timedelta(days=3)


def test_it_says_clearly_when_a_rule_is_unknown(property_pack):
    with pytest.raises(RuleNotFound, match="complaints.nope.*property"):
        rule_value("complaints.nope", pack="property", company=None)
    with pytest.raises(RuleNotFound, match="'elsewhere'"):
        rule_value("complaints.first_contact", pack="elsewhere", company=None)
    with pytest.raises(RuleNotFound, match="had no value"):
        rule_value(
            "complaints.first_contact",
            pack="property",
            at=datetime(1999, 1, 1, tzinfo=UTC),
            company=None,
        )


def test_it_lists_the_history_newest_first(revised):
    history = list(rule_versions("complaints.first_contact", pack="property", company=None))
    assert [v.value for v in history] == [20, 30]
    assert history[0].reason == "提速" and history[0].author is not None


def test_a_bad_stored_value_is_named_not_an_overflow(first_contact):
    """A value stored before the bounds existed (or by hand) gives an error naming the rule,
    and does not break the rule's other versions."""
    from pinzhi.policy.models import RuleVersion
    from pinzhi.policy.selectors import RuleValueInvalid

    RuleVersion.objects.create(
        rule=first_contact,
        value=99999999999999,
        effective_from=JUNE,
        reason="by hand",
        created_at=JUNE,
    )
    services._stamp_bump()
    key = "complaints.first_contact"
    with pytest.raises(RuleValueInvalid, match=r"complaints.first_contact.*'property'.*at most"):
        rule_value(key, pack="property", at=JUNE, company=None)
    assert rule_value(key, pack="property", at=JUNE - timedelta(days=1), company=None) == timedelta(
        minutes=30
    )


def test_the_cache_follows_the_stamp_not_the_newest_id(first_contact, person_with):
    """A version that commits with a smaller id than one already seen (PostgreSQL hands ids
    out before commit) is still noticed: the stamp counter moves with every write."""
    from pinzhi.policy.models import PolicyStamp, RuleVersion

    key = "complaints.first_contact"
    assert rule_value(key, pack="property", company=None) == timedelta(minutes=30)
    stamp = PolicyStamp.objects.get().counter
    # Simulate the late commit: a version whose id is below the newest one.
    newest = RuleVersion.objects.order_by("-id").first()
    RuleVersion.objects.filter(pk=newest.pk).update(id=newest.pk + 1000)
    RuleVersion.objects.create(
        id=newest.pk + 1,
        rule=first_contact,
        value=12,
        effective_from=datetime(2026, 1, 1, tzinfo=UTC),
        reason="late commit",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    services._stamp_bump()
    assert PolicyStamp.objects.get().counter == stamp + 1
    with time_machine.travel(datetime(2026, 2, 1, tzinfo=UTC), tick=False):
        assert rule_value(key, pack="property", company=None) == timedelta(minutes=12)


def test_every_version_write_bumps_the_stamp(first_contact, person_with):
    from pinzhi.policy.models import PolicyStamp

    before = PolicyStamp.objects.get().counter
    services.rule_revise(
        rule=first_contact,
        value=15,
        effective_from=None,
        author=person_with("quality_department"),
        reason="x",
        company=None,
    )
    assert PolicyStamp.objects.get().counter == before + 1
    services.pack_load(code="property")  # nothing new: no bump
    assert PolicyStamp.objects.get().counter == before + 1
