import datetime as dt
import uuid
from decimal import Decimal

import pytest

from pinzhi.timeline.canonical import canonical, event_hash
from pinzhi.timeline.models import GENESIS_HASH, Event
from pinzhi.timeline.services import changed, event_record, snapshot
from pinzhi.timeline.verify import timeline_check

pytestmark = pytest.mark.django_db


def test_it_links_each_event_to_the_one_before(unit, person_with):
    """X-1: every event carries the hash of the one before it."""
    actor = person_with("quality_department")
    last = Event.objects.order_by("-seq").first()
    first = event_record(subject=unit, action="unit.created", actor=actor)
    second = event_record(subject=unit, action="unit.updated", actor=actor, reason="renamed")
    assert first.prev_hash == (last.hash if last else GENESIS_HASH)
    assert second.prev_hash == first.hash
    assert second.seq == first.seq + 1
    assert second.actor == actor
    assert second.actor_name == actor.get_full_name()
    assert second.subject == unit
    assert timeline_check().ok


def test_it_starts_the_chain_at_the_genesis_hash(unit):
    Event.objects.all().delete()
    from pinzhi.timeline.models import ChainHead

    ChainHead.objects.all().delete()
    event = event_record(subject=unit, action="unit.created")
    assert (event.seq, event.prev_hash) == (1, GENESIS_HASH)
    assert event.actor is None and event.actor_name == ""


def test_it_stores_payloads_in_canonical_form(unit):
    event = event_record(
        subject=unit,
        action="rule.revised",
        data={"b": Decimal("1.50"), "a": dt.date(2025, 1, 2), "id": uuid.UUID(int=1)},
        before={"due": dt.datetime(2025, 1, 2, 8, 0, tzinfo=dt.UTC), "ratio": 2.0},
        after={"due": None, "tags": {"y", "x"}},
    )
    stored = Event.objects.get(pk=event.pk)
    assert stored.data == {"a": "2025-01-02", "b": "1.50", "id": str(uuid.UUID(int=1))}
    assert stored.before == {"due": "2025-01-02T08:00:00.000000+00:00", "ratio": 2}
    assert stored.after == {"due": None, "tags": ["x", "y"]}
    assert timeline_check().ok


def test_it_hashes_the_same_content_the_same_way_whatever_the_key_order():
    at = dt.datetime(2025, 5, 1, 10, 30, 0, 123456, tzinfo=dt.UTC)
    common = dict(
        seq=7,
        prev_hash=GENESIS_HASH,
        subject_type="orgs.unit",
        object_id="3",
        subject_repr="客服部",
        actor_id=None,
        actor_name="",
        at=at,
        action="unit.updated",
        before=None,
        after=None,
        reason="整改",
    )
    one = event_hash(data=canonical({"x": Decimal("0.10"), "d": dt.date(2025, 1, 1)}), **common)
    two = event_hash(data={"d": "2025-01-01", "x": "0.10"}, **common)
    shanghai = dt.timezone(dt.timedelta(hours=8))
    three = event_hash(
        data={"x": "0.10", "d": "2025-01-01"}, **common | {"at": at.astimezone(shanghai)}
    )
    assert one == two == three
    assert event_hash(data={"d": "2025-01-01", "x": "0.1"}, **common) != one


def test_it_refuses_an_event_without_action_or_saved_subject(unit):
    from pinzhi.orgs.models import Unit

    with pytest.raises(ValueError):
        event_record(subject=unit, action="")
    with pytest.raises(ValueError):
        event_record(subject=Unit(name="x"), action="unit.created")


def test_it_snapshots_fields_and_keeps_only_changes(unit):
    before = snapshot(unit, ["name", "code", "company", "is_active"])
    assert before == {
        "name": "客服部",
        "code": "KF",
        "company": unit.company_id,
        "is_active": True,
    }
    unit.name = "客户服务部"
    after = snapshot(unit, ["name", "code", "company", "is_active"])
    assert changed(before, after) == ({"name": "客服部"}, {"name": "客户服务部"})
    event = event_record(subject=unit, action="unit.updated", before=before, after=after)
    assert event.changes == [("name", "客服部", "客户服务部")]


def test_it_keys_the_hash(unit, settings):
    """X-1: the hash is an HMAC keyed with PINZHI_TIMELINE_KEY (else derived from
    SECRET_KEY): without the key, an edited event cannot be re-sealed."""
    from pinzhi.timeline.models import ChainHead

    settings.PINZHI_TIMELINE_KEY = "key-one"
    Event.objects.all().delete()
    ChainHead.objects.all().delete()
    event = event_record(subject=unit, action="unit.touched")
    assert timeline_check().ok
    common = dict(
        seq=1,
        prev_hash=GENESIS_HASH,
        subject_type="orgs.unit",
        object_id="1",
        subject_repr="客服部",
        company_id=1,
        actor_id=None,
        actor_name="",
        at=event.at,
        action="unit.touched",
        data={},
        before=None,
        after=None,
        reason="",
    )
    one = event_hash(**common)
    assert one == event_hash(**common, key=b"key-one")
    settings.PINZHI_TIMELINE_KEY = "key-two"
    assert event_hash(**common) != one
    assert not timeline_check().ok  # verified with another key: every event is suspect
    settings.PINZHI_TIMELINE_KEY = None
    derived = event_hash(**common)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert event_hash(**common) != derived
