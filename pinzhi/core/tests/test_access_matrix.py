"""The role × page access matrix (ORG-2, issue 6 item 11): every page has an access rule, and
every role of two companies gets exactly the parameterless pages its rule allows.

Allowed means 200: a page that redirects an allowed role elsewhere gives no access. The few
pages whose GET redirects by design are listed in GET_REDIRECTS with the reason and the
target. A page of company B never shows company A's data (A's names, tracking codes, letter
number, import file). Pages with parameters are requested with company A's objects in
test_company_matrix.py. A new page without a rule fails here.

Matrix size: 1,014 cases of (page, role, company, GET): 39 parameterless pages behind a rule ×
13 roles × 2 companies, plus the 39 pages as a stranger."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from pinzhi.core.access import PUBLIC, user_may
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

# Pages whose GET sends an allowed role elsewhere as the page's own flow: name → (why, where).
GET_REDIRECTS = {
    "orgs:import_preview": (
        "with no uploaded workbook waiting, the preview sends to the upload",
        "orgs:import_upload",
    ),
    "orgs:import_confirm": (
        "a POST-only step: a GET goes back to the preview",
        "orgs:import_preview",
    ),
    "orgs:import_cancel": (
        "a POST-only step: a GET goes back to the preview",
        "orgs:import_preview",
    ),
    "notify:read_all": ("a POST-only step: a GET goes back to the inbox", "notify:inbox"),
    "repeats:regroup": ("a POST-only step: a GET goes back to the analysis", "repeats:index"),
    # assessment: monthly cycle (ASM-3, issue 11 part B)
    "assessment:month_compute_new": (
        "a POST-only step: a GET goes back to the months",
        "assessment:months",
    ),
}


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


def _cases():
    for name, _rule in parameterless_get_pages():
        for company in ("a", "b"):
            for role in Role:
                yield pytest.param(name, company, role.value, id=f"{name}-{company}-{role.value}")


MATRIX = list(_cases())

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def page_text(response) -> str:
    """What a response shows: its text, or every cell of an Excel export."""
    content = b"".join(response) if response.streaming else response.content
    if response["Content-Type"] == XLSX:
        import io

        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    return content.decode("utf-8", "replace")


@pytest.mark.django_db
@pytest.mark.parametrize("name,company,role", MATRIX)
def test_each_role_sees_what_the_rule_allows(two_companies, client_as, name, company, role):
    """ORG-2, issue 6 item 11: each role of each company reaches the pages its rule names
    (200, not a redirect away) and is refused the others; B's pages show none of A's data."""
    rule = dict(parameterless_get_pages())[name]
    person = getattr(two_companies, company).people[role]
    response = client_as(company, role).get(reverse(name))
    status, where = response.status_code, response.get("Location", "")
    if not user_may(person, rule):
        assert status == 403, f"{role} should be refused {name}"
    elif name in GET_REDIRECTS:
        why, target = GET_REDIRECTS[name]
        assert (status, where) == (302, reverse(target)), why
    else:
        assert status == 200, f"{role} should reach {name}, got {status} {where}"
    if company == "b" and status == 200:
        text = page_text(response)
        shown = [marker for marker in two_companies.a.markers() if marker in text]
        assert not shown, f"B's {role} sees A's data on {name}: {shown}"


@pytest.mark.django_db
@pytest.mark.parametrize("name,rule", list(parameterless_get_pages()))
def test_a_stranger_is_sent_to_sign_in(two_companies, client_as, name, rule):
    response = client_as(None).get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


@pytest.fixture(autouse=True)
def _media_in_tmp(request):
    """The matrix keeps the files of `two_companies` where they were written; the other
    tests here need no files."""
    if "two_companies" in request.fixturenames:
        request.getfixturevalue("media_of_two_companies")
