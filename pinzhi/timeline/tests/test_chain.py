import datetime as dt
from decimal import Decimal

import pytest

from pinzhi.timeline.models import GENESIS_HASH, Event
from pinzhi.timeline.services import event_record
from pinzhi.timeline.verify import timeline_check


@pytest.mark.django_db
def test_it_links_each_event_to_the_one_before(unit, person_with):
    actor = person_with("quality_department")
    last = Event.objects.order_by("-seq").first()
    first = event_record(subject=unit, action="unit.created", actor=actor)
    second = event_record(
        subject=unit,
        action="unit.updated",
        actor=actor,
        before={"n": 1},
        after={"n": 2},
        data={"amount": Decimal("1.50"), "day": dt.date(2025, 1, 2)},
    )
    assert first.prev_hash == (last.hash if last else GENESIS_HASH)
    assert second.prev_hash == first.hash
    assert second.seq == first.seq + 1
    assert Event.objects.get(pk=second.pk).data == {"amount": "1.50", "day": "2025-01-02"}
    assert timeline_check().ok
