"""ORG-3 (issue 8 item 3): personal data inside a complaint's free text — title, content,
request, results and notes — is masked wherever it leaves the case page, for every viewer
who may not see the customer."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from pinzhi.complaints import printing, services
from pinzhi.complaints.models import Callback
from pinzhi.complaints.tests.steps import route_and_assign
from pinzhi.complaints.tests.test_print import handled
from pinzhi.orgs.tests.factories import person_in_role

NOTE = (
    "业主独孤求败（电话13933330001，座机0571-87654321）反映翠湖花园3栋1单元502楼上漏水，"
    "身份证110101199003077777，邮箱dugu@example.com，2025-03-01 已报修，维修费 350 元。"
)
SECRETS = (
    "独孤求败",
    "13933330001",
    "87654321",
    "110101199003077777",
    "dugu@example.com",
    "1单元502",
)


@pytest.fixture
def noted(org, register):
    def make():
        return register(
            title="独孤求败 13933330001 漏水",
            content=NOTE,
            request="请联系独孤求败 13933330001 上门查看",
            customer_name="独孤求败",
            customer_phone="13933330001",
            customer_address="翠湖花园3栋1单元502",
        )

    return make


@pytest.fixture
def inspector(org):
    return person_in_role("inspector", "inspector", org.hq, [org.estate])


def assert_masked(text):
    for secret in SECRETS:
        assert secret not in text
    assert "139********" in text


def test_it_masks_the_title_in_the_list_for_an_inspector(clock, org, client, noted, inspector):
    """ORG-3: 「独孤求败 13933330001 漏水」 is shown to an inspector as 「独*** 139******** 漏水」."""
    noted()
    client.force_login(inspector)
    html = client.get(reverse("complaints:list")).content.decode()
    assert "独*** 139******** 漏水" in html
    assert "13933330001" not in html and "独孤求败" not in html


def test_it_shows_the_title_in_clear_to_the_registrar(clock, org, client, noted):
    """ORG-3: the registrar who may see the customer reads the title as written."""
    noted()
    client.force_login(org.registrar)
    assert "独孤求败 13933330001 漏水" in client.get(reverse("complaints:list")).content.decode()


def sheet_text(response):
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return "\n".join(
        str(cell) for row in book.active.iter_rows(values_only=True) for cell in row if cell
    )


def test_it_masks_the_free_text_in_the_export_for_an_inspector(
    clock, org, client, noted, inspector
):
    """ORG-3: the Excel export masks title, content and request for an inspector, but
    leaves dates and amounts alone."""
    noted()
    client.force_login(inspector)
    text = sheet_text(client.get(reverse("complaints:export")))
    assert_masked(text)
    assert "0571-********" in text and "d***@example.com" in text
    assert "2025-03-01 已报修，维修费 350 元" in text


def test_it_exports_the_free_text_in_clear_to_the_quality_department(clock, org, client, noted):
    """ORG-3: the quality department may see the customer: the note as written."""
    noted()
    client.force_login(org.quality)
    assert NOTE in sheet_text(client.get(reverse("complaints:export")))


def test_it_masks_the_free_text_on_every_printed_form_for_an_inspector(
    clock, org, noted, inspector
):
    """ORG-3: the registration record, the contact letter and the handling record print
    the free text masked for a viewer who does not handle the case."""
    complaint = noted()
    handled(org, complaint)
    complaint.refresh_from_db()
    for html in (
        printing.complaint_record_html(complaint, viewer=inspector),
        printing.handling_record_html(complaint, viewer=inspector),
        printing.contact_letter_html(complaint.letters.get(), viewer=inspector),
    ):
        assert_masked(html)


def test_it_prints_the_free_text_in_clear_for_the_registrar(clock, org, noted):
    """ORG-3: the registrar who may see the customer prints the note as written."""
    complaint = noted()
    handled(org, complaint)
    assert NOTE in printing.complaint_record_html(complaint, viewer=org.registrar)


def history(complaint, viewer):
    from types import SimpleNamespace

    from django.template import Context, Template

    template = Template("{% load timeline %}{% timeline complaint %}")
    return template.render(
        Context({"complaint": complaint, "request": SimpleNamespace(user=viewer)})
    )


def called_back(org, complaint):
    route_and_assign(org, complaint, request="请联系独孤求败 13933330001", investigation="漏水")
    services.complaint_record_contact(complaint=complaint, actor=org.handler)
    services.complaint_resolve(
        complaint=complaint,
        actor=org.handler,
        resolution="已联系独孤求败（13933330001），翠湖花园3栋1单元502防水层已修复",
    )
    services.complaint_callback(
        complaint=complaint,
        actor=org.registrar,
        reached=True,
        confirmed=True,
        satisfaction=Callback.Satisfaction.SATISFIED,
        feedback="独孤求败表示满意，另留邮箱 dugu@example.com、座机 0571-87654321",
    )


def test_it_masks_the_reason_and_changed_text_on_the_timeline_for_an_inspector(
    clock, org, noted, inspector
):
    """ORG-3: the case history shows the callback note (reason) and the resolution
    (before/after) with the customer's name, address, numbers and e-mail masked."""
    complaint = noted()
    called_back(org, complaint)
    html = history(complaint, inspector)
    assert "翠湖花园3栋****防水层已修复" in html
    assert "独***表示满意" in html and "d***@example.com" in html and "0571-********" in html
    for secret in SECRETS:
        assert secret not in html


def test_it_shows_the_timeline_text_in_clear_to_the_quality_department(clock, org, noted):
    """ORG-3: the quality department may see the customer: the notes as written."""
    complaint = noted()
    called_back(org, complaint)
    html = history(complaint, org.quality)
    assert "独孤求败表示满意，另留邮箱 dugu@example.com、座机 0571-87654321" in html


def test_it_masks_the_titles_on_the_repeat_analysis_page(clock, org, client, register):
    """ORG-3: the repeat topics and the repeats by customer or address list the subjects
    masked for the quality committee, which may not see the customer."""
    for _ in range(2):
        register(
            title="独孤求败 13933330001 楼上漏水",
            content="楼上卫生间漏水，天花板发霉",
            customer_name="独孤求败",
            customer_phone="13933330001",
            customer_address="翠湖花园3栋1单元502",
        )
    client.force_login(org.committee)
    response = client.get(reverse("repeats:index"))
    members = [m for row in response.context["rows"] for m in row["members"]]
    assert {m["title"] for m in members} == {"独*** 139******** 楼上漏水"}
    assert {m["title"] for m in response.context["flagged"]} == {"独*** 139******** 楼上漏水"}
    assert "13933330001" not in response.content.decode()


def test_no_repeat_topic_is_named_after_its_customers(clock, org, client, register):
    """ORG-3: a topic's keywords are shown to everyone who reads the repeat analysis, so
    neither the customer's name nor a word of their address becomes one."""
    for _ in range(2):
        register(
            title="独孤求败 楼上漏水",
            content="独孤求败反映翠湖花园楼上卫生间漏水，天花板发霉",
            customer_name="独孤求败",
            customer_address="翠湖花园3栋1单元502",
        )
    client.force_login(org.committee)
    response = client.get(reverse("repeats:index"))
    keywords = [word for row in response.context["rows"] for word in row["group"].keywords]
    assert keywords and "漏水" in keywords
    assert not [word for word in keywords if word in "独孤求败" or word in "翠湖花园3栋1单元502"]
    assert "独孤" not in response.content.decode()


def test_it_masks_the_free_text_on_the_case_page_for_an_inspector(
    clock, org, client, noted, inspector
):
    """ORG-3: an inspector opening the case reads the subject, content, letter, result and
    callback note with the customer's personal data masked; the registrar reads them as
    written."""
    complaint = noted()
    called_back(org, complaint)
    url = reverse("complaints:detail", args=[complaint.pk])
    client.force_login(inspector)
    html = client.get(url).content.decode()
    assert "独*** 139******** 漏水" in html and "翠湖花园3栋****防水层已修复" in html
    for secret in SECRETS:
        assert secret not in html
    client.force_login(org.registrar)
    html = client.get(url).content.decode()
    assert "独孤求败 13933330001 漏水" in html and "dugu@example.com" in html
