"""What an amendment would change, shown before it is reviewed or approved (issue 11 item 6).

The rules are used by apps above policy; an app that can tell what a new value of one of
its rules would have changed registers a provider from its `AppConfig.ready` (the
assessment recomputes the last closed month's points). A provider takes the amendment and
returns the HTML to show on the amendment's page, or "" when the rule is not its own."""

from collections.abc import Callable
from typing import Any

from django.utils.safestring import SafeString, mark_safe

ImpactProvider = Callable[[Any], str]
_providers: list[ImpactProvider] = []


def register_amendment_impact(provider: ImpactProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def amendment_impacts(amendment: Any) -> list[SafeString]:
    """The providers' HTML for `amendment` (already escaped by their templates)."""
    return [mark_safe(html) for provider in _providers if (html := provider(amendment))]  # noqa: S308
