"""What a tamperer does to the timeline's table behind the application's back."""

from django.db import connection

from pinzhi.timeline.canonical import content_type_key, event_hash
from pinzhi.timeline.models import Event


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def rehash(event_id):
    """What a tamperer who knows the algorithm AND the key would do after editing a row."""
    e = Event.objects.get(pk=event_id)
    new = event_hash(
        seq=e.seq,
        prev_hash=e.prev_hash,
        subject_type=content_type_key(e.content_type),
        object_id=e.object_id,
        subject_repr=e.subject_repr,
        company_id=e.company_id,
        actor_id=e.actor_id,
        actor_name=e.actor_name,
        at=e.at,
        action=e.action,
        data=e.data,
        before=e.before,
        after=e.after,
        reason=e.reason,
    )
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
