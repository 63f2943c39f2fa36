"""Issue 9 item 3: the home tiles' figures come from one aggregate per tile instead of a count
per figure; these tests compare every figure with the count it used to be, on the same data."""

from datetime import timedelta

import pytest
from django.db.models import Q
from django.utils import timezone

from pinzhi.complaints import search, selectors, tiles
from pinzhi.complaints.models import OPEN_STATUSES, Complaint
from pinzhi.complaints.tests.test_print import handled
from pinzhi.complaints.tests.test_who_reaches_what import _complaint
from pinzhi.deadlines.sweep import sweep
from pinzhi.lib.clock import now
from pinzhi.orgs import services as orgs
from pinzhi.orgs.tests.factories import PersonFactory, person_in_role


def _open_overdue(queryset) -> tuple[int, int]:
    """The former figures: a count of the open complaints, and one of the overdue ones."""
    open_cases = search.with_overdue(queryset.filter(status__in=OPEN_STATUSES))
    return open_cases.count(), open_cases.filter(is_overdue=True).count()


def _months():
    local = timezone.localtime(now())
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return month_start, (month_start - timedelta(days=1)).replace(day=1)


@pytest.fixture
def history(clock, org, register):
    """Complaints of last month and this month at 翠湖花园, some closed, some overdue."""
    _complaint(register)
    handled(org, _complaint(register, title="上月已结"))
    clock.shift(timedelta(days=35))
    closed = _complaint(register, title="本月已结")
    handled(org, closed)
    for n in range(3):
        _complaint(register, title=f"本月未结{n}")
    clock.shift(timedelta(hours=2))
    sweep(now())
    _complaint(register, title="刚登记")
    assert Complaint.objects.filter(status__in=OPEN_STATUSES).exists()
    return org


def test_the_company_overview_figures_are_the_former_counts(history):
    """Issue 9 item 3: open by status, overdue, this month's and last month's intake."""
    org = history
    visible = selectors.complaints_visible_to(org.quality)
    month_start, last_start = _months()
    tile = tiles.company_overview(org.quality)
    open_count, overdue = _open_overdue(visible)
    assert (tile["open_count"], tile["overdue"]) == (open_count, overdue)
    assert overdue and tile["this_month"] and tile["last_month"]
    assert tile["this_month"] == visible.filter(received_at__gte=month_start).count()
    assert (
        tile["last_month"]
        == visible.filter(received_at__gte=last_start, received_at__lt=month_start).count()
    )
    by_status = {s: visible.filter(status=s).count() for s in OPEN_STATUSES}
    assert [(s, n) for s, _label, n in tile["by_status"]] == [
        (s, by_status[s]) for s in OPEN_STATUSES if by_status[s]
    ]


def test_my_open_cases_figures_are_the_former_counts(history):
    """Issue 9 item 3: the open cases I own or handle, and how many are overdue."""
    org = history
    for person in (org.registrar, org.handler):
        mine = selectors.complaints_visible_to(person).filter(Q(owner=person) | Q(handler=person))
        count, overdue = _open_overdue(mine)
        tile = tiles.my_open_cases(person)
        assert (tile["count"], tile["overdue"]) == (count, overdue) if count else tile is None
    assert tiles.my_open_cases(org.registrar)["overdue"]


def test_an_inspectors_figures_are_the_former_counts(history):
    """Issue 9 item 3: the open complaints of the inspected units, overdue, this week's; the
    time limits running there, past due and due within a day."""
    org = history
    inspector = person_in_role("inspector", "inspector", org.hq, [org.estate])
    in_scope = selectors.complaints_in_scope(inspector)
    tile = tiles.in_my_units(inspector)
    local = timezone.localtime(now())
    week_start = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    assert (tile["count"], tile["overdue"]) == _open_overdue(in_scope)
    assert tile["this_week"] == in_scope.filter(received_at__gte=week_start).count()
    assert tile["count"] and tile["overdue"]
    limits = tiles.time_limits_in_my_units(inspector)
    assert limits["count"] and limits["overdue"]
    assert limits["count"] >= limits["overdue"] + limits["due_soon"]
    assert limits["count"] == len(
        [d for c in selectors.open_complaints(in_scope) for d in _running(c)]
    )


def _running(complaint):
    from django.contrib.contenttypes.models import ContentType

    from pinzhi.deadlines.models import Deadline

    return Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(Complaint),
        object_id=str(complaint.pk),
        state__in=[Deadline.State.OPEN, Deadline.State.BREACHED],
    )


def test_the_supervising_bodys_figures_are_the_former_counts(history):
    """Issue 9 item 3, ORG-4: open, overdue, this month's and last month's intake, closed
    this month, in total and per unit of its scope."""
    org = history
    watchdog = PersonFactory(username="watchdog", unit=None, company=None)
    orgs.role_assign(person=watchdog, role="supervising_body", scope=[org.estate, org.ab])
    supervised = selectors.complaints_supervised_by(watchdog)
    month_start, last_start = _months()
    tile = tiles.supervised_figures(watchdog)
    assert (tile["open"], tile["overdue"]) == _open_overdue(supervised)
    assert tile["this_month"] == supervised.filter(received_at__gte=month_start).count()
    assert (
        tile["last_month"]
        == supervised.filter(received_at__gte=last_start, received_at__lt=month_start).count()
    )
    assert tile["closed_this_month"] == supervised.filter(closed_at__gte=month_start).count()
    assert tile["closed_this_month"] and tile["recorded"]
    for row in tile["units"]:
        unit = row["unit"]
        here = supervised.filter(
            Q(location__path__startswith=unit.path) | Q(department__path__startswith=unit.path),
            company_id=unit.company_id,
        )
        assert (row["open"], row["overdue"]) == _open_overdue(here)
    assert {row["unit"] for row in tile["units"]} == {org.estate, org.ab}
