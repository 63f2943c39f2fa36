"""The quality department's home tile: rule changes taking effect in the next 30 days."""

from pinzhi.policy import selectors


def upcoming_changes(user) -> dict | None:
    changes = selectors.upcoming_changes(user)
    if not changes:
        return None
    return {"changes": changes[:5], "count": len(changes)}
