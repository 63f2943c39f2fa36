"""The application shell: navigation entries and home-page tiles that apps contribute.

Each app registers what it offers in its AppConfig.ready(); the shell shows a person only
the entries their roles allow, so the navigation reads as the domain map of what they use.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pinzhi.core.access import user_may


@dataclass(frozen=True)
class NavEntry:
    section: str | Promise  # translatable label of the domain
    label: str | Promise
    url_name: str
    roles: frozenset[str]
    icon: str = "circle"
    order: int = 100


@dataclass(frozen=True)
class Tile:
    """A home-page tile: `render(user)` returns a context dict, or None when nothing needs
    the person's attention (the tile is then left out and the empty state shows)."""

    key: str
    template: str
    roles: frozenset[str]
    render: Callable
    order: int = 100


@dataclass
class Registry:
    nav: list[NavEntry] = field(default_factory=list)
    tiles: list[Tile] = field(default_factory=list)


registry = Registry()


def register_nav(entry: NavEntry) -> None:
    registry.nav.append(entry)


NavRow = tuple[str | Promise, str, Iterable[str], str, int]


def register_nav_section(section: str | Promise, *rows: NavRow) -> None:
    """Register the entries of one navigation section, each row `(label, url_name, roles,
    icon, order)`: an app's whole menu reads as one table."""
    for label, url_name, roles, icon, order in rows:
        register_nav(
            NavEntry(
                section=section,
                label=label,
                url_name=url_name,
                roles=frozenset(roles),
                icon=icon,
                order=order,
            )
        )


def register_tile(tile: Tile) -> None:
    registry.tiles.append(tile)


def nav_for(user: Any) -> list[tuple[str, list[NavEntry]]]:
    """The navigation sections for `user`, in order, each with its visible entries."""
    sections: dict[str, list[NavEntry]] = {}
    for entry in sorted(registry.nav, key=lambda e: e.order):
        if user_may(user, entry.roles):
            sections.setdefault(str(entry.section), []).append(entry)
    return list(sections.items())


def tiles_for(user: Any) -> list[tuple[Tile, dict]]:
    shown = []
    for tile in sorted(registry.tiles, key=lambda t: t.order):
        if user_may(user, tile.roles):
            context = tile.render(user)
            if context is not None:
                shown.append((tile, context))
    return shown


def render_page(
    request: HttpRequest, template: str, context: dict, *, partial: str
) -> HttpResponse:
    """The whole page, or only the part htmx swaps in when htmx asks for it: `partial` is a
    template name, or `#name` for a {% partialdef %} inside `template`. A boosted link wants
    the whole page, so it gets it."""
    if request.htmx and not request.htmx.boosted:  # type: ignore[attr-defined]
        return render(request, f"{template}{partial}" if partial[0] == "#" else partial, context)
    return render(request, template, context)


SAVE = _("Save")


@dataclass(frozen=True)
class Crumb:
    """A link in a page's breadcrumb trail."""

    url: str
    label: object


def render_form_page(
    request: HttpRequest,
    form: object,
    *,
    heading: object,
    cancel_url: str,
    crumbs: tuple[Crumb, ...] = (),
    intro: object = "",
    submit_label: object = SAVE,
    submit_style: str = "primary",
    template: str = "core/form_page.html",
    **context: object,
) -> HttpResponse:
    """A page that is one form: its breadcrumb trail, heading, an introduction, the form
    (None for a bare confirmation), the submit button and a way back. A page with a richer
    introduction extends `core/form_page.html` and overrides its `intro` block."""
    return render(
        request,
        template,
        {
            "form": form,
            "heading": heading,
            "cancel_url": cancel_url,
            "crumbs": crumbs,
            "intro": intro,
            "submit_label": submit_label,
            "submit_style": submit_style,
            **context,
        },
    )
