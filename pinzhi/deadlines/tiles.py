"""The home tiles: the signed-in person's own deadlines that are past due; an inspector's
running time limits of the units they inspect."""

from datetime import timedelta

from pinzhi.deadlines import selectors
from pinzhi.lib.clock import now
from pinzhi.orgs.selectors import units_visible_to


def my_overdue(user) -> dict | None:
    deadlines = selectors.my_overdue(user)
    count = deadlines.count()
    if not count:
        return None
    return {"deadlines": list(deadlines[:5]), "count": count}


def in_my_units(user) -> dict | None:
    """Issue 8 item 6, for an inspector: the running time limits of the units they inspect
    (and their own), the soonest due first, with how many are past due and how many fall
    due within a day. The subject is left out: its text may name a customer (ORG-3). Shown
    with its empty state while none is running; left out for someone without units."""
    if not units_visible_to(user).exists():
        return None
    running = selectors.deadlines_visible_to(user).filter(state__in=selectors.ACTIVE)
    at = now()
    return {
        "count": running.count(),
        "overdue": running.filter(due_at__lte=at).count(),
        "due_soon": running.filter(due_at__gt=at, due_at__lte=at + timedelta(days=1)).count(),
        "deadlines": list(running.select_related("unit").order_by("due_at", "pk")[:5]),
    }
