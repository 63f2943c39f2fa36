"""The inspection report (INS-7): drafted from the failures, approved, sent to the unit."""

import pytest

from pinzhi.inspections import reports
from pinzhi.inspections.conducting_flow import InspectionError
from pinzhi.inspections.models import Inspection, InspectionReport
from pinzhi.inspections.tests.factories import (
    inspection_planned,
    inspection_submitted,
    template_published,
)
from pinzhi.notify.models import Notification
from pinzhi.orgs.tests.factories import UnitFactory


@pytest.fixture
def inspector(person_with, company):
    return person_with("inspector", unit=UnitFactory(company=company, code="ZG", name="品质部"))


@pytest.fixture
def submitted(company, unit, inspector):
    return inspection_submitted(
        version=template_published(company),
        unit=unit,
        inspector=inspector,
        results={"A2": "fail"},
        severities={"A2": "minor"},
    )


def test_the_report_lists_the_problems_from_the_failed_answers(submitted, inspector):
    """INS-7: the problems section is drafted from the failed answers with their severity."""
    report = reports.report_draft(inspection=submitted, actor=inspector)
    assert "使用文明用语" in report.problems and "轻微" in report.problems
    assert reports.report_draft(inspection=submitted, actor=inspector).pk == report.pk


def test_a_report_is_written_only_for_a_submitted_inspection(company, unit, inspector):
    """INS-7: no report before the inspection is submitted."""
    task = inspection_planned(version=template_published(company), unit=unit, inspector=inspector)
    with pytest.raises(InspectionError):
        reports.report_draft(inspection=task, actor=inspector)


def test_the_quality_department_approves_and_the_unit_is_notified(
    submitted, inspector, person_with, django_capture_on_commit_callbacks
):
    """INS-7: submitted for approval → approved by the quality department → sent to the unit
    (a notification to its manager) → the inspection is reported."""
    manager = person_with("department_manager")
    quality = person_with("quality_department", unit=inspector.unit)
    report = reports.report_draft(inspection=submitted, actor=inspector)
    reports.report_update(
        report=report, actor=inspector, causes="人员培训不足", next_steps="一周内复查"
    )
    with pytest.raises(InspectionError):  # the inspector cannot approve
        reports.report_approve(report=report, actor=inspector)
    with django_capture_on_commit_callbacks(execute=True):
        reports.report_submit(report=report, actor=inspector)
    with pytest.raises(InspectionError):  # no edits while it awaits approval
        reports.report_update(report=report, actor=inspector, causes="x")
    with django_capture_on_commit_callbacks(execute=True):
        reports.report_approve(report=report, actor=quality)
    report.refresh_from_db()
    submitted.refresh_from_db()
    assert report.status == InspectionReport.Status.SENT and report.approved_by == quality
    assert submitted.status == Inspection.Status.REPORTED
    assert Notification.objects.filter(recipient=manager, kind="inspection.report_sent").exists()
    assert Notification.objects.filter(recipient=quality, kind="inspection.report_waiting").exists()


def test_a_returned_report_needs_a_reason_and_goes_back_to_draft(submitted, inspector, person_with):
    """INS-7: the quality department returns the report with what to change."""
    quality = person_with("quality_department", unit=inspector.unit)
    report = reports.report_draft(inspection=submitted, actor=inspector)
    reports.report_submit(report=report, actor=inspector)
    with pytest.raises(InspectionError) as refused:
        reports.report_send_back(report=report, actor=quality, reason=" ")
    assert refused.value.field == "reason"
    reports.report_send_back(report=report, actor=quality, reason="补充原因分析")
    report.refresh_from_db()
    assert report.status == InspectionReport.Status.DRAFT
