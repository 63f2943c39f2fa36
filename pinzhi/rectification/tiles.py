"""The rectification home tiles (NCR-2, NCR-3, issue 10 item 10): a unit head's open findings
of their units, and the quality department's overdue rectifications."""

from typing import Any

from pinzhi.lib.clock import now
from pinzhi.rectification.models import Nonconformity
from pinzhi.rectification.selectors import nonconformities_visible_to

OPEN = (Nonconformity.Status.OPEN, Nonconformity.Status.FIX_REPORTED)


def open_in_my_units(user: Any) -> dict | None:
    """NCR-2: the open findings of the units in the person's scope, the most urgent first."""
    rows = (
        nonconformities_visible_to(user)
        .filter(status__in=OPEN)
        .select_related("unit")
        .order_by("due_at", "pk")
    )
    count = rows.count()
    if not count:
        return None
    moment = now()
    return {
        "count": count,
        "overdue": rows.filter(status=Nonconformity.Status.OPEN, due_at__lt=moment).count(),
        "rows": list(rows[:5]),
        "now": moment,
    }


def overdue_rectifications(user: Any) -> dict | None:
    """NCR-3: the rectifications past their deadline, the largest overrun first (as the
    overdue board lists them)."""
    moment = now()
    rows = (
        nonconformities_visible_to(user)
        .filter(status=Nonconformity.Status.OPEN, due_at__lt=moment)
        .select_related("unit")
        .order_by("due_at", "pk")
    )
    count = rows.count()
    if not count:
        return None
    return {"count": count, "rows": list(rows[:5]), "now": moment}
