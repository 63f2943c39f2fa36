"""Issue 9 item 3: the complaint lists never count the whole table. They count at most
`COUNT_CAP` rows; a longer list says "more than …" and pages on while rows remain, each
page the same rows Django's counting pager gave."""

from django.core.paginator import Paginator
from django.urls import reverse

from pinzhi.complaints import search
from pinzhi.complaints.selectors import complaints_visible_to
from pinzhi.complaints.tests.test_views_lists import rows
from pinzhi.lib import paging
from pinzhi.lib.paging import CappedPaginator


def _registered(register, n):
    return [register(customer_phone=f"1390000{i:04d}") for i in range(n)]


def test_it_says_more_than_the_cap_and_pages_on_to_the_last_row(
    clock, org, client, register, monkeypatch
):
    """Issue 9 item 3: above the cap the list shows "more than …" and no total, and its
    pages hold the same rows, in the same order, as the counted pages did."""
    monkeypatch.setattr(paging, "COUNT_CAP", 10)
    _registered(register, 30)
    client.force_login(org.quality)
    first = client.get(reverse("complaints:list"))
    html = first.content.decode()
    assert "超过 10 条投诉" in html and "第 1 页" in html and "第 1 页，共" not in html
    second = client.get(reverse("complaints:list"), {"page": 2})
    assert 'data-testid="pagination"' in second.content.decode()
    counted = Paginator(
        search.complaints_filtered(org.quality, {}).qs, 25
    )  # the earlier, counting pager
    assert [c.pk for c in rows(first)] == [c.pk for c in counted.page(1).object_list]
    assert [c.pk for c in rows(second)] == [c.pk for c in counted.page(2).object_list]
    assert "下一页" not in second.content.decode().split('data-testid="pagination"')[1]


def test_it_counts_a_short_list_exactly(clock, org, client, register):
    """Issue 9 item 3: below the cap the count and the page total are exact, as before."""
    _registered(register, 3)
    client.force_login(org.quality)
    html = client.get(reverse("complaints:list")).content.decode()
    assert "3 条投诉" in html and "超过" not in html


def test_it_counts_with_one_bounded_query(clock, org, register, django_assert_num_queries):
    """Issue 9 item 3: the count reads at most cap + 1 ids, in one query."""
    _registered(register, 5)
    pager = CappedPaginator(complaints_visible_to(org.quality), 2, cap=3)
    with django_assert_num_queries(1) as captured:
        assert pager.count == 4 and pager.capped
    assert "LIMIT 4" in captured.captured_queries[0]["sql"]
    page = pager.page(3)
    assert len(page.object_list) == 1 and not page.has_next()
