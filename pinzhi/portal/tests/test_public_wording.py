"""What a new customer meets on the public pages (issue 8 item 6): the reply written for them,
never the internal handling record; statuses in their words; the escalation form gone once
used; the hotline's number; the company's name; the favicon."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from pinzhi.complaints import services as complaints
from pinzhi.complaints.forms import CloseForm, ResolveForm
from pinzhi.complaints.models import Complaint, Status
from pinzhi.deadlines.sweep import sweep
from pinzhi.lib.clock import now
from pinzhi.portal.selectors import PUBLIC_STATUSES
from pinzhi.portal.tests.test_tracking import handle_to_resolved, verify

INTERNAL = "值班员已批评教育"


@pytest.fixture
def submitted(client, org, form_data, clock):
    client.post(reverse("portal:complaint"), form_data(location=org.estate.pk))
    client.logout()
    client.cookies.clear()
    return Complaint.objects.get()


def status_page(client, complaint) -> str:
    verify(client, complaint)
    return client.get(reverse("portal:status")).content.decode()


def close(org, complaint, **extra):
    complaints.complaint_callback(
        complaint=complaint, actor=org.desk, reached=True, confirmed=True, satisfaction="satisfied"
    )
    return complaints.complaint_close(
        complaint=complaint,
        actor=org.desk,
        final_result=f"{INTERNAL}，结案。",
        evaluation="处理及时，当班保安考核扣分。",
        **extra,
    )


def test_it_never_shows_a_handling_note_on_the_tracking_page(client, org, submitted):
    """Issue 8 item 6: the internal handling record, the investigation, the solution, the
    final result and the evaluation never reach the tracking page, at any step."""
    letter = complaints.complaint_route(
        complaint=submitted, actor=org.desk, department=org.ab, head=org.head, request="请处理"
    )
    complaints.letter_acknowledge(letter=letter, actor=org.head)
    complaints.complaint_assign(
        complaint=submitted,
        actor=org.head,
        handler=org.handler,
        solution="约谈当班保安",
        investigation="当班保安脱岗两小时",
    )
    complaints.complaint_resolve(
        complaint=submitted, actor=org.handler, resolution=f"{INTERNAL}，扣当月绩效。"
    )
    close(org, submitted)
    html = status_page(client, submitted)
    for internal in (INTERNAL, "扣当月绩效", "约谈当班保安", "当班保安脱岗", "考核扣分"):
        assert internal not in html


def test_it_shows_the_reply_written_for_the_customer(client, org, submitted):
    """Issue 8 item 6: the reply to the customer is what the tracking page says we answered."""
    handle_to_resolved(org, submitted)
    html = status_page(client, submitted)
    assert "已加强夜间巡逻，感谢您的反映。" in html
    assert "批评教育" not in html


def test_a_reply_given_at_closure_replaces_the_earlier_one(client, org, submitted):
    """Issue 8 item 6: the registrar may write the final reply when closing."""
    handle_to_resolved(org, submitted)
    close(org, submitted, customer_reply="巡逻已恢复正常，欢迎继续监督。")
    html = status_page(client, submitted)
    assert "巡逻已恢复正常，欢迎继续监督。" in html
    assert "已加强夜间巡逻，感谢您的反映。" not in html
    assert INTERNAL not in html


def test_a_case_without_a_reply_shows_a_neutral_sentence(client, org, submitted):
    """Issue 8 item 6: cases resolved before the reply existed (or without one) show a neutral
    sentence for their state, never the handling record."""
    letter = complaints.complaint_route(
        complaint=submitted, actor=org.desk, department=org.ab, head=org.head, request="请处理"
    )
    complaints.letter_acknowledge(letter=letter, actor=org.head)
    complaints.complaint_assign(
        complaint=submitted, actor=org.head, handler=org.handler, solution="加派巡逻"
    )
    complaints.complaint_resolve(complaint=submitted, actor=org.handler, resolution=INTERNAL)
    verify(client, submitted)
    page = client.get(reverse("portal:status"))
    assert page.context["reply"] == str(PUBLIC_STATUSES[Status.RESOLVED].sentence)
    assert "您的投诉已处理完毕" in page.content.decode()
    assert INTERNAL not in page.content.decode()


def test_every_status_has_words_for_the_customer():
    """Issue 8 item 6: each state of a complaint has a public label and sentence, in one
    mapping; none of them is the staff's name for the state."""
    assert set(PUBLIC_STATUSES) == set(Status.values)
    for status, public in PUBLIC_STATUSES.items():
        assert str(public.label) != str(Status(status).label)
        assert str(public.sentence)


def test_the_tracking_page_names_the_status_in_the_customers_words(client, org, submitted):
    """Issue 8 item 6: a routed case reads 正在处理, not 已发工作联系函."""
    complaints.complaint_route(
        complaint=submitted, actor=org.desk, department=org.ab, head=org.head, request="请处理"
    )
    verify(client, submitted)
    page = client.get(reverse("portal:status"))
    html = page.content.decode()
    assert "正在处理" in html
    assert "已发工作联系函" not in html
    assert "工作联系函" not in html


def test_the_handling_forms_say_which_text_the_customer_reads(org, submitted):
    """Issue 8 item 6: the resolve and close forms have a reply to the customer and internal
    records, each saying who reads it."""
    resolve = ResolveForm(complaint=submitted, user=org.handler)
    assert str(resolve.fields["customer_reply"].label) == "给客户的答复"
    assert "追踪页面" in str(resolve.fields["customer_reply"].help_text)
    assert str(resolve.fields["resolution"].label) == "内部处理记录"
    assert "不会向客户显示" in str(resolve.fields["resolution"].help_text)
    closing = CloseForm(complaint=submitted, user=org.desk)
    assert "不会向客户显示" in str(closing.fields["final_result"].help_text)
    assert "追踪页面" in str(closing.fields["customer_reply"].help_text)


def test_the_escalation_form_goes_away_once_the_customer_escalated(client, org, submitted, clock):
    """Issue 8 item 6: after escalating, the page shows the escalation waiting for its answer,
    not the form again."""
    clock.shift(timedelta(hours=1))
    sweep(now())
    verify(client, submitted)
    assert 'data-testid="escalate-form"' in client.get(reverse("portal:status")).content.decode()
    client.post(reverse("portal:escalate"), {"reason": "半小时内没人联系我"})
    page = client.get(reverse("portal:status"))
    assert page.context["may_escalate"] is False
    assert 'data-testid="escalate-form"' not in page.content.decode()
    assert "半小时内没人联系我" in page.content.decode()


def test_the_thanks_page_gives_the_hotline_number(client, org, form_data, clock):
    """Issue 8 item 6: 「请拨打服务热线」 comes with the number, from the company's settings."""
    org.company.service_hotline = "400-888-6688"
    org.company.save()
    client.post(reverse("portal:complaint"), form_data(location=org.estate.pk))
    html = client.get(reverse("portal:thanks")).content.decode()
    assert "请拨打服务热线 400-888-6688" in html
    assert 'href="tel:400-888-6688"' in html


def test_without_a_hotline_the_contact_phone_is_given(client, org, form_data, clock):
    """Issue 8 item 6: a company that has not filled in its hotline yet gives its contact
    phone, as the landing page did."""
    client.post(reverse("portal:complaint"), form_data(location=org.estate.pk))
    assert "400-123-4567" in client.get(reverse("portal:thanks")).content.decode()


def test_the_public_header_shows_the_companys_name(client, org):
    """Issue 8 item 6: the public pages carry the company's name, not the product's."""
    org.company.short_name = "测试物业"
    org.company.save()
    for name in ("portal:landing", "portal:complaint", "portal:track"):
        html = client.get(reverse(name)).content.decode()
        assert '<span data-testid="public-brand">测试物业</span>' in html, name
        assert "品质 Pinzhi" not in html, name
        assert "· 测试物业</title>" in html, name


def test_the_tracking_page_carries_the_name_of_the_cases_company(client, org, submitted):
    """Issue 8 item 6: with several operator companies, the case's own company is named."""
    from pinzhi.orgs.tests.factories import CompanyFactory

    CompanyFactory(name="另一家物业有限公司")
    html = status_page(client, submitted)
    assert f'<span data-testid="public-brand">{org.company.name}</span>' in html


def test_public_and_staff_pages_link_the_favicon(client, org):
    """Issue 8 item 6: a favicon on the public pages and the staff's."""
    icon = '<link rel="icon" href="/static/core/favicon.svg" type="image/svg+xml">'
    assert icon in client.get(reverse("portal:landing")).content.decode()
    staff = Client()
    staff.force_login(org.quality)
    assert icon in staff.get(reverse("core:home")).content.decode()


def test_the_company_administrator_sets_the_hotline(client, org):
    """Issue 8 item 6: the hotline is the company's setting, edited by its administrator (the
    quality department), and the public pages give it."""
    client.force_login(org.quality)
    response = client.post(
        reverse("orgs:company_edit", args=[org.company.pk]),
        {"name": org.company.name, "service_hotline": "４００-８８８-６６８８"},
    )
    assert response.status_code == 302
    org.company.refresh_from_db()
    assert org.company.service_hotline == "400-888-6688"
    client.logout()
    html = client.get(reverse("portal:landing")).content.decode()
    assert 'href="tel:400-888-6688"' in html


def test_a_hotline_that_is_no_number_is_refused(client, org):
    """Issue 8 item 6: a clear message beside the field, nothing saved."""
    client.force_login(org.quality)
    response = client.post(
        reverse("orgs:company_edit", args=[org.company.pk]),
        {"name": org.company.name, "service_hotline": "call us"},
    )
    assert "service_hotline" in response.context["form"].errors
    org.company.refresh_from_db()
    assert org.company.service_hotline == ""
