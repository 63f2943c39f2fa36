"""Issue 7 item 4: lists filter through django-filter FilterSets inside selectors; the
filter bar renders through the shell's form renderer; a bad filter value gives a message,
never a 500; the old URL parameters (bookmarks) still filter; paging keeps the filters."""

import pytest
from django.urls import reverse

from pinzhi.orgs.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

BAD_VALUES = [
    (
        "complaints:list",
        {"received_from": "yesterday", "location": "999999", "status": "x", "sort": "y"},
    ),
    ("complaints:my_queue", {"received_to": "2026-13-45"}),
    ("complaints:department_queue", {"department": "abc"}),
    ("deadlines:list", {"state": "sometimes"}),
    ("timeline:events", {"date_from": "not a day", "date_to": "2026-01-01"}),
    ("orgs:people", {"unit": "999999", "role": "pope"}),
    ("orgs:companies", {"kind": "pirate"}),
]


@pytest.mark.parametrize("url_name, params", BAD_VALUES)
def test_it_explains_an_invalid_filter_value_instead_of_failing(signed_in, url_name, params):
    """Issue 7 item 4: a value that does not validate is shown beside its field and left
    out of the filtering; the list is still shown."""
    client = signed_in("quality_department")
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    assert b'data-testid="filter-errors"' in response.content
    assert not response.context["filters"].form.is_valid()


@pytest.mark.parametrize(
    "url_name, params, field, value",
    [
        ("complaints:list", {"status": "registered", "overdue": "on"}, "overdue", True),
        ("complaints:list", {"sort": "oldest", "q": "电梯"}, "sort", "oldest"),
        ("deadlines:list", {"mine": "1", "kind": "complaint."}, "kind", "complaint."),
        ("timeline:events", {"action": "unit.", "actor": "李"}, "action", "unit."),
        ("orgs:people", {"role": "service_desk", "q": "王"}, "role", "service_desk"),
        ("orgs:companies", {"kind": "supplier"}, "kind", "supplier"),
    ],
)
def test_it_keeps_the_query_parameters_of_bookmarks(signed_in, url_name, params, field, value):
    """Issue 7 item 4: the URL parameters of the earlier filter forms still filter."""
    response = signed_in("quality_department").get(reverse(url_name), params)
    form = response.context["filters"].form
    assert form.is_valid(), form.errors
    assert form.cleaned_data[field] == value


def test_the_overdue_list_shows_past_due_deadlines_unless_asked_otherwise(signed_in):
    """X-3: without a state the overdue list shows what is past due, as before."""
    client = signed_in("quality_department")
    assert (
        client.get(reverse("deadlines:list")).context["filters"].form.cleaned_data["state"]
        == "overdue"
    )
    chosen = client.get(reverse("deadlines:list"), {"state": ""})
    assert chosen.context["filters"].form.cleaned_data["state"] == ""


def test_the_filter_bar_renders_through_the_shells_form_renderer(signed_in):
    """Issue 7 item 4: the filter bar is the shared template, with compact controls."""
    html = signed_in("quality_department").get(reverse("orgs:people")).content.decode()
    assert 'data-testid="filters"' in html
    assert 'class="form-select form-select-sm' in html
    assert 'type="search" name="q"' in html


def test_paging_keeps_the_filters(signed_in, unit):
    """Issue 7 item 4: the next page of a filtered list is the same filtered list."""
    for n in range(30):
        PersonFactory(unit=unit, company=unit.company, username=f"zhang{n:02d}")
    client = signed_in("quality_department")
    response = client.get(reverse("orgs:people"), {"q": "zhang"})
    assert response.context["page_obj"].paginator.count == 30
    assert 'href="?q=zhang&amp;page=2"' in response.content.decode()
    second = client.get(reverse("orgs:people"), {"q": "zhang", "page": 2})
    assert len(second.context["page_obj"].object_list) == 5
