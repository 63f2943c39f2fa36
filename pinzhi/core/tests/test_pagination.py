"""The one pager (issue 7 item 4): every list pages through core/partials/pagination.html,
whose links keep the list's filters."""

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def render_pager(url: str, **context) -> str:
    request = RequestFactory().get(url)
    page_obj = Paginator(range(100), 10).get_page(request.GET.get("page"))
    context = {"page_obj": page_obj, **context}
    return render_to_string("core/partials/pagination.html", context, request=request)


def test_it_keeps_the_filters_and_replaces_the_page():
    """Issue 7 item 4: paging keeps the current query string, minus the old page."""
    html = render_pager("/deadlines/?state=open&q=%E7%83%AD%E6%B0%B4&page=3")
    assert 'href="?state=open&amp;q=%E7%83%AD%E6%B0%B4&amp;page=2"' in html
    assert 'href="?state=open&amp;q=%E7%83%AD%E6%B0%B4&amp;page=4"' in html
    assert "第 3 页，共 10 页" in html


def test_it_pages_a_second_list_by_its_own_parameter():
    """The repeat analysis pages its topics by gpage and keeps the other list's page."""
    html = render_pager("/complaints/repeats/?page=2", page_param="gpage")
    assert 'href="?page=2&amp;gpage=3"' in html


def test_it_shows_nothing_for_a_single_page():
    request = RequestFactory().get("/")
    page_obj = Paginator(range(5), 10).get_page(1)
    html = render_to_string(
        "core/partials/pagination.html", {"page_obj": page_obj}, request=request
    )
    assert "pagination" not in html
