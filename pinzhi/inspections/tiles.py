"""The inspector's home tile (INS-5, issue 10 item 10): today's tasks across units, the
overdue ones, those in progress, and what waits on the phone to be sent (the outbox's count,
filled in by the phone)."""

from typing import Any

from pinzhi.inspections.selectors import inspector_day


def my_day(user: Any) -> dict | None:
    day = inspector_day(user)
    rows = day["in_progress"] + day["overdue"] + day["today"]
    if not rows:
        return None
    return {
        "in_progress": len(day["in_progress"]),
        "overdue": len(day["overdue"]),
        "today": len(day["today"]),
        "rows": rows[:5],
    }
