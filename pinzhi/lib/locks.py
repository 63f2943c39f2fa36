"""A lock on a name, held until the transaction ends (issue 9 item 2).

Two requests that must not run a piece of work at the same time (the same Idempotency-Key,
the same external id resent) wait on the name they share, and only on it: other requests
go on. PostgreSQL takes a transaction-level advisory lock on a 64-bit hash of the name;
SQLite needs none, since its transactions begin IMMEDIATE and so already run one writer at
a time (settings: `transaction_mode`). On another database the caller's `fallback` row lock
is taken instead (coarser, but correct).
"""

import hashlib
from collections.abc import Callable

from django.db import connection, transaction


def _key(name: str) -> int:
    """A signed 64-bit integer for `name` (pg_advisory_xact_lock takes a bigint)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def name_lock(name: str, *, fallback: Callable[[], object] | None = None) -> None:
    """Wait until no other transaction holds `name`, then hold it until this transaction
    commits or rolls back. Call inside `transaction.atomic()`."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("name_lock() is held until the transaction ends: call it inside one")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_key(name)])
    elif connection.vendor != "sqlite" and fallback is not None:
        fallback()
