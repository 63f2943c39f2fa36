"""Demo data (`pinzhi load_demo`, `pinzhi demo`): each app contributes its part.

The shell sits below the apps (docs/architecture.md, Layers) and names none of them: an app
registers its demo loader in its AppConfig.ready, as it registers its tiles and navigation.
Loaders run in `order`, each idempotent; `notes` are the lines `pinzhi demo` prints once
the data is there (the demo accounts, for example).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DemoPart:
    name: str
    load: Callable[..., Any]  # load(*, stdout=None); idempotent
    order: int = 100
    notes: Callable[[], list[str]] | None = None


_parts: dict[str, DemoPart] = {}


def register_demo(part: DemoPart) -> None:
    """An app's contribution to the demo data (registered again under the same name, it
    replaces the earlier one)."""
    _parts[part.name] = part


def demo_parts() -> list[DemoPart]:
    return sorted(_parts.values(), key=lambda part: (part.order, part.name))


def demo_load(*, stdout: Any = None) -> None:
    """Load every app's demo data, in order."""
    for part in demo_parts():
        part.load(stdout=stdout)


def demo_notes() -> list[str]:
    return [line for part in demo_parts() if part.notes is not None for line in part.notes()]
