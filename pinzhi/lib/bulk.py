"""Inserting many rows of a model at once (issue 9 items 2 and 5): one way, used by the
timeline's events and the notifications' batches."""

import json
from datetime import datetime
from typing import Any, cast

from django.db import connection, models
from django.db.models import Model

# Rows per INSERT of `rows_insert` on PostgreSQL.
INSERT_CHUNK = 1000


def rows_insert[M: Model](objects: list[M]) -> list[M]:
    """Insert unsaved `objects` of one model and give them their primary keys: what
    `bulk_create` does. On PostgreSQL each `INSERT_CHUNK` rows go as ONE JSON parameter,
    a row of column texts each cast to its column's type (`json_array_elements`), with
    RETURNING id (issue 9 item 5: the ORM quotes every value of thousands of rows one by
    one in Python); elsewhere `bulk_create` itself."""
    if not objects:
        return objects
    model = type(objects[0])
    if connection.vendor != "postgresql":
        return model._default_manager.bulk_create(objects, batch_size=INSERT_CHUNK)
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name(opts.db_table)
    columns = ", ".join(connection.ops.quote_name(cast(str, f.column)) for f in fields)
    values = ", ".join(f"(r->>{i})::{_cast_type(f)}" for i, f in enumerate(fields))
    pk = connection.ops.quote_name(cast(str, opts.pk.column))
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT {values} "
        f"FROM json_array_elements(%s::json) WITH ORDINALITY AS rows(r, n) ORDER BY n "
        f"RETURNING {pk}"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(objects), INSERT_CHUNK):
            part = objects[start : start + INSERT_CHUNK]
            rows = [[f.pre_save(obj, add=True) for f in fields] for obj in part]
            if any(hasattr(v, "resolve_expression") for row in rows for v in row):
                # A database default or an expression: the ORM's path knows them.
                model._default_manager.bulk_create(part)
                continue
            rows = [[_column_text(f, v) for f, v in zip(fields, row, strict=True)] for row in rows]
            cursor.execute(sql, [json.dumps(rows)])
            for obj, (pk_value,) in zip(part, cursor.fetchall(), strict=True):
                obj.pk = pk_value
                obj._state.adding = False
                obj._state.db = connection.alias
    return objects


def _cast_type(field: models.Field) -> str:
    """The type a column's text is cast to: its own, but unbounded text for a varchar, so
    that a value too long is refused by the column (an explicit cast would cut it)."""
    db_type = str(field.db_type(connection))
    return "text" if db_type.startswith("varchar") else db_type


def _column_text(field: models.Field, value: Any) -> str | None:
    """`value` of `field` as the text PostgreSQL reads back into the column exactly: JSON
    encoded with the field's encoder, times in ISO 8601 with their offset."""
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        return json.dumps(value, cls=field.encoder)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
