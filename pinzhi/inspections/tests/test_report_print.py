"""RPT-6: the filled 服务质量巡检表 and the inspection report print as documents."""

import pytest

from pinzhi.inspections import reports
from pinzhi.inspections.models import Answer, InspectionReport
from pinzhi.inspections.tests.factories import inspection_submitted, template_published
from pinzhi.lib.clock import now
from pinzhi.orgs.tests.factories import CompanyFactory


@pytest.fixture
def submitted(company, unit, person_with):
    inspection = inspection_submitted(
        version=template_published(company), unit=unit, results={"B1": "fail"}
    )
    Answer.objects.filter(inspection=inspection, item__code="B1").update(
        note="楼道有垃圾", confirmed_by_name="李主管", confirmed_at=now()
    )
    return inspection


def test_the_filled_checklist_prints_every_item_result_and_confirmation(submitted):
    """RPT-6, INS-5: 服务质量巡检表 with each item, its result, the failure's severity and
    note, who confirmed it, and the score."""
    html = reports.checklist_html(submitted)
    assert "服务质量巡检表" in html and submitted.company.name in html
    for text in ("着装整洁，佩戴工牌", "公共区域地面无垃圾", "楼道有垃圾", "李主管", "一般"):
        assert text in html
    assert f"{submitted.percent}%" in html


def test_the_supervision_report_prints_the_licence_and_its_sections(submitted):
    """RPT-6, INS-7, INS-8: the report of an external company's inspection prints its
    registration, licence state and the supervision sections."""
    external = CompanyFactory(
        name="安居物业", kind="inspected", licence_number="91-LIC", credit_code="9131XYZ"
    )
    submitted.inspected_company = external
    submitted.save()
    report = InspectionReport.objects.create(
        inspection=submitted, problems="1. 楼道有垃圾", finances="收支公开", compliance="合同齐全"
    )
    html = reports.report_html(report)
    assert "监督检查报告" in html
    for text in ("91-LIC", "9131XYZ", "未登记营业执照有效期", "收支公开", "合同齐全", "楼道有垃圾"):
        assert text in html
    assert reports.report_pdf(report).startswith(b"%PDF")
