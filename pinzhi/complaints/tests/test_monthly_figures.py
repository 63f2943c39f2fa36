"""Issue 9 item 3: the pre-aggregated monthly figures (`figures.py`) equal the live counts
of the complaints at every moment, whatever writes them; the home tile reads them and shows
the numbers it showed before."""

import random
from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from pinzhi.complaints import figures, search, selectors, tiles
from pinzhi.complaints.models import (
    OPEN_STATUSES,
    Category,
    Channel,
    Complaint,
    MonthlyFigure,
    RunningLimit,
    Status,
)
from pinzhi.complaints.tests.test_print import handled
from pinzhi.complaints.tests.test_tiles_figures import history  # noqa: F401  (fixture)
from pinzhi.complaints.tests.test_who_reaches_what import _complaint
from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.sweep import sweep
from pinzhi.lib.clock import now
from pinzhi.orgs.tests.factories import CompanyFactory, UnitFactory

KEY = ("company_id", "month", "location_id", "department_id", "category", "channel", "status")


def _figures() -> dict:
    rows = MonthlyFigure.objects.values_list(*KEY).annotate(n=Sum("count")).order_by()
    return {tuple(key): n for *key, n in rows if n}


def _live() -> dict:
    month = TruncMonth("received_at", tzinfo=timezone.get_current_timezone())
    rows = (
        Complaint.objects.annotate(month=month).values_list(*KEY).annotate(n=Count("pk")).order_by()
    )
    return {(c, m.date() if hasattr(m, "date") else m, *rest): n for c, m, *rest, n in rows}


def _limits() -> list:
    return sorted(
        RunningLimit.objects.values_list("deadline_id", "complaint_id", "company_id", "due_at")
    )


def _live_limits() -> list:
    running = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(Complaint),
        state__in=[Deadline.State.OPEN, Deadline.State.BREACHED],
    )
    found = []
    for deadline in running:
        case = Complaint.objects.filter(
            pk=int(deadline.object_id), status__in=OPEN_STATUSES
        ).first()
        if case is not None:
            found.append((deadline.pk, case.pk, case.company_id, deadline.due_at))
    return sorted(found)


def _overdue(visible) -> int:
    open_cases = search.with_overdue(visible.filter(status__in=OPEN_STATUSES))
    return open_cases.filter(is_overdue=True).count()


def test_it_keeps_the_figures_equal_to_the_live_counts_through_random_steps(clock, org, register):
    """Issue 9 item 3: after each of random workflow steps, sweeps and bulk changes (a
    status, a unit, a category, the date received, limits moved, many rows in one UPDATE),
    the figures and the running limits equal the live counts, and the overview's overdue
    figure the former count."""
    rng = random.Random(9)
    cases = [_complaint(register, title=f"第{n}件") for n in range(6)]
    assert _figures() == _live()
    units = [org.estate, org.kf, org.ab, None]
    for step in range(30):
        case = rng.choice(cases)
        case.refresh_from_db()
        choice = step % 6
        if choice == 0 and case.status == Status.REGISTERED:
            handled(org, case)
        elif choice == 1:
            Complaint.objects.filter(pk=case.pk).update(status=rng.choice(list(Status)))
        elif choice == 2:
            Complaint.objects.filter(pk=case.pk).update(department=rng.choice(units))
        elif choice == 3:
            Complaint.objects.filter(pk__in=[c.pk for c in cases[:3]]).update(
                category=rng.choice(list(Category)), channel=rng.choice(list(Channel))
            )
        elif choice == 4:
            Complaint.objects.filter(pk=case.pk).update(
                received_at=case.received_at - timedelta(days=rng.randint(1, 70))
            )
        else:
            clock.shift(timedelta(days=rng.randint(0, 20)))
            cases.append(_complaint(register, title=f"新{step}", location=rng.choice(units)))
        Complaint.objects.filter(pk=case.pk).update(title=f"只改标题{step}")
        if step % 7 == 0:
            sweep(now())
        if step % 5 == 0:
            Deadline.objects.filter(object_id=str(case.pk)).update(
                due_at=case.received_at + timedelta(hours=rng.randint(1, 200))
            )
        assert _figures() == _live(), f"step {step}"
        assert _limits() == _live_limits(), f"step {step}"
        for person in (org.quality, org.chairman):
            visible = selectors.complaints_visible_to(person)
            assert tiles.company_overview(person)["overdue"] == _overdue(visible), f"step {step}"


def test_it_folds_each_keys_rows_into_one_without_changing_a_figure(clock, org, register):
    """Issue 9 item 3: the fold leaves one row per key and the same sums."""
    cases = [_complaint(register) for _ in range(3)]
    for case in cases:
        Complaint.objects.filter(pk=case.pk).update(status=Status.ROUTED)
    before = _figures()
    assert MonthlyFigure.objects.count() > len(before)
    removed = figures.figures_fold()
    assert removed and _figures() == before == _live()
    assert MonthlyFigure.objects.count() == len(before)
    assert figures.figures_fold() == 0


def test_it_rebuilds_a_period_from_the_complaints(clock, org, register):
    """Issue 9 item 3: `pinzhi figures-rebuild` recounts the months asked from the
    complaints, mending figures changed behind the triggers' back."""
    _complaint(register)
    month = date.fromisoformat(str(next(iter(_live()))[1]))
    MonthlyFigure.objects.create(
        company_id=org.company.pk,
        month=month,
        category="x",
        channel="y",
        status=Status.CLOSED,
        count=5,
    )
    assert _figures() != _live()
    RunningLimit.objects.all().delete()
    call_command("figures-rebuild", since=f"{month:%Y-%m}", until=f"{month:%Y-%m}")
    assert _figures() == _live()
    assert _limits() == _live_limits() != []


def test_it_keeps_the_figure_triggers_after_every_migration(db):
    """Issue 9 item 3: a later migration that rebuilds the complaints table (SQLite does
    that to alter a column) would drop the triggers; they must be there after them all."""
    assert figures.triggers_installed() >= {
        "complaint_figures_insert",
        "complaint_figures_update",
        "complaint_limits_insert",
        "complaint_limits_update",
        "complaint_limits_delete",
        "complaint_limits_case",
    }


def test_the_overview_tile_shows_the_live_counts_for_each_viewer(history):  # noqa: F811
    """Issue 9 item 3: the company overview read from the figures shows the numbers counted
    from the complaints, for the quality department, the leadership, the superuser, and a
    quality person who also registered a case of another company."""
    org = history
    boss = type(org.quality).objects.create_superuser("root9", "root9@example.com", "x")
    other = CompanyFactory()
    outside = Complaint.objects.create(
        company=other,
        location=UnitFactory(company=other),
        channel=Channel.HOTLINE,
        category=Category.SECURITY,
        customer_name="外人",
        title="别家的投诉",
        content="别家的投诉",
        received_at=timezone.now(),
        registered_at=timezone.now(),
        registered_by=org.quality,
        policy_pack="property",
    )
    assert outside.status in OPEN_STATUSES
    month_start, last_start = tiles._month_starts()
    for person in (org.quality, org.chairman, org.committee, boss):
        visible = selectors.complaints_visible_to(person)
        live = tiles._overview(tiles._overview_live(visible, month_start, last_start), month_start)
        assert tiles.company_overview(person) == live, person
    assert tiles.company_overview(org.quality)["open_count"] == (
        selectors.complaints_visible_to(org.quality).filter(status__in=OPEN_STATUSES).count()
    )


@pytest.mark.parametrize(
    "reasons", [[], ["customer"], ["address"], ["topic"], ["customer", "topic"]]
)
def test_the_repeat_pages_flagged_list_keeps_the_same_complaints(clock, org, register, reasons):
    """Issue 9 item 3: the flagged list read through its partial index holds the complaints
    flagged by customer or address, as the former condition did."""
    case = _complaint(register)
    Complaint.objects.filter(pk=case.pk).update(repeat_reasons=reasons)
    former = {"customer", "address"} & set(reasons)
    from pinzhi.complaints import grouping

    assert grouping.flagged(Complaint.objects.filter(pk=case.pk)).exists() == bool(former)
