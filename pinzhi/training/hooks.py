"""What the apps above training hook into it (training imports no domain app).

    register_on_completed(callback)    # callback(assignment), inside the completing transaction

The assessment registers one from its AppConfig.ready(): a retraining decided after a failed
assessment (ASM-8) is carried out once the person passes the assigned course, so the
consequence that created the assignment is marked done in the same transaction.
"""

from collections.abc import Callable
from typing import Any

CompletedCallback = Callable[[Any], object]

_on_completed: list[CompletedCallback] = []


def register_on_completed(callback: CompletedCallback) -> None:
    """Call `callback(assignment)` when an assignment is completed (once per callback)."""
    if callback not in _on_completed:
        _on_completed.append(callback)


def completed_run(assignment: Any) -> None:
    for callback in _on_completed:
        callback(assignment)
