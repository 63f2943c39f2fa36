"""One helper decides between the whole page and the part htmx swaps in (issue 7 item 4)."""

import pytest
from django.urls import reverse

LISTS = [
    ("timeline:events", 'data-testid="filters"'),
    ("deadlines:list", '<nav class="navbar'),
    ("notify:inbox", '<nav class="navbar'),
    ("policy:list", '<nav class="navbar'),
    ("complaints:list", '<nav class="navbar'),
]


@pytest.mark.parametrize("name,page_marker", LISTS)
def test_it_sends_htmx_only_the_list_and_a_browser_the_whole_page(signed_in, name, page_marker):
    """Issue 7 item 4: a list answers htmx with its partial, a plain request with the page."""
    client = signed_in("quality_department")
    assert page_marker in client.get(reverse(name)).text
    assert page_marker not in client.get(reverse(name), HTTP_HX_REQUEST="true").text


@pytest.mark.parametrize("name,page_marker", LISTS)
def test_it_sends_a_boosted_link_the_whole_page(signed_in, name, page_marker):
    client = signed_in("quality_department")
    response = client.get(reverse(name), HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true")
    assert page_marker in response.text
