"""The one place code asks for the current time, so tests can move the clock (DESIGN 6).

`clock_pinned(moment)` runs a block as if it were `moment`: the demo makes its back-dated
cases with it, so that each step, time limit and timeline event carries the case's own
time, not the time the demo was loaded (issue 8 item 6). Tests move time with
time-machine instead."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_pinned: ContextVar[datetime | None] = ContextVar("pinzhi_clock_pinned", default=None)


def now() -> datetime:
    pinned = _pinned.get()
    return pinned if pinned is not None else timezone.now()


@contextmanager
def clock_pinned(moment: datetime) -> Iterator[datetime]:
    """Within the block, `now()` answers `moment` (an aware time)."""
    token = _pinned.set(moment)
    try:
        yield moment
    finally:
        _pinned.reset(token)
