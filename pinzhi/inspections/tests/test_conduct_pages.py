"""The inspector's pages (INS-5, INS-7, INS-8): the day, the phone page and its outbox
endpoints, the account confirmation, the report and the printed forms."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse

from pinzhi.inspections.models import Answer, Inspection, InspectionReport
from pinzhi.inspections.tests.factories import (
    inspection_planned,
    inspection_submitted,
    template_published,
)
from pinzhi.inspections.tests.test_conduct import JPEG, PNG
from pinzhi.lib.clock import now
from pinzhi.orgs.tests.factories import CompanyFactory, UnitFactory


@pytest.fixture
def office(company):
    return UnitFactory(company=company, code="ZG", name="品质管理部")


@pytest.fixture
def inspector_client(signed_in, office):
    return signed_in("inspector", unit=office)


@pytest.fixture
def task(company, unit, inspector_client):
    return inspection_planned(
        version=template_published(company), unit=unit, inspector=inspector_client.person
    )


def start(client, task):
    return client.post(
        reverse("inspections:start", args=[task.pk]),
        {"declared_no_conflict": "on", "credentials_shown": "on", "consent_by": "王经理"},
    )


def test_the_day_lists_overdue_and_today_tasks(inspector_client, company, unit):
    """INS-5: the inspector's day: overdue and today's tasks across units."""
    version = template_published(company)
    me = inspector_client.person
    late = inspection_planned(
        version=version, unit=unit, inspector=me, due_at=now() - timedelta(hours=3)
    )
    response = inspector_client.get(reverse("inspections:day"))
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("inspections:detail", args=[late.pk]) in body
    assert 'data-testid="outbox-count"' in body and "立即发送" in body


def test_the_phone_page_asks_for_the_declaration_then_shows_the_items(inspector_client, task):
    """INS-5, INS-6: before the start, the declaration and credentials; after, the items with
    the previous answer beside each and the outbox."""
    page = inspector_client.get(reverse("inspections:detail", args=[task.pk])).content.decode()
    assert 'data-testid="declared"' in page and 'data-testid="credentials"' in page
    response = start(inspector_client, task)
    assert response.status_code == 302
    page = inspector_client.get(reverse("inspections:detail", args=[task.pk])).content.decode()
    assert 'data-testid="item-A1"' in page and 'data-testid="outbox"' in page
    assert "以前未检查" in page or "上次" in page


def test_the_previous_answer_of_the_same_item_is_shown(inspector_client, company, unit):
    """INS-5: the previous inspection's answer of the same item at that unit beside it."""
    version = template_published(company)
    inspection_submitted(version=version, unit=unit, results={"A2": "fail"})
    task = inspection_planned(version=version, unit=unit, inspector=inspector_client.person)
    start(inspector_client, task)
    page = inspector_client.get(reverse("inspections:detail", args=[task.pk])).content.decode()
    a2 = page.split('data-testid="item-A2"')[1].split('data-testid="previous"')[1][:200]
    assert "不合格" in a2


def post_answer(client, task, key, code="A1", result="pass", **extra):
    data = {
        "client_key": str(key),
        "item": code,
        "result": result,
        "answered_at": now().isoformat(),
    }
    data.update(extra)
    return client.post(reverse("inspections:answer", args=[task.pk]), data)


def test_the_outbox_endpoints_are_idempotent(inspector_client, task):
    """INS-5: a resend returns 200 and the stored record; the first send 201; one row."""
    start(inspector_client, task)
    key = uuid.uuid4()
    assert post_answer(inspector_client, task, key).status_code == 201
    again = post_answer(inspector_client, task, key)
    assert again.status_code == 200 and again.json()["client_key"] == str(key)
    assert Answer.objects.filter(inspection=task).count() == 1
    post_answer(inspector_client, task, uuid.uuid4(), "B1", "fail", severity="general")
    photo_key = uuid.uuid4()
    for expected in (201, 200):
        from django.core.files.uploadedfile import SimpleUploadedFile

        response = inspector_client.post(
            reverse("inspections:photo", args=[task.pk]),
            {
                "client_key": str(photo_key),
                "item": "B1",
                "captured_at": now().isoformat(),
                "annotated": "1",
                "file": SimpleUploadedFile("photo.jpg", JPEG, content_type="image/jpeg"),
            },
        )
        assert response.status_code == expected


def test_a_bad_send_gets_a_specific_refusal_not_a_500(inspector_client, task):
    """INS-5: a missing key, a bad time, a missing severity: 422 naming the field."""
    start(inspector_client, task)
    response = post_answer(inspector_client, task, "not-a-uuid")
    assert response.status_code == 400 and response.json()["field"] == "client_key"
    response = post_answer(inspector_client, task, uuid.uuid4(), answered_at="yesterday")
    assert response.status_code == 422 and response.json()["field"] == "answered_at"
    response = post_answer(inspector_client, task, uuid.uuid4(), result="fail")
    assert response.status_code == 422 and response.json()["field"] == "severity"
    response = inspector_client.post(
        reverse("inspections:photo", args=[task.pk]),
        {"client_key": str(uuid.uuid4()), "item": "A1"},
    )
    assert response.status_code in (409, 422)


def test_submit_from_the_page_and_the_results_and_pdf(inspector_client, task):
    """INS-5: submitted through the page; the results and the filled checklist as PDF."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    start(inspector_client, task)
    for code in ("A1", "A2", "B2"):
        post_answer(inspector_client, task, uuid.uuid4(), code)
    post_answer(inspector_client, task, uuid.uuid4(), "B1", "fail", severity="minor")
    inspector_client.post(
        reverse("inspections:photo", args=[task.pk]),
        {
            "client_key": str(uuid.uuid4()),
            "item": "B1",
            "file": SimpleUploadedFile("p.jpg", JPEG, content_type="image/jpeg"),
        },
    )
    response = inspector_client.post(
        reverse("inspections:submit", args=[task.pk]), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 422  # not confirmed yet
    inspector_client.post(
        reverse("inspections:signature", args=[task.pk]),
        {
            "client_key": str(uuid.uuid4()),
            "item": "B1",
            "signed_by_name": "李主管",
            "file": SimpleUploadedFile("signature.png", PNG, content_type="image/png"),
        },
    )
    response = inspector_client.post(
        reverse("inspections:submit", args=[task.pk]), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200, response.content
    task.refresh_from_db()
    assert task.status == Inspection.Status.SUBMITTED
    page = inspector_client.get(reverse("inspections:detail", args=[task.pk])).content.decode()
    assert 'data-testid="score"' in page and "李主管" in page
    pdf = inspector_client.get(reverse("inspections:checklist_pdf", args=[task.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_report_is_written_approved_and_printed(
    inspector_client, company, unit, client, person_with, office
):
    """INS-7: the inspector drafts and submits; the quality department approves; the PDF."""
    me = inspector_client.person
    inspection = inspection_submitted(
        version=template_published(company), unit=unit, inspector=me, results={"A1": "fail"}
    )
    url = reverse("inspections:report", args=[inspection.pk])
    inspector_client.post(url, {"action": "save"})
    report = InspectionReport.objects.get()
    assert "着装整洁" in report.problems
    inspector_client.post(
        url, {"action": "save_submit", "causes": "培训不足", "next_steps": "复查"}
    )
    report.refresh_from_db()
    assert report.status == InspectionReport.Status.AWAITING_APPROVAL
    from pinzhi.orgs.tests.factories import PASSWORD

    quality = person_with("quality_department", unit=office)
    client.logout()
    client.login(username=quality.username, password=PASSWORD)
    page = client.get(url).content.decode()
    assert 'data-testid="approve"' in page
    client.post(url, {"action": "approve"})
    report.refresh_from_db()
    assert report.status == InspectionReport.Status.SENT
    pdf = client.get(reverse("inspections:report_pdf", args=[inspection.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_supervision_report_shows_the_registration_and_licence_warning(
    inspector_client, company, unit
):
    """INS-8: for an external company: registration, licence and its expiry warning, and
    the supervision sections."""
    external = CompanyFactory(
        name="外部物业公司",
        kind="inspected",
        licence_number="L-1",
        licence_valid_until=now().date() - timedelta(days=1),
    )
    inspection = inspection_submitted(
        version=template_published(company),
        unit=unit,
        inspector=inspector_client.person,
        inspected_company=external,
    )
    url = reverse("inspections:report", args=[inspection.pk])
    inspector_client.post(url, {"action": "save"})
    page = inspector_client.get(url).content.decode()
    assert "L-1" in page and 'data-testid="licence"' in page and "owner_satisfaction" in page
    assert "执照已过期" in page or "已过期" in page
