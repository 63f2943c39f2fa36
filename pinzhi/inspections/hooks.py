"""What the apps above inspections hook into it (inspections may not import them).

    register_on_submitted(callback)      # callback(inspection_id), after the submit commits
    register_findings_link(provider)     # provider(user, inspection) -> list[FindingLink]

INS-5 / NCR-2: rectification and suppliers register an `on_submitted` callback in their
AppConfig.ready(), so the unit sees its findings (and the supplier its check) as soon as the
inspection is submitted, without waiting for the clock's minute; the clock's consumers still
follow `inspection.submitted` and add nothing twice. A callback runs after the commit and
robustly: its failure is logged and never turns a committed submission into an error.

The inspection page lists the nonconformities raised from a submitted inspection through
the registered findings providers (rectification registers one), each link scoped to the
viewer by its provider.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SubmittedCallback = Callable[[int], object]


@dataclass(frozen=True)
class FindingLink:
    """One finding raised from an inspection, as its page lists it."""

    label: str
    url: str
    state: str = ""
    overdue: bool = False


FindingsProvider = Callable[[Any, Any], list[FindingLink]]

_on_submitted: list[SubmittedCallback] = []
_findings_providers: list[FindingsProvider] = []


def register_on_submitted(callback: SubmittedCallback) -> None:
    """Call `callback(inspection_id)` after each submission commits (once per callback)."""
    if callback not in _on_submitted:
        _on_submitted.append(callback)


def unregister_on_submitted(callback: SubmittedCallback) -> None:
    if callback in _on_submitted:
        _on_submitted.remove(callback)


def on_submitted_callbacks() -> list[SubmittedCallback]:
    return list(_on_submitted)


def register_findings_link(provider: FindingsProvider) -> None:
    """`provider(user, inspection) -> list[FindingLink]`: the findings raised from
    `inspection` that `user` may open."""
    if provider not in _findings_providers:
        _findings_providers.append(provider)


def unregister_findings_link(provider: FindingsProvider) -> None:
    if provider in _findings_providers:
        _findings_providers.remove(provider)


def findings_links(user: Any, inspection: Any) -> list[FindingLink]:
    """Every registered provider's findings of `inspection` visible to `user`."""
    links: list[FindingLink] = []
    for provider in _findings_providers:
        links.extend(provider(user, inspection) or [])
    return links
