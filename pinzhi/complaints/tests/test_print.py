"""Printed forms (客户投诉记录表, 工作联系函, 投诉处置表): content from the HTML rendered
before the PDF conversion, the PDFs themselves only in a few (slow) tests."""

import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.urls import reverse

from pinzhi.complaints import printing, services
from pinzhi.complaints.models import Callback
from pinzhi.complaints.tests.steps import route_and_assign
from pinzhi.orgs.tests.factories import PASSWORD, PersonFactory, UnitFactory
from pinzhi.policy.models import Rule
from pinzhi.policy.services import rule_revise

FULL_PHONE = "13912345678"


def handled(org, complaint, *, late=False):
    """Route, sign for, assign, contact, resolve, call back and close `complaint`."""
    letter = route_and_assign(
        org,
        complaint,
        request="请调查夜间巡逻情况，30分钟内联系业主",
        investigation="夜班保安擅自缩短巡逻路线",
        solution="恢复巡逻路线并每小时打卡，调取监控协助报警",
    )
    services.complaint_record_contact(complaint=complaint, actor=org.handler)
    services.complaint_resolve(
        complaint=complaint, actor=org.handler, resolution="已恢复巡逻路线，监控截图已交派出所"
    )
    services.complaint_callback(
        complaint=complaint,
        actor=org.registrar,
        reached=True,
        confirmed=True,
        satisfaction=Callback.Satisfaction.SATISFIED,
        feedback="巡逻明显多了，感谢",
    )
    services.complaint_close(
        complaint=complaint,
        actor=org.registrar,
        final_result="业主满意，已结案",
        evaluation="响应及时，处理到位",
    )
    complaint.refresh_from_db()
    return letter


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return re.sub(r"\s+", "", text)  # letter-spaced headings and wrapped cells


def pdf_pages(content: bytes, tmp_path) -> int:
    path = tmp_path / "pages.pdf"
    path.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)[1])


needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
    reason="poppler-utils (pdftotext, pdfinfo) is not installed",
)


# --- 客户投诉记录表 ---------------------------------------------------------------------


def test_it_prints_the_registration_record_with_everything_registered(clock, org, register):
    """CMP-2: the record holds content, request, address, contact, channel, category,
    severity and the validity judgement; the registrar sees the customer unmasked."""
    complaint = register()
    letter = handled(org, complaint)

    html = printing.complaint_record_html(complaint, viewer=org.registrar)

    assert org.company.name in html
    assert str(printing.RECORD_TITLE) in html
    for text in [
        complaint.tracking_code,
        "连续三晚没有看到保安巡逻，单车被偷。",
        "加强夜间巡逻并调取监控",
        "李业主",
        FULL_PHONE,
        "翠湖花园3栋1单元502",
        complaint.get_channel_display(),
        complaint.get_category_display(),
        complaint.get_severity_display(),
        letter.number,
        "业主满意，已结案",
        "响应及时，处理到位",
        "2026-11-23 09:00",
    ]:
        assert text in html, text
    assert "■" in html  # established


def test_it_prints_the_explanation_of_a_complaint_not_established(clock, org, register):
    """CMP-2: an unfounded complaint is closed as not established, with the explanation."""
    complaint = register()
    services.complaint_judge_not_established(
        complaint=complaint, actor=org.registrar, explanation="经核实，当晚巡逻记录完整"
    )

    html = printing.complaint_record_html(complaint, viewer=org.registrar)

    assert "经核实，当晚巡逻记录完整" in html
    assert html.count("■") == 1


def test_it_masks_the_customer_for_a_viewer_who_does_not_handle_the_case(clock, org, register):
    """ORG-3: the committee member sees the case but not the customer's personal data."""
    complaint = register()
    handled(org, complaint)

    for render in (
        printing.complaint_record_html,
        printing.handling_record_html,
    ):
        html = render(complaint, viewer=org.committee)
        assert "李业主" not in html
        assert FULL_PHONE not in html
        assert "1单元502" not in html
        assert "李**" in html
        assert "139********" in html
    letter_html = printing.contact_letter_html(complaint.letters.get(), viewer=org.committee)
    assert FULL_PHONE not in letter_html
    assert "139********" in letter_html


# --- 工作联系函 -------------------------------------------------------------------------


def test_it_prints_as_many_copies_of_the_letter_as_the_pack_says(clock, org, register):
    """CMP-3: 一式两份 — two labelled copies, the receipt blank until signed for."""
    complaint = register()
    letter = services.complaint_route(
        complaint=complaint,
        actor=org.registrar,
        department=org.ab,
        head=org.head,
        request="请30分钟内联系业主并调取监控",
    )

    html = printing.contact_letter_html(letter, viewer=org.registrar)

    assert html.count('class="copy-label"') == 2
    assert str(printing.COPY_LABEL % {"number": "一"}) in html
    assert str(printing.COPY_LABEL % {"number": "二"}) in html
    assert str(printing.COPIES_NOTE % {"copies": "两"}) in html
    for text in [letter.number, "安保部", str(org.head), "请30分钟内联系业主并调取监控"]:
        assert html.count(text) >= 2, text
    assert "夜间巡逻不到位" in html
    assert "加强夜间巡逻并调取监控" in html
    assert "2026-11-23 09:30" in html  # the first-contact limit
    assert 'class="line"' in html  # receipt left to sign by hand


def test_it_fills_the_receipt_from_the_acknowledgement(clock, org, register):
    """CMP-3: the head's acknowledgement in the app is the signed receipt."""
    complaint = register()
    letter = services.complaint_route(
        complaint=complaint, actor=org.registrar, department=org.ab, head=org.head, request="查"
    )
    clock.shift(timedelta(minutes=7))
    services.letter_acknowledge(letter=letter, actor=org.head)

    html = printing.contact_letter_html(letter, viewer=org.registrar)

    receipt = html.split(str(printing.COPY_LABEL % {"number": "二"}))[1]
    assert "2026-11-23 09:07" in receipt
    assert str(org.head) in receipt


def test_it_follows_a_revised_number_of_copies(clock, org, register):
    """CMP-3: the number of copies is the company's value of the pack's rule, not a
    constant."""
    complaint = register()
    letter = services.complaint_route(
        complaint=complaint, actor=org.registrar, department=org.ab, head=org.head, request="查"
    )
    rule = Rule.objects.get(
        pack__code=complaint.policy_pack, key="complaints.contact_letter_copies"
    )
    rule_revise(
        rule=rule,
        company=complaint.company,
        value=3,
        effective_from=None,
        author=None,
        reason="三份",
    )

    html = printing.contact_letter_html(letter, viewer=org.registrar)

    assert html.count('class="copy-label"') == 3
    assert str(printing.COPY_LABEL % {"number": "三"}) in html


# --- 投诉处置表 -------------------------------------------------------------------------


def test_it_prints_the_handling_record_with_limits_and_callbacks(clock, org, register):
    """CMP-4/CMP-5: investigation, person responsible, solution, contact time, result, the
    time limits with due and met times (a late one marked late), the callback with the
    customer's satisfaction, the final result and closure."""
    complaint = register()
    clock.shift(timedelta(hours=1))  # first contact after the 30 minutes
    handled(org, complaint)

    html = printing.handling_record_html(complaint, viewer=org.registrar)

    for text in [
        "夜班保安擅自缩短巡逻路线",
        "恢复巡逻路线并每小时打卡，调取监控协助报警",
        str(org.handler),
        str(org.guard),
        "已恢复巡逻路线，监控截图已交派出所",
        "巡逻明显多了，感谢",
        str(Callback.Satisfaction.SATISFIED.label),
        "业主满意，已结案",
        "2026-11-23 09:30",  # first contact due
        "2026-11-23 10:00",  # … and met
        str(printing.DEADLINE_STATES["late"]),
        str(printing.DEADLINE_STATES["on_time"]),
    ]:
        assert text in html, text


def test_it_prints_page_numbers_in_the_order_of_the_language():
    from pinzhi.core.printing import page_counter_css

    assert page_counter_css().count("counter(page") == 2
    from django.utils import translation

    with translation.override("en"):
        assert page_counter_css() == '"Page " counter(page) " of " counter(pages)'


# --- the PDFs and the views (slow: WeasyPrint) ------------------------------------------


@needs_poppler
def test_it_serves_the_registration_record_as_a_pdf(clock, org, register, client, tmp_path):
    """CMP-2: a one-page A4 PDF with the Chinese text, inline with a Chinese file name."""
    complaint = register()
    client.login(username=org.registrar.username, password=PASSWORD)

    response = client.get(reverse("complaint_print:record", args=[complaint.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert "filename*=UTF-8''" in disposition
    assert complaint.tracking_code in disposition
    assert response.content.startswith(b"%PDF")
    assert pdf_pages(response.content, tmp_path) == 1
    text = pdf_text(response.content, tmp_path)
    assert "测试物业服务有限公司" in text
    assert "连续三晚没有看到保安巡逻" in text
    assert FULL_PHONE in text


@needs_poppler
def test_it_serves_one_page_per_copy_of_the_letter(clock, org, register, client, tmp_path):
    """CMP-3: the letter in two copies is two pages."""
    complaint = register()
    letter = services.complaint_route(
        complaint=complaint, actor=org.registrar, department=org.ab, head=org.head, request="查"
    )
    client.login(username=org.head.username, password=PASSWORD)

    response = client.get(reverse("complaint_print:letter", args=[letter.pk]))

    assert response.status_code == 200
    assert pdf_pages(response.content, tmp_path) == 2
    assert "夜间巡逻不到位" in pdf_text(response.content, tmp_path)


@needs_poppler
def test_it_masks_the_customer_in_the_handling_pdf(clock, org, register, client, tmp_path):
    """ORG-3: a viewer who does not handle the case gets the customer masked on paper too."""
    complaint = register()
    handled(org, complaint)
    client.login(username=org.committee.username, password=PASSWORD)

    response = client.get(reverse("complaint_print:handling", args=[complaint.pk]))

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content, tmp_path)
    assert FULL_PHONE not in text
    assert "139********" in text
    assert "夜班保安擅自缩短巡逻路线" in text


def test_it_hides_the_forms_of_a_case_the_person_cannot_see(clock, org, register, client):
    """ORG-2: a staff member who cannot open the case gets 404 for each of its forms."""
    complaint = register()
    letter = services.complaint_route(
        complaint=complaint, actor=org.registrar, department=org.ab, head=org.head, request="查"
    )
    elsewhere = UnitFactory(company=org.company, code="JG", name="金桂苑", parent=org.hq)
    outsider = PersonFactory(roles=("service_staff",), unit=elsewhere, company=org.company)
    client.login(username=outsider.username, password=PASSWORD)

    for url in [
        reverse("complaint_print:record", args=[complaint.pk]),
        reverse("complaint_print:handling", args=[complaint.pk]),
        reverse("complaint_print:letter", args=[letter.pk]),
    ]:
        assert client.get(url).status_code == 404, url


def test_it_refuses_the_forms_to_a_customer(clock, org, register, client):
    """ORG-2: printed forms are internal; a customer gets 403."""
    complaint = register()
    customer = PersonFactory(roles=("customer",), unit=None, company=None)
    client.login(username=customer.username, password=PASSWORD)

    response = client.get(reverse("complaint_print:record", args=[complaint.pk]))

    assert response.status_code == 403
