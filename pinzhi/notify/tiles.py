"""The home tile of notifications (X-3): a person's unread notifications."""

from pinzhi.notify import selectors


def unread(user) -> dict | None:
    count = selectors.unread_count(user)
    if not count:
        return None
    return {"count": count, "items": selectors.latest_unread(user)}
