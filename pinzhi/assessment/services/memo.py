"""Reads remembered for the length of one batch of work (the ledger's consumer handling a
batch of events): a rule's clause, who holds which role with which scope, whether a month is
closed. Outside `batch_memo()` nothing is remembered, so a page or a single booking always
reads the database."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_memo: ContextVar[dict[Any, Any] | None] = ContextVar("assessment_memo", default=None)


@contextmanager
def batch_memo() -> Iterator[None]:
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def memoised[T](key: Any, compute: Callable[[], T]) -> T:
    """`compute()`, once per `key` inside a `batch_memo()`, every time outside one."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]
