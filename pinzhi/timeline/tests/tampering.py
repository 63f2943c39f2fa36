"""What a tamperer does to the timeline's table behind the application's back."""

from django.db import connection

from pinzhi.timeline.canonical import stored_event_hash
from pinzhi.timeline.models import Event


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def rehash(event_id):
    """What a tamperer who knows the algorithm AND the key would do after editing a row."""
    e = Event.objects.get(pk=event_id)
    new = stored_event_hash(e)
    sql("UPDATE timeline_event SET hash = %s WHERE id = %s", [new, event_id])
    return new


def forge(like: Event, *, action: str, seq: int, prev_hash: str, hash: str) -> Event:
    """A row written straight into the table, about the same subject as `like`."""
    return Event.objects.create(
        chain=like.chain,
        company_id=like.company_id,
        content_type=like.content_type,
        object_id=like.object_id,
        subject_repr=like.subject_repr,
        at=like.at,
        action=action,
        seq=seq,
        prev_hash=prev_hash,
        hash=hash,
    )
