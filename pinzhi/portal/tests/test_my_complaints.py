"""A signed-in customer's own complaints (issue 8 item 6: "a signed-in customer cannot see
their own complaints")."""

import pytest
from django.urls import reverse

from pinzhi.complaints import services as complaints
from pinzhi.complaints.models import Channel, Complaint
from pinzhi.orgs import services as orgs
from pinzhi.orgs.roles import Role
from pinzhi.orgs.tests.factories import PersonFactory
from pinzhi.portal.views import MY_COMPLAINTS_PER_PAGE


def a_customer(username: str):
    person = PersonFactory(username=username, company=None, unit=None)
    orgs.role_assign(person=person, role=Role.CUSTOMER)
    return person


@pytest.fixture
def owner(org):
    return a_customer("owner")


def register(org, *, customer=None, title="楼道灯坏了", name="宋玉兰"):
    return complaints.complaint_register(
        company=org.company,
        channel=Channel.HOTLINE,
        category="facilities",
        title=title,
        content=f"{title}，请尽快处理。",
        customer_name=name,
        customer_phone="13800138001",
        location=org.estate,
        registered_by=org.desk,
        customer=customer,
    )


def test_a_signed_in_customer_sees_their_own_complaints(client, org, owner, clock):
    """Issue 8 item 6: 我的投诉 lists the complaints of the customer's account, each with its
    status in the customer's words and a link to its tracking page."""
    mine = register(org, customer=owner)
    complaints.complaint_route(
        complaint=mine, actor=org.desk, department=org.ab, head=org.head, request="请处理"
    )
    someone_else = register(org, customer=a_customer("neighbour"), title="电梯异响", name="邻居")
    client.force_login(owner)
    response = client.get(reverse("portal:my_complaints"))
    assert response.status_code == 200
    html = response.content.decode()
    assert mine.tracking_code in html and "楼道灯坏了" in html
    assert "正在处理" in html and "已发工作联系函" not in html
    assert reverse("portal:my_complaint", args=[mine.pk]) in html
    assert someone_else.tracking_code not in html and "电梯异响" not in html


def test_a_customer_does_not_see_a_complaint_only_sharing_their_phone(client, org, owner):
    """Issue 8 item 6: complaints are linked by account; a phone number is never verified, so
    one typed into a profile does not open another person's complaints."""
    owner.phone = "13800138001"
    owner.save()
    stranger = register(org, customer=None)
    client.force_login(owner)
    html = client.get(reverse("portal:my_complaints")).content.decode()
    assert stranger.tracking_code not in html
    assert 'data-testid="empty"' in html


def test_it_says_so_when_the_customer_has_no_complaints(client, org, owner):
    """Issue 8 item 6: the empty state says what appears here."""
    client.force_login(owner)
    html = client.get(reverse("portal:my_complaints")).content.decode()
    assert 'data-testid="empty"' in html
    assert "您还没有投诉记录" in html


def test_it_pages_a_long_list(client, org, owner, clock):
    """Issue 8 item 6: the list is paged."""
    for n in range(MY_COMPLAINTS_PER_PAGE + 1):
        register(org, customer=owner, title=f"第{n}号投诉")
    client.force_login(owner)
    first = client.get(reverse("portal:my_complaints"))
    assert len(first.context["rows"]) == MY_COMPLAINTS_PER_PAGE
    assert 'data-testid="pagination"' in first.content.decode()
    second = client.get(reverse("portal:my_complaints"), {"page": 2})
    assert len(second.context["rows"]) == 1


def test_a_listed_complaint_opens_its_tracking_page(client, org, owner, clock):
    """Issue 8 item 6: no tracking code and digits to type for one's own complaint."""
    mine = register(org, customer=owner)
    client.force_login(owner)
    response = client.get(reverse("portal:my_complaint", args=[mine.pk]))
    assert response["Location"] == reverse("portal:status")
    page = client.get(reverse("portal:status"))
    assert page.context["complaint"] == mine


def test_another_persons_complaint_is_not_found(client, org, owner, clock):
    """Issue 8 item 6: the link works only for the customer's own complaints."""
    other = register(org, customer=a_customer("neighbour"))
    client.force_login(owner)
    response = client.get(reverse("portal:my_complaint", args=[other.pk]))
    assert response.status_code == 404
    assert client.get(reverse("portal:status"))["Location"] == reverse("portal:track")


def test_a_complaint_sent_while_signed_in_is_the_customers(client, org, owner, form_data):
    """Issue 8 item 6: the web form links a signed-in customer's complaint to their account."""
    client.force_login(owner)
    client.post(reverse("portal:complaint"), form_data(location=org.estate.pk))
    complaint = Complaint.objects.get()
    assert complaint.customer == owner
    assert complaint.tracking_code in client.get(reverse("portal:my_complaints")).content.decode()


def test_a_complaint_sent_by_staff_through_the_web_form_is_nobodys(client, org, form_data):
    """Issue 8 item 6: a member of staff filling in the public form is not its customer."""
    client.force_login(org.desk)
    client.post(reverse("portal:complaint"), form_data(location=org.estate.pk))
    assert Complaint.objects.get().customer is None


def test_only_customers_have_the_page(client, org):
    client.force_login(org.desk)
    assert client.get(reverse("portal:my_complaints")).status_code == 403
