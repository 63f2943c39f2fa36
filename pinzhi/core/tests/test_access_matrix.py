"""The role × page access matrix (ORG-2): every page has an access rule, and every role gets
exactly the pages its rule allows. A new page without a rule fails here."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from pinzhi.core.access import PUBLIC, SIGNED_IN
from pinzhi.orgs.roles import Role

# URL namespaces that belong to Django itself and keep their own access rules.
FOREIGN_NAMESPACES = {"admin"}
FOREIGN_VIEWS = {"set_language"}


def walk(resolver, namespace=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in FOREIGN_NAMESPACES:
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name not in FOREIGN_VIEWS:
            yield f"{namespace}{entry.name}", entry


PAGES = list(walk(get_resolver()))


def test_it_finds_the_pages():
    names = {name for name, _ in PAGES}
    assert {"core:home", "core:login"} <= names


@pytest.mark.parametrize("name,pattern", PAGES, ids=[name for name, _ in PAGES])
def test_every_page_has_an_access_rule(name, pattern):
    """ORG-2: a page without @page/@public_page is a page nobody decided about."""
    assert name, f"URL {pattern.pattern} has no name"
    rule = getattr(pattern.callback, "access_roles", None)
    assert rule, f"{name} has no access rule: decorate its view with @page(...) or @public_page"


def parameterless_get_pages():
    for name, pattern in PAGES:
        if pattern.pattern.converters or pattern.pattern.regex.groups:
            continue
        if getattr(pattern.callback, "access_roles", None) == frozenset({PUBLIC}):
            continue
        yield name, pattern.callback.access_roles


MATRIX = [(name, role, rule) for name, rule in parameterless_get_pages() for role in Role]


@pytest.mark.parametrize(
    "name,role,rule", MATRIX, ids=[f"{name}-{role.value}" for name, role, _ in MATRIX]
)
def test_each_role_sees_what_the_rule_allows(signed_in, name, role, rule):
    """ORG-2: each role reaches the pages its rule names and is refused the others."""
    client = signed_in(role.value)
    response = client.get(reverse(name))
    allowed = SIGNED_IN in rule or role.value in rule
    if allowed:
        assert response.status_code in (200, 302), f"{role} should reach {name}"
    else:
        assert response.status_code == 403, f"{role} should be refused {name}"


@pytest.mark.parametrize("name,rule", list(parameterless_get_pages()))
def test_a_stranger_is_sent_to_sign_in(client, db, name, rule):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))
