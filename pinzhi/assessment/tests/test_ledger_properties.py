"""Property tests of the derived ledger (issue 11, Tests and evidence): over random histories
of verified complaints about several people at instants around month ends, consumed in
random batch sizes and replayed, the entries equal the seed's rules applied by hand
(004 第5篇 二.2: n × −5 for the person, from the 2nd k × −3 for the supervisor, from the 3rd
k × −3 for the group leader), nothing is booked twice, and months are Shanghai's."""

import itertools
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pinzhi.assessment.models import PointsEntry
from pinzhi.assessment.services.derive import CONSUMER, ledger_follow
from pinzhi.assessment.tests.factories import complaint_verified
from pinzhi.orgs.tests.factories import person_in_role
from pinzhi.timeline.models import Event, EventCursor

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Midnight in Shanghai at the start of February and of March 2026 (16:00 UTC the day before).
MONTH_ENDS = [datetime(2026, 1, 31, 16, tzinfo=UTC), datetime(2026, 2, 28, 16, tzinfo=UTC)]
_serial = itertools.count()

HISTORY = st.lists(
    st.tuples(
        st.integers(0, 2),  # which of three people
        st.integers(0, len(MONTH_ENDS) - 1),  # around which month end
        st.integers(-9 * 60, 9 * 60),  # minutes before (−) or after it
    ),
    min_size=1,
    max_size=10,
)


def _expected(history, people, supervisor, leader) -> dict[tuple[int, date], int]:
    """The seed's rules applied by hand, in the order the complaints were verified."""
    totals: dict[tuple[int, date], int] = defaultdict(int)
    nth: dict[tuple[int, date], int] = defaultdict(int)
    for who, instant in history:
        local = instant.astimezone(SHANGHAI)
        month = date(local.year, local.month, 1)
        nth[(who, month)] += 1
        n = nth[(who, month)]
        totals[(people[who].pk, month)] += -5 * n
        if n >= 2:
            totals[(supervisor.pk, month)] += -3 * (n - 1)
        if n >= 3:
            totals[(leader.pk, month)] += -3 * (n - 2)
    return {key: value for key, value in totals.items() if value}


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=HISTORY, batch=st.integers(1, 5))
def test_it_books_the_rules_exactly_once_in_shanghai_months(org, history, batch):
    """ASM-4, issue 11 item 1: totals equal the rules applied; a replay books nothing more;
    each entry counts in the Shanghai month of its complaint's verification."""
    serial = next(_serial)
    people = [person_in_role(f"prop{serial}-{i}", "service_staff", org.ch) for i in range(3)]
    timed = sorted(
        ((who, MONTH_ENDS[end] + timedelta(minutes=minutes)) for who, end, minutes in history),
        key=lambda item: item[1],
    )
    first_event = (Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    for who, instant in timed:
        with time_machine.travel(instant, tick=False):
            complaint_verified(staff=people[who])
    ledger_follow(batch=batch)
    mine = PointsEntry.objects.filter(event_id__gte=first_event)
    booked: dict[tuple[int, date], int] = defaultdict(int)
    for person_id, month, points in mine.values_list("person_id", "month", "points"):
        booked[(person_id, month)] += points
    assert dict(booked) == _expected(timed, people, org.supervisor, org.leader)
    for entry in mine:
        assert entry.month == date(
            entry.occurred_at.astimezone(SHANGHAI).year,
            entry.occurred_at.astimezone(SHANGHAI).month,
            1,
        )
    count = mine.count()
    EventCursor.objects.filter(name=CONSUMER).delete()
    ledger_follow(batch=batch)
    assert mine.count() == count
