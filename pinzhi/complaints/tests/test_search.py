"""The archive's Chinese full-text search (CMP-6)."""

from django.urls import reverse

from pinzhi.complaints.models import Complaint
from pinzhi.complaints.search import complaint_search


def found(query):
    return list(complaint_search(Complaint.objects.all(), query))


def test_it_finds_words_in_simplified_and_traditional_chinese(clock, org, register):
    """CMP-6: 電梯 finds a complaint about 电梯; every word of the query must match."""
    lift = register(title="电梯故障", content="三号楼电梯经常停运，老人上下楼困难。")
    register(title="噪音", content="装修噪音太大", customer_phone="13700000001")
    assert found("電梯") == [lift]
    assert found("电梯 停运") == [lift]
    assert found("电梯 噪音") == []
    assert found("") != []


def test_it_finds_a_tracking_code(clock, org, register):
    """CMP-6: the tracking code the customer reads out finds the case."""
    complaint = register()
    assert found(complaint.tracking_code) == [complaint]
    assert found(complaint.tracking_code.lower()) == [complaint]


def test_it_searches_from_the_list_page(clock, org, client, register):
    lift = register(title="电梯故障", content="电梯经常停运")
    register(title="噪音", content="装修噪音太大", customer_phone="13700000001")
    client.force_login(org.quality)
    response = client.get(reverse("complaints:list"), {"q": "電梯"})
    assert [c.pk for c in response.context["page_obj"].object_list] == [lift.pk]
