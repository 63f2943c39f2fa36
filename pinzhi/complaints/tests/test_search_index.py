"""Issue 9 item 3: the archive search goes through an index on PostgreSQL (bigrams of the
stored words, GIN) and finds exactly what the substring match found before — words,
phrases, traditional characters, phone numbers, tracking codes — on every database."""

import pytest
from django.db.models import Q

from pinzhi.complaints.models import Complaint
from pinzhi.complaints.search import complaint_search
from pinzhi.complaints.text import query_terms

TEXTS = [
    ("楼上装修噪音", "每天早上七点就开始电钻噪音，业主13812345678投诉。"),
    ("电梯故障", "三号楼电梯经常停运，老人上下楼困难。"),
    ("噪声扰民", "广场舞音响太吵，晚上十点还没停。"),
    ("Lift broken", "The lift in block 3 is broken again; call 13912345678."),
    ("垃圾清运", "垃圾桶满了没人清运，苍蝇蚊虫很多。"),
    ("停车收费", "车位管理费按年缴过了，又收了一次。"),
]
QUERIES = [
    "噪音",
    "噪",
    "电梯",
    "電梯",
    "电梯 停运",
    "电梯 噪音",
    "装修噪音",
    "13812345678",
    "1381234",
    "lift",
    "LIFT broken",
    "蚊虫",
    "管理费",
    "没有这个词",
    "!!",
]


def _earlier(query):
    """The search before issue 9: each term a substring of the stored words, or the code."""
    query = query.strip()
    words = Q()
    for term in query_terms(query):
        words &= Q(search_text__icontains=term)
    return Complaint.objects.filter(words | Q(tracking_code__iexact=query))


@pytest.fixture
def complaints(clock, org, register):
    return [
        register(title=title, content=content, customer_phone=f"1370000000{i}")
        for i, (title, content) in enumerate(TEXTS)
    ]


def test_it_finds_the_same_complaints_as_the_substring_search(complaints):
    """Issue 9 item 3: every query finds the complaints the earlier search found."""
    assert any(set(complaint_search(Complaint.objects.all(), q)) for q in QUERIES)
    for query in QUERIES:
        found = set(complaint_search(Complaint.objects.all(), query))
        assert found == set(_earlier(query)), query


def test_it_finds_a_tracking_code_in_any_case(complaints):
    """Issue 9 item 3, CMP-6: the code the customer reads out, in small letters too."""
    code = complaints[2].tracking_code
    for query in (code, code.lower(), f" {code} "):
        assert list(complaint_search(Complaint.objects.all(), query)) == [complaints[2]]
        assert set(_earlier(query)) == {complaints[2]}


@pytest.mark.django_db
def test_it_asks_the_index_on_postgresql(complaints):
    """Issue 9 item 3: on PostgreSQL the words are found through the bigram index."""
    from django.db import connection

    sql = str(complaint_search(Complaint.objects.all(), "噪音 电梯").query)
    if connection.vendor == "postgresql":
        assert "pinzhi_search_grams" in sql
    else:
        assert "pinzhi_search_grams" not in sql
