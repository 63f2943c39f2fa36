"""Issue 9 item 3: the API's complaint list pages by cursor (`next`), the same rows in the
same order as the page numbers gave, and its count stops at the cap."""

from datetime import timedelta

from pinzhi.api.models import SCOPE_READ as READ
from pinzhi.api.models import SCOPE_WRITE as WRITE
from pinzhi.complaints.models import Complaint
from pinzhi.lib import paging
from pinzhi.lib.clock import now


def _fill(api_client, secret, payload, clock, n):
    for i in range(n):
        api_client(secret).post("/api/complaints", payload(content=f"电梯第{i}次坏了"))
        clock.shift(timedelta(minutes=1))


def _walk(client, **params):
    """Every page by following `next`; the tracking codes in the order listed."""
    codes, cursor, pages = [], None, 0
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/complaints", **query).json()
        codes += [item["tracking_code"] for item in body["items"]]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            return codes, pages


def test_it_pages_by_cursor_through_the_same_rows_as_the_page_numbers(
    api_client, make_token, payload, clock, monkeypatch
):
    """Issue 9 item 3: following `next` lists every case once, latest change first, as
    `page=1, 2, 3` did; rows changed at the same moment are ordered by id."""
    monkeypatch.setattr("pinzhi.api.api.PAGE_SIZE", 4)
    _token, secret = make_token(WRITE, READ)
    _fill(api_client, secret, payload, clock, 10)
    # Three cases changed at the same moment: the id decides their order across a page end.
    moment = Complaint.objects.order_by("pk")[3].updated_at
    Complaint.objects.filter(
        pk__in=list(Complaint.objects.values_list("pk", flat=True)[:3])
    ).update(updated_at=moment)
    client = api_client(secret)
    by_number = []
    for number in (1, 2, 3):
        by_number += [
            i["tracking_code"] for i in client.get("/api/complaints", page=number).json()["items"]
        ]
    codes, pages = _walk(client)
    assert codes == by_number and len(set(codes)) == 10 and pages == 3
    expected = Complaint.objects.order_by("-updated_at", "-pk").values_list(
        "tracking_code", flat=True
    )
    assert codes == list(expected)


def test_it_pages_by_cursor_within_updated_since(
    api_client, make_token, payload, clock, monkeypatch
):
    """Issue 9 item 3: the cursor keeps the `updated_since` filter's rows only."""
    monkeypatch.setattr("pinzhi.api.api.PAGE_SIZE", 2)
    _token, secret = make_token(WRITE, READ)
    _fill(api_client, secret, payload, clock, 3)
    since = now()
    _fill(api_client, secret, payload, clock, 5)
    codes, _pages = _walk(api_client(secret), updated_since=since.isoformat())
    assert len(codes) == 5 and len(set(codes)) == 5


def test_it_caps_the_count_and_says_so(api_client, make_token, payload, clock, monkeypatch):
    """Issue 9 item 3: the list counts at most the cap; above it `count_capped` is true and
    `pages` null, and the cursor still reaches every row."""
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    _token, secret = make_token(WRITE, READ)
    _fill(api_client, secret, payload, clock, 5)
    body = api_client(secret).get("/api/complaints").json()
    assert body["count"] == 3 and body["count_capped"] is True and body["pages"] is None
    monkeypatch.setattr(paging, "COUNT_CAP", 1000)
    body = api_client(secret).get("/api/complaints").json()
    assert body["count"] == 5 and body["count_capped"] is False and body["pages"] == 1
    assert body["next"] is None


def test_it_refuses_a_cursor_it_did_not_give(api_client, make_token, payload, clock):
    """Issue 9 item 3: a made-up cursor is a 422 naming the `cursor` parameter, not a 500."""
    _token, secret = make_token(WRITE, READ)
    for bad in ("garbage", "MjAyNnw=", "bm90fGFuaWQ", "\u5bc6"):
        response = api_client(secret).get("/api/complaints", cursor=bad)
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["field"] == "cursor"
