"""What the month-end computation runs before it totals a month (ASM-3): each part of the
assessment that books entries at month end (the worst-service ratings, ASM-7) registers a
step here from its app config, so the monthly cycle calls them without importing them."""

from collections.abc import Callable
from datetime import date
from typing import Any

# step(company=Company, month=date, actor=Person | None) -> None, run inside the
# computation's transaction, in the order registered.
MonthEndStep = Callable[..., None]
_MONTH_END_STEPS: list[tuple[str, MonthEndStep]] = []


def register_month_end(name: str, step: MonthEndStep) -> None:
    if name not in {known for known, _step in _MONTH_END_STEPS}:
        _MONTH_END_STEPS.append((name, step))


def month_end_run(*, company: Any, month: date, actor: Any = None) -> None:
    for _name, step in _MONTH_END_STEPS:
        step(company=company, month=month, actor=actor)
