"""The home tile: the signed-in person's own deadlines that are past due."""

from pinzhi.deadlines import selectors


def my_overdue(user) -> dict | None:
    deadlines = selectors.my_overdue(user)
    count = deadlines.count()
    if not count:
        return None
    return {"deadlines": list(deadlines[:5]), "count": count}
