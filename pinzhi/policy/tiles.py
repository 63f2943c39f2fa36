"""The quality department's home tile: rule changes taking effect in the next 30 days."""

from pinzhi.policy import selectors


def upcoming_changes(user) -> dict | None:
    changes = selectors.upcoming_changes(user)
    if not changes:
        return None
    return {"changes": changes[:5], "count": len(changes)}


def amendments_waiting(user) -> dict | None:
    """STD-5: amendments the quality department must review or leadership must approve."""
    waiting = selectors.amendments_awaiting_action(user)
    count = waiting.count()
    if not count:
        return None
    return {"amendments": list(waiting[:5]), "count": count}
